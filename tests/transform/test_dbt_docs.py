"""What the built warehouse documents about itself, after a real materialization through the
Dagster assets on a tiny warehouse (a hand-made Google Sheets raw layer, the seeds and the
``dim_channels`` mart built on them): the metadata the UI shows on each materialization (row
count, column schema, column lineage) and dbt docs' catalog."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from platform_assets.transform.assets import MANIFEST, dbt_project_assets
from platform_assets.transform.project import (
    DBT_PROJECT_DIR,
    WAREHOUSE_ENV_VAR,
    dbt_executable,
    dbt_project,
)
from platform_assets.transform.resource import dbt_resource

SYNCED = datetime(2026, 3, 1, 12, 0)
SHEETS: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = {
    "marketing_budget": (
        ("month", "channel", "budget"),
        [(2, "2026-01-01", "paid_search", "12,500.00"), (3, "2026-01-01", "email", "800")],
    ),
    "targets": (("month", "metric", "target"), [(2, "2026-01-01", "signups", "120")]),
    "channel_mapping": (
        ("utm_source", "utm_medium", "channel"),
        [(2, "google", "cpc", "paid_search"), (3, "newsletter", "email", "email")],
    ),
}
BUDGET = dg.AssetKey(["staging", "stg_google_sheets__marketing_budget"])
RAW_BUDGET = dg.AssetKey(["raw", "google_sheets", "marketing_budget"])
CHANNELS = dg.AssetKey(["marts", "dim_channels"])
SEED = dg.AssetKey(["seeds", "ga4_channels"])


def write_google_sheets(warehouse: Path) -> None:
    """The raw Google Sheets tables as the connector lands them (text cells, a row number)."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw_google_sheets")
        for table, (columns, rows) in SHEETS.items():
            cells = ", ".join(f"{column} varchar" for column in columns)
            con.execute(
                f"create table raw_google_sheets.{table} "
                f"(_row bigint, {cells}, _fivetran_synced timestamp)"
            )
            marks = ", ".join("?" * (len(columns) + 2))
            con.executemany(
                f"insert into raw_google_sheets.{table} values ({marks})",
                [[*row, SYNCED] for row in rows],
            )


