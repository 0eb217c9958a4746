"""``roundtrip backfill``'s function: 7 days of the tiny world into raw_events and the incremental
event staging models, in a real Dagster instance and warehouse; running it again changes no count.

The instance is an ephemeral one (in memory): the CLI's persistent SQLite instance runs the same
code, but its per-event commits doubled the test's time on a busy disk."""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb
import pytest

from platform_assets.automation.backfill import BackfillError, backfill, check_range
from platform_assets.ingestion.events_columns import SCHEMA, TABLES
from platform_assets.settings import load_settings

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 7)


def row_counts(warehouse) -> dict[str, int]:
    """Rows of every raw event table and every event staging model."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        models = [
            f"staging.{name}"
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'staging' and table_name like 'stg_events__%'"
            ).fetchall()
        ]
        tables = [f"{SCHEMA}.{table}" for table in TABLES] + models
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def test_a_week_backfills_in_one_run_and_again_changes_nothing(world_home, monkeypatch):
    settings = load_settings()
    for name, value in settings.to_env().items():  # backfill() exports them; undone after
        monkeypatch.setenv(name, value)
    instance = dg.DagsterInstance.ephemeral()

    result = backfill(settings, FIRST, LAST, instance)
    assert result.success and result.days == 7
    counts = row_counts(settings.warehouse_path)
    # every event table has its staging model, one row per raw message (users: per user id)
    assert len(counts) == len(TABLES) * 2
    assert counts[f"{SCHEMA}.pages"] > 0
    for table in TABLES:
        assert counts[f"staging.stg_events__{table}"] == counts[f"{SCHEMA}.{table}"], table
    run = instance.get_run_by_id(result.run_id)
    assert run.tags["dagster/asset_partition_range_start"] == "2026-03-01"
    assert run.tags["dagster/asset_partition_range_end"] == "2026-03-07"
    assert instance.get_materialized_partitions(dg.AssetKey(["raw", "events", "pages"])) == {
        f"2026-03-0{day}" for day in range(1, 8)
    }

    again = backfill(settings, FIRST, LAST, instance)
    assert again.success and again.run_id != result.run_id
    assert row_counts(settings.warehouse_path) == counts


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2026, 3, 7), date(2026, 3, 1), "the first day 2026-03-07 is after the last day"),
        (date(2025, 12, 31), date(2026, 1, 2), "2025-12-31 is not a day of the event stream"),
        (date(2026, 3, 1), date(2099, 1, 1), "2099-01-01 is not a day of the event stream"),
    ],
)
def test_a_range_outside_the_partitions_is_refused(first, last, message):
    with pytest.raises(BackfillError, match=message) as refused:
        check_range(first, last)
    if "not a day" in message:
        assert "partitions run from 2026-01-01 to " in str(refused.value)
