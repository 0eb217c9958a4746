"""The contract between the sandbox server and the fake SaaS APIs it hosts.

Each fake API (``sandbox/apis/<name>.py``) is a :class:`FakeApi`: it names itself, says how a
request proves its credentials, declares its published rate limit and lists its routes. The
server (``sandbox/server.py``) owns everything shared: routing under ``/<api name>/``, auth
refusal (401), rate limiting (:meth:`FakeApi.throttled`), fault injection, and the request log that
tests read to count what was served.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from platform_assets.sandbox.store import WorldStore
from platform_assets.settings import Settings


@dataclass(frozen=True)
class ApiRequest:
    """One HTTP request, as a handler sees it (path is relative to the API's mount point).

    ``settings`` are the serving sandbox's: an API that checks more than its one credential
    (Google Ads: the configured ``google_ads_developer_token``) reads it there, per server,
    never from module state shared by every sandbox in the process.
    """

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # keys lower-cased
    settings: Settings
    body: bytes = b""
    path_params: Mapping[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body)


@dataclass
class ApiResponse:
    """What a handler returns. ``rows`` is how many records the response carried: the request
    log sums it, so a test can say "this re-run fetched 0 rows" from the API's side.
    ``written`` names the records a write request stored (their keys, e.g. emails), so a test
    can count from the API's side how often each record arrived."""

    status: int = 200
    body: Any = None  # dict/list → JSON; bytes/str → sent as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    rows: int = 0
    written: tuple[str, ...] = ()

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        if self.body is None:
            return b""
        return json.dumps(self.body, default=str, separators=(",", ":")).encode()


Handler = Callable[[ApiRequest, WorldStore], ApiResponse]


@dataclass(frozen=True)
class Owner:
    """The account a route's path names: its path parameter, a query that returns a row when the
    account (its integer id, the query's one ``?``) exists, and the API's answer when not."""

    param: str
    exists_sql: str
    missing: Callable[[str], ApiResponse]


def guarded(
    handler: Handler,
    refusal: type[Exception],
    refuse: Callable[[Any], ApiResponse],
    owner: Owner | None = None,
) -> Handler:
    """``handler`` behind the checks a real API makes: an ``owner`` account that does not exist
    is answered before the handler runs, and the ``refusal`` it raises for a bad request becomes
    ``refuse(exc)``, the API's own error (a 400, never the server's 500)."""

    def guarded_handler(request: ApiRequest, store: WorldStore) -> ApiResponse:
        if owner is not None:
            account = request.path_params.get(owner.param)
            if account is not None and not store.query(owner.exists_sql, [int(account)]):
                return owner.missing(account)
        try:
            return handler(request, store)
        except refusal as exc:
            return refuse(exc)

    return guarded_handler


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # regex over the path below the mount point; named groups → path_params
    handler: Handler

    def match(self, method: str, path: str) -> re.Match[str] | None:
        if method != self.method:
            return None
        return re.fullmatch(self.pattern, path)


@dataclass(frozen=True)
class RateLimit:
    requests: int
    per_seconds: float


class FakeApi:
    """Base class for one fake SaaS API. Subclasses set ``name``, ``rate_limit`` and implement
    :meth:`routes` and :meth:`authorized`."""

    name: str = ""
    rate_limit: RateLimit | None = None

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        """True when the request carries ``credential`` the way the real API expects it."""
        raise NotImplementedError

    def error(self, status: int, message: str) -> ApiResponse:
        """An error body in this API's own shape (override per API)."""
        return ApiResponse(status=status, body={"error": {"message": message}})

    def throttled(self, retry_after: int) -> ApiResponse:
        """The refusal of a request over :attr:`rate_limit`, told to wait ``retry_after`` s.

        Most APIs answer this API's 429 with ``Retry-After`` (the default); an API whose real
        throttling looks different overrides it (Facebook Graph: HTTP 400, error code 17 and an
        ``X-Business-Use-Case-Usage`` header), so connectors are tested against the real shape.
        """
        limit = self.rate_limit
        window = f" of {limit.requests} requests per {limit.per_seconds:g} s" if limit else ""
        response = self.error(429, f"rate limit{window} exceeded")
        response.headers["Retry-After"] = str(retry_after)
        return response


GOOGLE_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
"""HTTP status → the google.rpc code name Google's JSON errors carry."""


def google_error(status: int, message: str, **extra: Any) -> ApiResponse:
    """An error in the envelope every Google API answers with (Ads, Sheets, Firestore):
    ``{"error": {"code", "message", "status", ...extra}}``."""
    error = {
        "code": status,
        "message": message,
        "status": GOOGLE_STATUS_NAMES.get(status, "UNKNOWN"),
    }
    return ApiResponse(status=status, body={"error": {**error, **extra}})


def bearer_token(request: ApiRequest) -> str | None:
    """The token of an ``Authorization: Bearer`` header, None without one."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def basic_credential(request: ApiRequest) -> str | None:
    """The decoded ``user:password`` of an ``Authorization: Basic`` header; None without one or
    when it is not base64 of UTF-8 (a garbled header is refused, never an error)."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        return base64.b64decode(header[6:].strip()).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError both are
        return None
