"""dbt staging for Zendesk, Firestore and Amplitude on what ingestion lands from the hand-made
worlds at T1: every model builds and every data test passes, with the rows the worlds imply,
and times stay UTC on a machine whose time zone is not (``TZ=America/New_York``)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType

import duckdb
import pytest
from dlt.extract.source import DltSource

from platform_assets.ingestion import dlt_support
from platform_assets.ingestion.amplitude import amplitude_source
from platform_assets.ingestion.firestore import firestore_source
from platform_assets.ingestion.zendesk import zendesk_source
from platform_assets.sandbox.apis import amplitude, firestore, zendesk
from platform_assets.transform.project import DBT_PROJECT_DIR, WAREHOUSE_ENV_VAR, dbt_executable
from tests.sources import harness, test_amplitude, test_firestore_world, test_zendesk_world

SOURCES: list[tuple[str, ModuleType, ModuleType, Callable[..., DltSource]]] = [
    ("zendesk", test_zendesk_world, zendesk, zendesk_source),
    ("firestore", test_firestore_world, firestore, firestore_source),
    ("amplitude", test_amplitude, amplitude, amplitude_source),
]


def ingest_all(tmp_path: Path) -> Path:
    """Each source's world at T1, served and ingested into one warehouse."""
    home = tmp_path / "home"
    for name, world, api_module, factory in SOURCES:
        world.make_world(tmp_path / name, clock=world.T1)
        with harness.serve(tmp_path / name, api_module.API) as server:
            dlt_support.run_source(harness.warehouse_settings(home, server), name, factory)
    return home / "warehouse.duckdb"


def test_staging_builds_and_its_tests_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")  # dbt's DuckDB would take the machine's zone
    warehouse = ingest_all(tmp_path)
    selection = [f"{kind}{name}" for kind in ("staging.", "source:") for name, *_ in SOURCES]
    result = harness.dbt_build(selection, warehouse, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    counts = {
        model: con.execute(f"select count(*) from staging.{model}").fetchone()[0]
        for model in (
            "stg_zendesk__ticket",
            "stg_zendesk__user",
            "stg_zendesk__organization",
            "stg_zendesk__ticket_field_history",
            "stg_firestore__users",
            "stg_firestore__spaces",
            "stg_firestore__spaces_members",
            "stg_amplitude__event",
        )
    }
    assert counts == {
        "stg_zendesk__ticket": 3,
        "stg_zendesk__user": 4,
        "stg_zendesk__organization": 2,
        "stg_zendesk__ticket_field_history": 18,
        "stg_firestore__users": 3,
        "stg_firestore__spaces": 2,
        "stg_firestore__spaces_members": 4,
        "stg_amplitude__event": 6,
    }
    # CSAT history: t1 offered then rated good; the offer's period ends with the rating.
    assert con.execute(
        """
        select value, valid_starting_at, valid_ending_at
        from staging.stg_zendesk__ticket_field_history
        where ticket_id = 1 and field_name = 'satisfaction_score' order by valid_starting_at
        """
    ).fetchall() == [
        ("offered", datetime(2026, 1, 21, 10), datetime(2026, 1, 22, 8)),
        ("good", datetime(2026, 1, 22, 8), None),
    ]
    assert con.execute(
        "select user_id, email, email_as_typed from staging.stg_firestore__users order by 1"
    ).fetchall()[0] == ("u1", "alice@acme.com", "Alice@Acme.com")
    # Raw times land naive UTC, as every other source's: nothing depends on a session zone.
    zoned = con.execute(
        """
        select table_schema, table_name, column_name from information_schema.columns
        where table_schema in ('raw_zendesk', 'raw_firestore', 'raw_amplitude')
            and table_name not like '\\_dlt%' escape '\\'
            and data_type = 'TIMESTAMP WITH TIME ZONE'
        """
    ).fetchall()
    assert zoned == []
    assert con.execute(
        "select event_time from staging.stg_amplitude__event order by event_time limit 1"
    ).fetchall() == [(datetime(2026, 1, 31, 9, 10),)]
    assert con.execute(
        "select joined_at, updated_at from staging.stg_firestore__spaces_members "
        "where space_member_id = 'spaces/ws_a/members/u1'"
    ).fetchall() == [(datetime(2026, 1, 10, 9, 5), datetime(2026, 1, 10, 9, 5))]
    con.close()


def test_dbt_sessions_run_in_utc_whatever_the_machine_zone(tmp_path: Path) -> None:
    """A ``timestamptz`` (one landed before raw times were naive, or any a model makes) casts to
    ``timestamp`` in the session's zone: the profile pins it to UTC."""
    inline = "select cast(timestamptz '2026-01-21 10:00:00+00' as timestamp) as t"
    result = subprocess.run(
        [
            str(dbt_executable()),
            "show",
            "--inline",
            inline,
            "--output",
            "json",
            "--log-format",
            "json",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "dbt_target"),
            "--log-path",
            str(tmp_path / "dbt_logs"),
        ],
        env={
            **os.environ,
            "TZ": "America/New_York",
            WAREHOUSE_ENV_VAR: str(tmp_path / "warehouse.duckdb"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    shown = [
        json.loads(event["data"]["preview"])
        for event in map(json.loads, result.stdout.splitlines())
        if event["info"]["name"] == "ShowNode"
    ]
    assert shown == [[{"t": "2026-01-21T10:00:00"}]]  # New York would say 05:00
