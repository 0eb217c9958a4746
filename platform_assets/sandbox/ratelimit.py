"""Published rate limits of the fake APIs, enforced the way the real ones do: a sliding window.

HubSpot allows 100 requests per 10 seconds per token, and tells a client that went over how long
to wait. A sliding window over the admitted requests' times gives exactly that: the wait is
until the oldest request in the window leaves it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

from platform_assets.sandbox.fakeapi import RateLimit


class SlidingWindowLimiter:
    """Admits at most ``limit.requests`` requests per ``limit.per_seconds`` for each key."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[Hashable, deque[float]] = {}

    def admit(self, key: Hashable, limit: RateLimit) -> int | None:
        """Record the request and return None, or return the Retry-After seconds (≥ 1) when
        the window is full (a refused request does not count against the window)."""
        now = self._clock()
        with self._lock:
            window = self._windows.setdefault(key, deque())
            while window and window[0] <= now - limit.per_seconds:
                window.popleft()
            if len(window) < limit.requests:
                window.append(now)
                return None
            return max(1, math.ceil(window[0] + limit.per_seconds - now))
