"""``roundtrip world live``: the loop moves the clock step by step, writes the landing hours it
completes, never passes its end, and stops cleanly on a signal — with no real waiting."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest

from platform_assets.ingestion.events_load import FILE_SUFFIX, landed_days
from platform_assets.sandbox.world.landing import hour_file
from platform_assets.sandbox.world.live import run_live, world_time
from platform_assets.settings import Settings, SettingsError, load_settings

HOUR = timedelta(hours=1)


def landing_files(settings: Settings) -> set[Path]:
    return set(settings.landing_dir.glob(f"*/*/*/*/*{FILE_SUFFIX}"))


@pytest.fixture
def settings(world_home: Path) -> Settings:
    return load_settings()


def test_three_steps_move_the_clock_and_write_the_hours_it_passed(settings: Settings) -> None:
    start, _ = world_time(settings)
    before = landing_files(settings)
    days_before = landed_days(settings.landing_dir)
    waits: list[float] = []
    lines: list[str] = []

    result = run_live(
        settings, step=HOUR, every=5, steps=3, sleep=waits.append, progress=lines.append
    )

    assert world_time(settings)[0] == result.clock == start + 3 * HOUR
    assert (result.steps, result.stopped) == (3, "steps")
    assert len(waits) == 2 and all(0 <= wait <= 5 for wait in waits)  # between steps only
    new = landing_files(settings) - before
    # the three hours the clock completed: written for every source that received events then
    hours = {start.replace(minute=0) + n * HOUR for n in range(3)}
    sources = {file.parts[-5] for file in before}
    expected = {hour_file(settings.landing_dir, s, h) for s in sources for h in hours}
    assert new and new <= expected
    assert result.landing_files == len(new)
    assert set(landed_days(settings.landing_dir)) >= set(days_before)
    assert len(lines) == 4  # the banner, then one line per step
    assert lines[-1].startswith(f"clock {result.clock:%Y-%m-%d %H:%M}")


def test_the_last_step_stops_exactly_at_until(settings: Settings) -> None:
    start, _ = world_time(settings)
    until = start + timedelta(minutes=40)

    result = run_live(
        settings, step=timedelta(minutes=15), every=0, until=until, sleep=lambda _: None,
        progress=lambda _: None,
    )  # fmt: skip

    assert (result.steps, result.clock, result.stopped) == (3, until, "until")
    assert world_time(settings)[0] == until


def test_refuses_to_start_past_until_or_at_the_horizon(settings: Settings) -> None:
    from platform_assets.sandbox.store import WorldStore

    start, horizon = world_time(settings)
    with pytest.raises(SettingsError, match="--until=.* is not after the world clock"):
        run_live(settings, until=start, sleep=lambda _: None, progress=lambda _: None)
    WorldStore.write_clock(settings.world_path, horizon)
    with pytest.raises(SettingsError, match="already at the world's horizon"):
        run_live(settings, steps=1, sleep=lambda _: None, progress=lambda _: None)


def test_sigterm_while_waiting_stops_after_the_finished_step(settings: Settings) -> None:
    start, _ = world_time(settings)
    handler = signal.getsignal(signal.SIGTERM)

    def sigterm(_: float) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    result = run_live(settings, step=HOUR, steps=5, sleep=sigterm, progress=lambda _: None)

    assert (result.steps, result.stopped) == (1, "signal")
    assert world_time(settings)[0] == start + HOUR
    assert signal.getsignal(signal.SIGTERM) is handler  # the handlers are put back
