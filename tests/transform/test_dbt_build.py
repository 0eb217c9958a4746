"""A real ``dbt build`` through the Dagster assets, against a tiny hand-made raw layer in a temp
warehouse: views land in schema ``staging``, values come out typed and deduplicated, and dbt's
data tests report as asset checks (a bad row fails its check)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from platform_assets.transform.assets import dbt_project_assets
from platform_assets.transform.resource import dbt_resource

SYNCED = datetime(2026, 3, 1, 12, 0)
RAW_TABLES = {
    "marketing_budget": ("month", "channel", "budget"),
    "targets": ("month", "metric", "target"),
    "channel_mapping": ("utm_source", "utm_medium", "channel"),
}
# Sheet rows as the connector lands them: text cells, row 5 re-types row 2's month/channel.
BUDGET_ROWS = [
    (2, "2026-01-01", " Paid_Search", "12,500.00"),
    (3, "2026-01-01", "email", "800.50"),
    (4, "2026-02-01", "paid_search", "13,000.00"),
    (5, "2026-01-01", "paid_search", "12,000.00"),
    (6, "2026-02-01", "email", None),
]
TARGET_ROWS = [(2, "2026-01-01", "signups", "120"), (3, "2026-01-01", "New_MRR", "5,400.00")]
MAPPING_ROWS = [
    (2, "google", "cpc", "paid_search"),
    (3, "Facebook", "Paid_Social", "paid_social"),
    (4, "newsletter", "email", "email"),
]


def _write_raw(warehouse: Path, budget_rows: list[tuple]) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("create schema raw_google_sheets")
    rows = {
        "marketing_budget": budget_rows,
        "targets": TARGET_ROWS,
        "channel_mapping": MAPPING_ROWS,
    }
    for table, columns in RAW_TABLES.items():
        cells = ", ".join(f"{column} varchar" for column in columns)
        con.execute(
            f"create table raw_google_sheets.{table} "
            f"(_row bigint, {cells}, _fivetran_synced timestamp)"
        )
        con.executemany(
            f"insert into raw_google_sheets.{table} values (?, ?, ?, ?, ?)",
            [[*row, SYNCED] for row in rows[table]],
        )
    con.close()


def _build(home: Path, monkeypatch: pytest.MonkeyPatch, budget_rows: list[tuple]):
    monkeypatch.setenv("ROUNDTRIP_HOME", str(home))
    home.mkdir()
    _write_raw(home / "warehouse.duckdb", budget_rows)
    return dg.materialize(
        [dbt_project_assets],
        selection=dg.AssetSelection.groups("staging_google_sheets"),
        resources={"dbt": dbt_resource()},
        raise_on_error=False,
    )


def test_build_lands_typed_deduplicated_views_in_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _build(tmp_path / "home", monkeypatch, BUDGET_ROWS)
    assert result.success

    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert materialized == {
        dg.AssetKey(["staging", name])
        for name in (
            "stg_google_sheets__marketing_budget",
            "stg_google_sheets__targets",
            "stg_google_sheets__channel_mapping",
        )
    }
    checks = result.get_asset_check_evaluations()
    assert checks and all(check.passed for check in checks)
    assert any(check.asset_key.path[0] == "raw" for check in checks)  # source tests ran too

    con = duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True)
    views = con.sql(
        "select table_schema, table_type from information_schema.tables "
        "where table_name = 'stg_google_sheets__marketing_budget'"
    ).fetchall()
    assert views == [("staging", "VIEW")]
    budget = con.sql(
        "select budget_month, channel, budget_amount, sheet_row, synced_at "
        "from staging.stg_google_sheets__marketing_budget order by budget_month, channel"
    ).fetchall()
    assert budget == [
        (date(2026, 1, 1), "email", Decimal("800.50"), 3, SYNCED),
        (date(2026, 1, 1), "paid_search", Decimal("12000.00"), 5, SYNCED),
        (date(2026, 2, 1), "email", None, 6, SYNCED),
        (date(2026, 2, 1), "paid_search", Decimal("13000.00"), 4, SYNCED),
    ]
    targets = con.sql(
        "select metric, target_value from staging.stg_google_sheets__targets order by metric"
    ).fetchall()
    assert targets == [("new_mrr", Decimal("5400.00")), ("signups", Decimal("120"))]
    mapping = con.sql(
        "select utm_source, utm_medium, channel "
        "from staging.stg_google_sheets__channel_mapping order by sheet_row"
    ).fetchall()
    assert mapping == [
        ("google", "cpc", "paid_search"),
        ("facebook", "paid_social", "paid_social"),
        ("newsletter", "email", "email"),
    ]


def test_a_row_that_breaks_a_data_test_fails_its_asset_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad_row = (7, "2026-02-01", "tiktok", "5")
    result = _build(tmp_path / "home", monkeypatch, [*BUDGET_ROWS, bad_row])

    failed = {
        check.check_name for check in result.get_asset_check_evaluations() if not check.passed
    }
    assert failed == {
        "accepted_values_stg_google_sheets__marketing_budget_channel__paid_search__paid_social"
        "__organic_search__email__referral__direct__display__video__sms__affiliates",
        "relationships_stg_google_sheets__marketing_budget_channel__channel__ref_stg_google"
        "_sheets__channel_mapping_",
    }
