"""The demo a new user runs, end to end: `roundtrip demo --no-ui --scale tiny` from an empty
ROUNDTRIP_HOME materializes every raw asset and every dbt model (staging, intermediate, marts),
every asset check passes (dbt data tests, reconciliations; dbt unit tests fail the build), the
identity graph's people match the world's within the stated tolerance, and every reverse-ETL sync
sent its whole model to the sandbox's fakes."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from platform_assets.transform.project import DBT_PROJECT_DIR
from tests.integration.demo_run import DemoRun
from tests.integration.raw_tables import EXPECTED_RAW_TABLES
from tests.transform.test_identity_truth import assert_identity_quality

# With the browser test on the same pytest-xdist worker: the demo runs once per session.
pytestmark = pytest.mark.xdist_group("demo")


def dbt_relations() -> set[str]:
    """``schema.name`` of every model and seed in the manifest."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    return {
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }


def failed_or_missing_checks(dagster_home: Path) -> list[str]:
    """Every asset check of the definitions whose latest evaluation failed with severity ERROR
    (or that never ran), read from the instance the demo recorded its runs in. A WARN failure
    is a check saying it cannot measure at this scale (lead scoring's AUC with no converting
    person in a tiny world's validation window): it names itself, and does not block."""
    from platform_assets.definitions import defs

    instance = dg.DagsterInstance.from_config(str(dagster_home))
    check_keys = defs.resolve_asset_graph().asset_check_keys
    assert check_keys
    problems = []
    for key in sorted(check_keys, key=lambda k: k.to_user_string()):
        record = instance.get_latest_asset_check_evaluation_record(key)
        evaluation = record.evaluation if record else None
        if evaluation is None:
            problems.append(f"{key.to_user_string()}: never evaluated")
        elif not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            problems.append(f"{key.to_user_string()}: {evaluation.description}")
    return problems


def assert_every_sync_sent_its_model(con: duckdb.DuckDBPyConnection, home: Path) -> None:
    """Each shipped sync ran once, from an empty snapshot: it added every row of its model, and
    succeeded + rejected + invalid account for them."""
    from platform_assets.activation.spec import load_all

    for spec in load_all().values():
        model_rows = con.execute(f"select count(*) from {spec.model_relation}").fetchall()[0][0]
        runs = con.execute(
            """
            select status, added, changed, removed,
                added_succeeded + added_rejected + added_invalid
            from activation.sync_runs where sync_name = ?
            """,
            [spec.name],
        ).fetchall()
        assert runs == [("succeeded", model_rows, 0, 0, model_rows)], spec.name
        if spec.destination == "files":
            manifest = json.loads((home / "exports" / f"{spec.object}.manifest.json").read_text())
            assert manifest["rows"] == model_rows


def test_demo_without_ui_materializes_every_asset_and_passes_every_check(
    demo_run: DemoRun,
) -> None:
    demo_run.assert_succeeded()
    home = demo_run.home

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
    relations = dbt_relations()
    assert {r.split(".")[0] for r in relations} >= {
        "staging",
        "intermediate",
        "marts",
        "seeds",
        "activation",
    }
    assert relations - (views | tables) == set()
    assert_every_sync_sent_its_model(con, home)
    con.close()
    assert failed_or_missing_checks(demo_run.dagster_home) == []
    assert_identity_quality(home / "warehouse.duckdb", home / "sandbox" / "world.duckdb")
    # the runs are recorded where the UI will find them
    assert (demo_run.dagster_home / "dagster.yaml").exists()
