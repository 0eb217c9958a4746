"""The incremental event staging models, built per received day by the daily-partitioned dbt
asset in the same runs as their ``raw_events`` days (real Dagster runs, real dbt, a real DuckDB
file) over hand-made landing files: a run rebuilds exactly its days, a message that moves to an
earlier receipt moves in staging too, a message gone from a reloaded day is gone from staging,
and a plain ``dbt build`` (no days given) rebuilds the days reloaded since the last build.
One test, four builds: each dbt invocation parses the project again (the warehouse path is part
of dbt's profile), so the steps share one warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from platform_assets.automation.backfill import partition_range_tags
from platform_assets.ingestion.events import raw_events
from platform_assets.ingestion.events_load import load_days
from platform_assets.transform.assets import dbt_event_day_models
from platform_assets.transform.resource import dbt_resource
from tests.ingestion.test_events import land, page, track
from tests.sources.harness import dbt_build

DAY_5, DAY_6 = "2026-01-05", "2026-01-06"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two days of landing files; page p1 arrives on day 5 and is redelivered on day 6."""
    home = tmp_path / "home"
    monkeypatch.setenv("ROUNDTRIP_HOME", str(home))
    landing = home / "landing"
    land(
        landing,
        "website",
        "2026/01/05/09",
        [
            page("p1", "2026-01-05T09:00:01"),
            page("p2", "2026-01-05T09:05:00"),
            track("t1", "2026-01-05T09:07:00", "demo_requested", form="demo"),
        ],
    )
    land(
        landing,
        "website",
        "2026/01/06/00",
        [page("p1", "2026-01-06T00:01:00"), page("p9", "2026-01-06T00:10:00")],
    )
    return home


def stage(*days: str) -> dg.ExecuteInProcessResult:
    """One run of ``days`` (consecutive) of raw_events and the event staging models."""
    return dg.materialize(
        [raw_events, dbt_event_day_models],
        resources={"dbt": dbt_resource()},
        tags=partition_range_tags(days[0], days[-1]),
    )


def staged_pages(home: Path) -> list[tuple[str, str]]:
    """``stg_events__pages``: each message id with its received day."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "select message_id, cast(received_at as date)::varchar "
            "from staging.stg_events__pages order by message_id"
        ).fetchall()


def test_each_run_rebuilds_exactly_its_days(home: Path, tmp_path: Path) -> None:
    warehouse = home / "warehouse.duckdb"
    landing = home / "landing"
    # day 6 alone: p1's redelivery is its only receipt so far; the table is created (full build)
    assert stage(DAY_6).success
    assert staged_pages(home) == [("p1", DAY_6), ("p9", DAY_6)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select table_type from information_schema.tables "
            "where table_schema = 'staging' and table_name = 'stg_events__pages'"
        ).fetchall() == [("BASE TABLE",)]

    # p3 lands on day 6, then a run of day 5: p1's earlier receipt wins, in raw (the loader) and
    # in staging (same message id); day 6 is not rebuilt, so p3 is not staged yet
    land(landing, "website", "2026/01/06/01", [page("p3", "2026-01-06T01:00:00")])
    assert stage(DAY_5).success
    assert staged_pages(home) == [("p1", DAY_5), ("p2", DAY_5), ("p9", DAY_6)]

    # p2 leaves day 5's file; both days in one run (a single-run backfill): p2 is gone from raw,
    # so from staging, and p3 is staged
    land(
        landing,
        "website",
        "2026/01/05/09",
        [
            page("p1", "2026-01-05T09:00:01"),
            track("t1", "2026-01-05T09:07:00", "demo_requested", form="demo"),
        ],
    )
    result = stage(DAY_5, DAY_6)
    assert result.success
    assert staged_pages(home) == [("p1", DAY_5), ("p3", DAY_6), ("p9", DAY_6)]
    materialized = {
        (event.asset_key.to_user_string(), event.partition)
        for event in result.get_asset_materialization_events()
    }
    assert {("staging/stg_events__pages", DAY_5), ("staging/stg_events__pages", DAY_6)} <= (
        materialized
    )
    # the raw tables' own tests ran in that build too, as the checks of the raw assets
    checked = {
        (check.asset_key.to_user_string(), check.check_name, check.passed)
        for check in result.get_asset_check_evaluations()
    }
    assert ("raw/events/pages", "source_unique_events_pages_id", True) in checked
    assert ("staging/stg_events__pages", "unique_stg_events__pages_message_id", True) in checked
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select message_id from staging.stg_events__demo_requested"
        ).fetchall() == [("t1",)]
        day_5_loaded = con.execute(
            "select message_id, loaded_at from staging.stg_events__pages "
            "where cast(received_at as date) = '2026-01-05' order by all"
        ).fetchall()

    # outside Dagster: day 6 reloaded with p4 added, then `dbt build` without the day vars
    # rebuilds day 6 (reloaded since the model's last build) and leaves day 5's rows as they were
    land(landing, "website", "2026/01/06/02", [page("p4", "2026-01-06T02:00:00")])
    with duckdb.connect(str(warehouse)) as con:
        load_days(con, landing, home / "quarantine", date(2026, 1, 6))
    built = dbt_build(["stg_events__pages"], warehouse, tmp_path)
    assert built.returncode == 0, built.stdout[-3000:]
    assert staged_pages(home) == [("p1", DAY_5), ("p3", DAY_6), ("p4", DAY_6), ("p9", DAY_6)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert (
            con.execute(
                "select message_id, loaded_at from staging.stg_events__pages "
                "where cast(received_at as date) = '2026-01-05' order by all"
            ).fetchall()
            == day_5_loaded
        )