def dbt_docs_generate(warehouse: Path, target: Path) -> dict[str, Any]:
    """``dbt docs generate`` over ``warehouse`` as the README tells analysts to run it, its
    artifacts under ``target``; returns the catalog. Fails the test with dbt's output."""
    target.mkdir(parents=True, exist_ok=True)
    partial_parse = dbt_project.project_dir / "target" / "partial_parse.msgpack"
    if partial_parse.exists():  # dagster-dbt does the same: skips most of the parse
        shutil.copy(partial_parse, target / partial_parse.name)
    docs = subprocess.run(
        [str(dbt_executable()), "docs", "generate",
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), "--log-path", str(target)],
        env={**os.environ, WAREHOUSE_ENV_VAR: str(warehouse),
             "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert docs.returncode == 0, docs.stdout[-4000:] + docs.stderr[-2000:]
    return json.loads((target / "catalog.json").read_text())


def assert_catalog_lists_every_built_mart(warehouse: Path, target: Path) -> set[str]:
    """Run dbt docs over a built ``warehouse``: every mart and seed the warehouse holds is in the
    catalog with its columns and types. Returns the marts found (call it on a fully built
    warehouse, e.g. after the demo, to check that every mart is documented)."""
    catalog = dbt_docs_generate(warehouse, target)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        built = {
            (schema, name)
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    marts = set()
    for unique_id, node in MANIFEST["nodes"].items():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if (node["schema"], node["alias"]) not in built or node["schema"] not in ("marts", "seeds"):
            continue
        entry = catalog["nodes"].get(unique_id)
        assert entry, f"{unique_id} is built but missing from catalog.json"
        assert entry["columns"] and all(c["type"] for c in entry["columns"].values()), unique_id
        if node["schema"] == "marts":
            marts.add(node["name"])
    return marts


@dataclass(frozen=True)
class Built:
    home: Path
    result: dg.ExecuteInProcessResult

    def materialization(self, key: dg.AssetKey) -> dg.AssetMaterialization:
        [event] = [
            e.materialization for e in self.result.get_asset_materialization_events()
            if e.asset_key == key
        ]  # fmt: skip
        return event

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Google Sheets staging, the seeds and dim_channels, materialized through Dagster."""
    home = tmp_path_factory.mktemp("docs") / "home"
    home.mkdir()
    write_google_sheets(home / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ROUNDTRIP_HOME", str(home))
        selection = (
            dg.AssetSelection.groups("staging_google_sheets")
            | dg.AssetSelection.assets(CHANNELS).upstream()
        )
        result = dg.materialize(
            [dbt_project_assets],
            selection=selection,
            resources={"dbt": dbt_resource()},
            raise_on_error=False,
        )
        assert result.success
        yield Built(home, result)


def test_every_table_and_seed_materialization_carries_its_row_count(built: Built) -> None:
    counted = set()
    for event in built.result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        node = MANIFEST["nodes"][metadata["unique_id"].value]
        if node["resource_type"] == "model" and node["config"]["materialized"] == "view":
            assert "dagster/row_count" not in metadata  # counting a view runs its query
            continue
        [(rows,)] = built.query(f'select count(*) from "{node["schema"]}"."{node["alias"]}"')
        assert metadata["dagster/row_count"].value == rows, node["name"]
        counted.add(event.asset_key)
    assert {CHANNELS, SEED} <= counted
    [(channels,)] = built.query("select count(*) from marts.dim_channels")
    assert built.materialization(CHANNELS).metadata["dagster/row_count"].value == channels > 10


def test_column_lineage_leads_from_staging_to_raw_and_from_marts_to_seeds(built: Built) -> None:
    budget = built.materialization(BUDGET).metadata["dagster/column_lineage"].value
    assert budget.deps_by_column["channel"] == [dg.TableColumnDep(RAW_BUDGET, "channel")]
    assert budget.deps_by_column["budget_amount"] == [dg.TableColumnDep(RAW_BUDGET, "budget")]
    channels = built.materialization(CHANNELS).metadata["dagster/column_lineage"].value
    assert channels.deps_by_column["channel_label"] == [dg.TableColumnDep(SEED, "channel_label")]
    assert set(channels.deps_by_column) == {
        name for name, *_ in built.query("describe marts.dim_channels")
    }


def test_column_schema_is_the_warehouse_columns_with_the_yaml_descriptions(built: Built) -> None:
    schema = built.materialization(CHANNELS).metadata["dagster/column_schema"].value
    warehouse = built.query("describe marts.dim_channels")
    assert [(c.name, c.type) for c in schema.columns] == [
        (name, data_type.lower()) for name, data_type, *_ in warehouse
    ]
    yaml = MANIFEST["nodes"]["model.roundtrip.dim_channels"]["columns"]
    for column in schema.columns:
        assert column.description == (yaml.get(column.name, {}).get("description") or None)
    assert all(column.description for column in schema.columns)


def test_above_staging_the_yaml_documents_every_built_column_with_its_type(built: Built) -> None:
    """The YAML is what the UI shows before a first run and what dbt docs describes: it must
    say what the warehouse holds (columns and DuckDB types, compared lower-case)."""
    for event in built.result.get_asset_materialization_events():
        node = MANIFEST["nodes"][event.materialization.metadata["unique_id"].value]
        if node["config"]["schema"] == "staging":
            continue
        built_columns = {
            c.name: c.type
            for c in event.materialization.metadata["dagster/column_schema"].value.columns
        }
        documented = {name: c.get("data_type", "").lower() for name, c in node["columns"].items()}
        assert documented == built_columns, node["name"]


def test_checks_are_reported_as_checks_and_pass(built: Built) -> None:
    checks = built.result.get_asset_check_evaluations()
    assert {check.asset_key for check in checks} >= {CHANNELS, SEED, BUDGET, RAW_BUDGET}
    assert all(check.passed for check in checks)


def test_dbt_docs_generate_catalogs_the_built_marts(built: Built, tmp_path: Path) -> None:
    marts = assert_catalog_lists_every_built_mart(built.home / "warehouse.duckdb", tmp_path)
    assert "dim_channels" in marts
