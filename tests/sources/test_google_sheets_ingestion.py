"""Google Sheets ingestion end to end: the dlt source against the fake values API over HTTP, into
a temporary warehouse, on the hand-made world of ``test_google_sheets_api`` (6 budget rows,
3 targets and the full channel mapping at T0; 8 budget rows and 4 targets at T1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dlt import DagsterDltResource

from platform_assets.ingestion import dlt_support
from platform_assets.ingestion.google_sheets import (
    SHEETS,
    column_name,
    configured_sheets,
    connector_options,
    google_sheets_assets,
    google_sheets_source,
    sheet_records,
)
from platform_assets.sandbox.apis.google_sheets import API
from platform_assets.sandbox.server import SandboxServer
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.google_sheets import CHANNEL_MAPPING, SPREADSHEETS
from platform_assets.settings import Settings, SettingsError, load_settings
from tests.sources import harness
from tests.sources.test_google_sheets_api import T1, make_world

SYNCED = datetime(2026, 3, 1)


server = harness.server_fixture(make_world, API)


@pytest.fixture()
def settings(tmp_path: Path, server: SandboxServer) -> Settings:
    return harness.warehouse_settings(tmp_path / "home", server)


def counts(settings: Settings) -> dict[str, int]:
    return harness.row_counts(settings, "raw_google_sheets", SHEETS)


def test_headers_become_snake_case_columns() -> None:
    assert column_name("UTM Source", 0) == "utm_source"
    assert column_name(" Budget (USD) ", 2) == "budget_usd"
    assert column_name("2026 plan", 1) == "_2026_plan"
    assert column_name("  ", 3) == "column_4"


def test_records_pad_short_rows_skip_blank_ones_and_keep_sheet_row_numbers() -> None:
    values = [
        ["Month", "Channel", "Channel"],
        ["2026-01-01", "email"],
        [],
        ["", ""],
        ["x", "", "y"],
    ]
    assert list(sheet_records(values, SYNCED)) == [
        {"_row": 2, "month": "2026-01-01", "channel": "email", "channel_2": None,
         "_fivetran_synced": SYNCED},
        {"_row": 5, "month": "x", "channel": None, "channel_2": "y", "_fivetran_synced": SYNCED},
    ]  # fmt: skip
    assert list(sheet_records([], SYNCED)) == []


def test_connector_config_matches_the_sandbox_spreadsheets() -> None:
    for table, config in SHEETS.items():
        assert config.spreadsheet_id == SPREADSHEETS[table].spreadsheet_id
        assert config.range == SPREADSHEETS[table].sheet_title


def test_sync_lands_tables_the_way_fivetran_does(settings: Settings, server: SandboxServer) -> None:
    log = harness.load(settings, server, "google_sheets", google_sheets_source)

    assert counts(settings) == {"marketing_budget": 6, "targets": 3, "channel_mapping": 17}
    assert len(CHANNEL_MAPPING) == 17
    # one Drive metadata read (0 rows) and one values read per sheet
    assert (log["requests"], log["rows"]) == (6, (1 + 6) + (1 + 3) + (1 + 17))

    columns = harness.query(
        settings,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw_google_sheets' and table_name = 'channel_mapping' "
        "order by ordinal_position",
    )
    assert columns == [
        ("_row", "BIGINT"),
        ("_fivetran_synced", "TIMESTAMP"),
        ("_fivetran_deleted", "BOOLEAN"),
        ("utm_source", "VARCHAR"),
        ("utm_medium", "VARCHAR"),
        ("channel", "VARCHAR"),
        ("_dlt_load_id", "VARCHAR"),
        ("_dlt_id", "VARCHAR"),
    ]
    first = harness.query(
        settings,
        "select _row, month, channel, budget from raw_google_sheets.marketing_budget "
        "order by _row limit 2",
    )
    assert first == [
        (2, "2026-01-01", "email", "800.50"),
        (3, "2026-01-01", "paid_search", "12,500.00"),
    ]


def test_resync_replaces_so_edits_and_new_rows_show_and_nothing_duplicates(
    tmp_path: Path, settings: Settings, server: SandboxServer
) -> None:
    dlt_support.run_source(settings, "google_sheets", google_sheets_source)
    dlt_support.run_source(settings, "google_sheets", google_sheets_source)
    assert counts(settings) == {"marketing_budget": 6, "targets": 3, "channel_mapping": 17}

    # Someone edits a cell in place, and the clock moves on by a month (the server reads the
    # world read-only, so edit it between two servers).
    server.stop()
    con = duckdb.connect(str(server.store.path))
    con.execute(
        """update src_google_sheets.marketing_budget set "Budget" = 999
        where "Month" = date '2026-01-01' and "Channel" = 'email'"""
    )
    con.close()
    WorldStore.write_clock(server.store.path, T1)
    with harness.serve(tmp_path / "world", API) as restarted:
        moved = harness.warehouse_settings(settings.home, restarted)
        dlt_support.run_source(moved, "google_sheets", google_sheets_source)

    assert counts(settings) == {"marketing_budget": 8, "targets": 4, "channel_mapping": 17}
    edited = "select budget from raw_google_sheets.marketing_budget where _row = 2"
    assert harness.query(settings, edited) == [("999.00",)]


def test_unchanged_sheets_are_not_read_again_and_vanished_rows_are_deleted(
    tmp_path: Path, settings: Settings, server: SandboxServer
) -> None:
    harness.load(settings, server, "google_sheets", google_sheets_source)
    again = harness.load(settings, server, "google_sheets", google_sheets_source)
    assert (again["requests"], again["rows"]) == (3, 0)  # Drive metadata only
    assert counts(settings) == {"marketing_budget": 6, "targets": 3, "channel_mapping": 17}

    # Someone deletes the last mapping row; a month later the sheet has moved on.
    server.stop()
    con = duckdb.connect(str(server.store.path))
    con.execute(
        "delete from src_google_sheets.channel_mapping where _position = "
        "(select max(_position) from src_google_sheets.channel_mapping)"
    )
    con.execute("update src_google_sheets.channel_mapping set _created_at = ?", [T1])
    con.close()
    WorldStore.write_clock(server.store.path, T1)
    with harness.serve(tmp_path / "world", API) as restarted:
        moved = harness.warehouse_settings(settings.home, restarted)
        dlt_support.run_source(moved, "google_sheets", google_sheets_source)

    assert counts(settings) == {"marketing_budget": 8, "targets": 4, "channel_mapping": 16}
    assert harness.query(
        settings,
        "select max(_row), count(*) filter (where _fivetran_deleted) "
        "from raw_google_sheets.channel_mapping",
    ) == [(17, 0)]


def test_dagster_materializes_raw_and_staging(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from platform_assets.transform.assets import dbt_project_assets  # needs the parsed manifest
    from platform_assets.transform.resource import dbt_resource

    monkeypatch.setenv("ROUNDTRIP_HOME", str(settings.home))
    monkeypatch.setenv("ROUNDTRIP_SANDBOX_PORT", str(settings.sandbox_port))
    raw = dg.AssetSelection.assets(*google_sheets_assets.keys)
    result = dg.materialize(
        [google_sheets_assets, dbt_project_assets],
        selection=raw | dg.AssetSelection.groups("staging_google_sheets"),
        resources={"dlt": DagsterDltResource(), "dbt": dbt_resource()},
    )

    assert result.success
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert dg.AssetKey(["raw", "google_sheets", "targets"]) in materialized
    assert dg.AssetKey(["staging", "stg_google_sheets__targets"]) in materialized
    assert all(check.passed for check in result.get_asset_check_evaluations())
    staged = harness.query(
        settings,
        "select channel, sum(budget_amount) from staging.stg_google_sheets__marketing_budget "
        "group by channel order by channel",
    )
    assert [(channel, float(total)) for channel, total in staged] == [
        ("email", 800.5 * 3),
        ("paid_search", 12500.0 + 13000.0 + 13500.0),
    ]


def test_a_failing_values_call_fails_the_run_and_keeps_the_table(
    tmp_path: Path, settings: Settings, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sheet moved on, but reading its values answers 400: the run fails with the API's
    error instead of reading an empty sheet, deleting every row and forgetting the change."""
    dlt_support.run_source(settings, "google_sheets", google_sheets_source)
    loaded = harness.snapshot(settings, "raw_google_sheets", SHEETS)
    server.stop()
    WorldStore.write_clock(server.store.path, T1)  # Drive's modifiedTime moves
    monkeypatch.setitem(SHEETS, "targets", replace(SHEETS["targets"], range="Targets!1A"))
    with harness.serve(tmp_path / "world", API) as restarted:
        moved = harness.warehouse_settings(settings.home, restarted)
        with pytest.raises(Exception, match="400 Client Error"):
            dlt_support.run_source(moved, "google_sheets", google_sheets_source)
        assert harness.snapshot(settings, "raw_google_sheets", SHEETS) == loaded
        monkeypatch.undo()  # fixed: the change it missed is read on the next run
        dlt_support.run_source(moved, "google_sheets", google_sheets_source)
    assert counts(settings) == {"marketing_budget": 8, "targets": 4, "channel_mapping": 17}


