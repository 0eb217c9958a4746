"""The demo a new user runs, end to end: `roundtrip demo --no-ui --scale tiny` from an empty
ROUNDTRIP_HOME materializes every raw and staging asset (dbt tests included) and exits 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from bench.run import free_port
from platform_assets.transform.project import DBT_PROJECT_DIR
from tests.integration.raw_tables import EXPECTED_RAW_TABLES


def staging_models() -> set[str]:
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"].startswith("stg_")
    }


def test_demo_without_ui_materializes_every_raw_and_staging_asset(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {
        **os.environ,
        "ROUNDTRIP_HOME": str(home),
        "ROUNDTRIP_SANDBOX_PORT": str(free_port()),
    }
    roundtrip = Path(sys.executable).with_name("roundtrip")
    demo = subprocess.run(
        [str(roundtrip), "demo", "--no-ui", "--scale", "tiny"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert demo.returncode == 0, demo.stderr[-4000:]

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    tables = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall()
    }
    views = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
    }
    for source, expected in EXPECTED_RAW_TABLES.items():
        for table in expected:
            assert f"raw_{source}.{table}" in tables, f"raw_{source}.{table} missing"
    assert {f"staging.{m}" for m in staging_models()} <= views | tables
    # the runs are recorded where the UI will find them
    assert (home / "dagster_home" / "dagster.yaml").exists()
