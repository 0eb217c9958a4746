"""Google Sheets staging on hand-typed cells: a month that is not a date must not fail the build
(one typo would stop every model); the row stays, with a null month the not_null test flags."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from tests.sources import harness

RAW = {
    "marketing_budget": ("month", "channel", "budget"),
    "targets": ("month", "metric", "target"),
    "channel_mapping": ("utm_source", "utm_medium", "channel"),
}
ROWS = {
    "marketing_budget": [(2, "2026-01-01", "email", "800"), (3, "2026-13-01", "email", "5")],
    "targets": [(2, "2026-01-01", "signups", "10"), (3, "Jan 2026", "mqls", "4")],
    "channel_mapping": [(2, "newsletter", "email", "email")],
}


def raw_warehouse(path: Path) -> Path:
    """``raw_google_sheets`` as the connector lands it, with one mistyped month per plan."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw_google_sheets")
        for table, columns in RAW.items():
            typed = ", ".join(f"{name} varchar" for name in columns)
            con.execute(
                f"create table raw_google_sheets.{table} (_row bigint, {typed}, "
                "_fivetran_synced timestamp default timestamp '2026-03-01 00:00:00')"
            )
            con.executemany(
                f"insert into raw_google_sheets.{table} ({', '.join(('_row', *columns))}) "
                "values (?, ?, ?, ?)",
                ROWS[table],
            )
    return path


def test_a_mistyped_month_is_flagged_by_a_test_not_fatal(tmp_path: Path) -> None:
    warehouse = raw_warehouse(tmp_path / "warehouse.duckdb")
    result = harness.dbt_build(
        ["staging.google_sheets", "source:google_sheets"], warehouse, tmp_path
    )
    assert result.returncode == 1  # the flagged rows fail their tests...
    failed = set(re.findall(r"FAIL 1 (\w+) ", result.stdout))
    assert failed == {
        "not_null_stg_google_sheets__marketing_budget_budget_month",
        "not_null_stg_google_sheets__targets_target_month",
    }, result.stdout[-4000:]
    assert "PASS=28 WARN=0 ERROR=2 SKIP=0" in result.stdout  # the two failures, nothing else
    with duckdb.connect(str(warehouse), read_only=True) as con:  # ...and every model built
        assert con.execute(
            "select budget_month, channel, budget_amount "
            "from staging.stg_google_sheets__marketing_budget order by sheet_row"
        ).fetchall() == [(date(2026, 1, 1), "email", Decimal("800")), (None, "email", Decimal("5"))]
        assert con.execute(
            "select target_month, metric from staging.stg_google_sheets__targets order by 2"
        ).fetchall() == [(None, "mqls"), (date(2026, 1, 1), "signups")]