def test_drive_url_and_spreadsheets_come_from_the_settings(
    tmp_path: Path, server: SandboxServer
) -> None:
    env = {"ROUNDTRIP_HOME": str(tmp_path), "ROUNDTRIP_SANDBOX_PORT": str(server.port)}
    default = connector_options(load_settings(env=env))
    assert default == {"drive_url": f"{server.url}/google_sheets", "spreadsheet_ids": {}}
    custom = load_settings(
        env={
            **env,
            "ROUNDTRIP_GOOGLE_DRIVE_URL": "https://www.googleapis.com/",
            "ROUNDTRIP_GOOGLE_SHEETS_TARGETS_SPREADSHEET_ID": "1realTargets",
        }
    )
    assert connector_options(custom) == {
        "drive_url": "https://www.googleapis.com",
        "spreadsheet_ids": {"targets": "1realTargets"},
    }
    assert custom.to_env()["ROUNDTRIP_GOOGLE_SHEETS_TARGETS_SPREADSHEET_ID"] == "1realTargets"
    assert (
        configured_sheets({"targets": "1realTargets"})["targets"].spreadsheet_id == "1realTargets"
    )
    with pytest.raises(SettingsError, match="ROUNDTRIP_GOOGLE_SHEETS_TARGET_SPREADSHEET_ID"):
        configured_sheets({"target": "1typo"})
    with pytest.raises(SettingsError, match="ROUNDTRIP_GOOGLE_DRIVE_URL='drive'"):
        load_settings(env={"ROUNDTRIP_GOOGLE_DRIVE_URL": "drive"})

    # A spreadsheet id from the settings is the one asked for: a wrong one fails the run.
    wrong = load_settings(env={**env, "ROUNDTRIP_GOOGLE_SHEETS_TARGETS_SPREADSHEET_ID": "1nope"})
    with pytest.raises(Exception, match="404 Client Error"):
        dlt_support.run_source(wrong, "google_sheets", google_sheets_source, connector_options)
