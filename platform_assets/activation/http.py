"""HTTP for destination clients: a rate budget kept on our side, Retry-After obeyed, retries.

Every destination API publishes a rate limit and answers a client that goes over it with 429 and
``Retry-After``. A sync that fires as fast as it can and backs off on 429 wastes requests and
annoys the API's owner; so the client keeps a sliding-window budget at the published limit
(never more than ``requests`` in any ``per_seconds``), and after a 429 or 503 it sends nothing
until ``Retry-After`` has elapsed. 5xx answers, timeouts and dropped connections are retried with
exponential backoff. Time comes from a :class:`Clock`, so tests drive all of it with an injected
clock instead of sleeping.

What a client gets back is the final answer; only when the attempts run out does it see
:class:`DestinationUnavailable`. 4xx answers other than 429 are returned as they are, because
only the destination knows whether a 400 means "this batch is bad" or "this record is bad".
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 60.0
WINDOW_MARGIN_SECONDS = 0.05
"""Added to the published window: the API starts its window when a request arrives, a little
after we sent it, so a budget at exactly the limit would now and then be one request early."""


@dataclass(frozen=True)
class RateLimit:
    """A published limit: at most ``requests`` per ``per_seconds``."""

    requests: int
    per_seconds: float


class Clock:
    """Wall time for the client (monotonic seconds and a sleep); tests pass a fake."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class DestinationUnavailable(Exception):
    """The destination kept failing (429, 5xx, timeouts) until the attempts ran out."""


class RequestBudget:
    """A sliding window at the destination's published limit, plus a "not before" instant set
    by Retry-After. :meth:`acquire` waits (on the clock) until a request may go, then takes a
    slot: in any window of ``per_seconds`` at most ``requests`` are sent."""

    def __init__(self, limit: RateLimit | None, clock: Clock) -> None:
        self.limit = limit
        self.clock = clock
        self._sent: deque[float] = deque()
        self._not_before = -math.inf
        self.waited = 0.0
        """Seconds spent waiting for the budget or a Retry-After (the client's own throttling)."""

    def defer(self, seconds: float) -> None:
        """Send nothing for ``seconds`` from now (a Retry-After)."""
        self._not_before = max(self._not_before, self.clock.now() + seconds)

    def acquire(self) -> float:
        """Wait until a request may be sent; returns the instant it is sent at."""
        while True:
            now = self.clock.now()
            wait = self._not_before - now
            if self.limit is not None:
                window = self.limit.per_seconds + WINDOW_MARGIN_SECONDS
                while self._sent and self._sent[0] <= now - window:
                    self._sent.popleft()
                if len(self._sent) >= self.limit.requests:
                    wait = max(wait, self._sent[0] + window - now)
            if wait <= 0:
                self._sent.append(now)
                return now
            self.waited += wait
            self.clock.sleep(wait)


def retry_after_seconds(response: requests.Response, default: float) -> float:
    """The wait a response asks for: ``Retry-After`` in seconds or as an HTTP date."""
    raw = response.headers.get("Retry-After")
    if raw is None:
        return default
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return default


@dataclass
class SentRequest:
    """One attempt, for tests and run metadata: when (clock time), what, and the answer."""

    at: float
    method: str
    url: str
    status: int | None  # None: no answer (timeout, dropped connection)


@dataclass
class HttpClient:
    """Requests to one API under its budget, with Retry-After and backoff.

    ``headers`` go on every request (auth). ``trace`` keeps every attempt when set to a list.
    """

    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    rate_limit: RateLimit | None = None
    clock: Clock = field(default_factory=Clock)
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_seconds: float = 1.0
    trace: list[SentRequest] | None = None
    session: requests.Session = field(default_factory=requests.Session)
    on_retry: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.budget = RequestBudget(self.rate_limit, self.clock)
        self.requests_sent = 0
        self.retries = 0

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send until an answer that is not a retriable failure, or raise
        :class:`DestinationUnavailable` naming the last failure."""
        url = self.url(path)
        headers = {**self.headers, **kwargs.pop("headers", {})}
        last = ""
        for attempt in range(1, self.max_attempts + 1):
            at = self.budget.acquire()
            self.requests_sent += 1
            try:
                response = self.session.request(
                    method, url, headers=headers, timeout=self.timeout, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._trace(at, method, url, None)
                last = f"{type(exc).__name__}: {exc}"
                self._back_off(attempt, last)
                continue
            self._trace(at, method, url, response.status_code)
            if response.status_code not in RETRY_STATUSES:
                return response
            last = f"HTTP {response.status_code}: {response.text[:300]}"
            if response.status_code in (429, 503) and "Retry-After" in response.headers:
                wait = retry_after_seconds(response, self._backoff(attempt))
                self.budget.defer(wait)
                self._note_retry(last)
            else:
                self._back_off(attempt, last)
        raise DestinationUnavailable(
            f"{method} {url} failed {self.max_attempts} times; last: {last}"
        )

    def _backoff(self, attempt: int) -> float:
        return min(MAX_BACKOFF_SECONDS, self.backoff_seconds * 2 ** (attempt - 1))

    def _back_off(self, attempt: int, why: str) -> None:
        if attempt < self.max_attempts:
            self.budget.defer(self._backoff(attempt))
            self._note_retry(why)

    def _note_retry(self, why: str) -> None:
        self.retries += 1
        if self.on_retry is not None:
            self.on_retry(why)

    def _trace(self, at: float, method: str, url: str, status: int | None) -> None:
        if self.trace is not None:
            self.trace.append(SentRequest(at, method, url, status))

    def close(self) -> None:
        self.session.close()
