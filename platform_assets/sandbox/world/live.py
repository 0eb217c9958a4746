"""``roundtrip world live``: keep the world clock moving so the platform has something to react to.

Every ``every`` seconds of wall time the clock moves ``step`` of world time through
:func:`platform_assets.sandbox.world.advance`: the landing hours the clock completed appear as
new files (the landing sensor's cue) and the fake APIs, which read the clock on every request,
show the objects created or changed meanwhile. Stopping the loop stops the world, so freshness
goes stale as it would when a real source goes quiet.

The loop never passes the world's horizon (nor ``until``): its last step is shortened to land
exactly there, then it stops. Ctrl-C or SIGTERM during a step lets that step finish (its files
and clock stay consistent) and stops before the next; during the wait it stops at once.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world import Progress, advance, horizon_of
from platform_assets.settings import Settings, SettingsError

DEFAULT_STEP = timedelta(minutes=15)
DEFAULT_EVERY_SECONDS = 5.0

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class LiveResult:
    """Where a live session left the world, and why it stopped."""

    steps: int
    clock: datetime
    landing_files: int
    stopped: str  # "steps", "until", "horizon" or "signal"


class _Stopped(Exception):
    """Raised by the signal handler to cut a wait short."""


class _StopFlag:
    """Turns SIGINT/SIGTERM into a request to stop between steps, never in the middle of one."""

    def __init__(self) -> None:
        self.requested = False
        self.in_step = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if not self.in_step:
            raise _Stopped(signal.Signals(signum).name)


@contextmanager
def _stop_on_signals() -> Iterator[_StopFlag]:
    """Install the handlers for the loop's lifetime (only the main thread may install them)."""
    flag = _StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = {sig: signal.signal(sig, flag.handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def world_time(settings: Settings) -> tuple[datetime, datetime]:
    """The world's clock and its horizon (the last moment the generator wrote)."""
    if not settings.world_path.exists():
        raise SettingsError(
            f"no world at {settings.world_path}; run `roundtrip world generate` first"
        )
    store = WorldStore(settings.world_path, read_only=True)
    try:
        return store.clock(), horizon_of(store.cursor())
    finally:
        store.close()


def run_live(
    settings: Settings,
    step: timedelta = DEFAULT_STEP,
    every: float = DEFAULT_EVERY_SECONDS,
    steps: int | None = None,
    until: datetime | None = None,
    sleep: Sleep = time.sleep,
    progress: Progress = print,
) -> LiveResult:
    """Advance the world by ``step`` every ``every`` seconds until ``steps`` steps were taken,
    the clock reaches ``until`` or the horizon, or a signal arrives; one ``progress`` line per
    step. Refuses to start when the clock is already at the end."""
    if step <= timedelta(0):
        raise SettingsError(f"--step-minutes={step.total_seconds() / 60:g} must be positive")
    if every < 0:
        raise SettingsError(f"--every-seconds={every:g} must not be negative")
    if steps is not None and steps < 1:
        raise SettingsError(f"steps={steps} must be at least 1")
    clock, horizon = world_time(settings)
    if clock >= horizon:
        raise SettingsError(
            f"the world clock {clock:%Y-%m-%d %H:%M} is already at the world's horizon; "
            "generate a new world to start over"
        )
    if until is not None and until <= clock:
        raise SettingsError(
            f"--until={until:%Y-%m-%d %H:%M} is not after the world clock {clock:%Y-%m-%d %H:%M}"
        )
    end, end_name = (horizon, "horizon") if until is None or until > horizon else (until, "until")
    progress(
        f"world live: clock {clock:%Y-%m-%d %H:%M}, +{_minutes(step)} every {every:g}s until "
        f"{end:%Y-%m-%d %H:%M} ({end_name}); Ctrl-C stops"
    )
    taken, files = 0, 0
    with _stop_on_signals() as flag:
        try:
            while True:
                started = time.monotonic()
                flag.in_step = True
                move = min(step, end - clock)
                summary = advance(settings, move / timedelta(days=1))
                clock, taken, files = summary.clock, taken + 1, files + summary.landing_files
                progress(
                    f"clock {clock:%Y-%m-%d %H:%M}  +{_minutes(move)}  "
                    f"{summary.landing_files} new landing file(s)"
                )
                flag.in_step = False
                if flag.requested:
                    return LiveResult(taken, clock, files, "signal")
                if clock >= end:
                    progress(f"reached the {end_name} {end:%Y-%m-%d %H:%M}; stopping")
                    return LiveResult(taken, clock, files, end_name)
                if steps is not None and taken >= steps:
                    return LiveResult(taken, clock, files, "steps")
                sleep(max(0.0, every - (time.monotonic() - started)))
        except _Stopped:
            return LiveResult(taken, clock, files, "signal")


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:g} min"
