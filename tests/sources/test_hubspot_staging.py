"""dbt staging for HubSpot on data the connector landed from the hand-made world (T0, then T1):
every model builds and every data test passes; merged duplicates leave the contact model."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
from test_hubspot_world import T0, T1, make_world

from platform_assets.ingestion.dlt_support import run_source
from platform_assets.ingestion.hubspot import hubspot_source
from platform_assets.sandbox.apis.hubspot import API
from platform_assets.sandbox.server import start_server
from platform_assets.settings import load_settings
from platform_assets.transform.project import DBT_PROJECT_DIR, WAREHOUSE_ENV_VAR, dbt_executable


def test_staging_builds_and_passes_its_tests(tmp_path: Path) -> None:
    make_world(tmp_path, T0)
    server = start_server(load_settings(env={"ROUNDTRIP_HOME": str(tmp_path)}), 0, [API])
    try:
        settings = load_settings(
            env={"ROUNDTRIP_HOME": str(tmp_path), "ROUNDTRIP_SANDBOX_PORT": str(server.port)}
        )
        run_source(settings, "hubspot", hubspot_source)
        server.store.set_clock(T1)
        run_source(settings, "hubspot", hubspot_source)
    finally:
        server.stop()

    result = subprocess.run(
        [
            str(dbt_executable()),
            "build",
            "--select",
            "staging.hubspot",
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
            WAREHOUSE_ENV_VAR: str(settings.warehouse_path),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "ERROR=0" in result.stdout and "PASS=91" in result.stdout

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        contacts = con.execute(
            "select contact_id, email, lifecycle_stage from staging.stg_hubspot__contact order by 1"
        ).fetchall()
        current = con.execute(
            "select deal_id, deal_stage from staging.stg_hubspot__deal_stage "
            "where is_current and exited_at is null order by 1"
        ).fetchall()
    assert contacts == [
        (1000010, "alice@acme.com", "customer"),
        (1000020, "bob@acme.com", "marketingqualifiedlead"),  # its duplicate 1000021 is gone
        (1000030, "cleo@globex.com", "opportunity"),
        (1000040, "dan@mail.com", "lead"),
        (1000050, "eve@mail.com", "lead"),
    ]
    assert current == [(9000000001, "closedwon"), (9000000003, "qualifiedtobuy")]
