"""The sliding-window limiter on a hand-driven clock: exact admissions and Retry-After values."""

from __future__ import annotations

from platform_assets.sandbox.fakeapi import RateLimit
from platform_assets.sandbox.ratelimit import SlidingWindowLimiter

LIMIT = RateLimit(requests=2, per_seconds=10.0)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_window_slides_and_retry_after_counts_down_to_the_oldest_request() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(clock)
    assert limiter.admit("a", LIMIT) is None  # t=100
    clock.now = 103.0
    assert limiter.admit("a", LIMIT) is None
    assert limiter.admit("a", LIMIT) == 7  # the t=100 request leaves the window at 110
    clock.now = 109.5
    assert limiter.admit("a", LIMIT) == 1  # rounded up, never 0
    clock.now = 110.0
    assert limiter.admit("a", LIMIT) is None  # t=100 has left; refusals did not count
    assert limiter.admit("a", LIMIT) == 3  # now t=103 is the oldest
    assert limiter.admit("b", LIMIT) is None  # every key has its own window
