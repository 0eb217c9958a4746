"""A second demo run reloads only the event days that are new or still filling."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import dagster as dg

from platform_assets.demo import pending_days
from platform_assets.sandbox.store import WorldStore
from platform_assets.settings import load_settings

DAYS = dg.DailyPartitionsDefinition(start_date="2026-01-01")
KEY = dg.AssetKey(["raw", "events", "pages"])


def pending(tmp_path: Path, clock: datetime, loaded: list[str]) -> list[str]:
    settings = load_settings(env={"ROUNDTRIP_HOME": str(tmp_path)})
    settings.sandbox_dir.mkdir(parents=True, exist_ok=True)
    WorldStore.write_clock(settings.world_path, clock)
    instance = dg.DagsterInstance.ephemeral()
    for day in loaded:
        instance.report_runless_asset_event(dg.AssetMaterialization(KEY, partition=day))
    return pending_days(settings, instance, DAYS, KEY)


def test_first_run_loads_every_day_through_the_clock(tmp_path: Path) -> None:
    days = pending(tmp_path, datetime(2026, 1, 4), loaded=[])
    assert days == ["2026-01-01", "2026-01-02", "2026-01-03"]


def test_next_run_loads_from_the_first_missing_day(tmp_path: Path) -> None:
    days = pending(tmp_path, datetime(2026, 1, 6), loaded=["2026-01-01", "2026-01-02"])
    assert days == ["2026-01-03", "2026-01-04", "2026-01-05"]


def test_nothing_to_load_when_every_complete_day_is_loaded(tmp_path: Path) -> None:
    loaded = ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert pending(tmp_path, datetime(2026, 1, 4), loaded) == []


def test_the_clocks_own_day_reloads_while_it_is_filling(tmp_path: Path) -> None:
    loaded = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
    assert pending(tmp_path, datetime(2026, 1, 4, 15), loaded) == ["2026-01-04"]
