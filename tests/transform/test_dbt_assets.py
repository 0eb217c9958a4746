"""The dbt assets as defined from the real manifest: every staging model reads its raw asset,
carries the layer's owner and kinds, and every data test is an asset check."""

from __future__ import annotations

import json

import dagster as dg

from platform_assets.transform.assets import dbt_project_assets
from platform_assets.transform.project import dbt_project
from platform_assets.transform.resource import dbt_resource
from platform_assets.warehouse import DUCKDB_POOL


def _manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text())


def test_every_model_is_an_asset_keyed_by_schema_and_name() -> None:
    models = [n for n in _manifest()["nodes"].values() if n["resource_type"] == "model"]
    expected = {dg.AssetKey([m["config"]["schema"], m["name"]]) for m in models}
    assert set(dbt_project_assets.keys) == expected
    assert dg.AssetKey(["staging", "stg_google_sheets__marketing_budget"]) in expected


def test_staging_models_depend_on_raw_ingestion_keys() -> None:
    specs = {spec.key: spec for spec in dbt_project_assets.specs}
    spec = specs[dg.AssetKey(["staging", "stg_google_sheets__targets"])]
    raw = dg.AssetKey(["raw", "google_sheets", "targets"])
    assert {dep.asset_key for dep in spec.deps} == {raw}
    for spec in specs.values():
        for dep in spec.deps:
            assert dep.asset_key.path[0] in ("raw", "staging", "intermediate", "marts")


def test_specs_carry_group_owner_kinds_and_description() -> None:
    for spec in dbt_project_assets.specs:
        layer = spec.key.path[0]
        assert spec.group_name and spec.group_name.startswith(layer)
        assert spec.owners == ["team:data-platform"]
        assert spec.kinds == {"dbt", "duckdb"}
        assert spec.description and not spec.description.startswith("dbt model")
    specs = {spec.key: spec for spec in dbt_project_assets.specs}
    budget = specs[dg.AssetKey(["staging", "stg_google_sheets__marketing_budget"])]
    assert budget.group_name == "staging_google_sheets"


def test_every_data_test_of_a_model_or_its_sources_is_an_asset_check() -> None:
    manifest = _manifest()
    read_sources = {
        parent
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        for parent in node["depends_on"]["nodes"]
        if parent.startswith("source.")
    }
    tests = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and all(
            parent.startswith("model.") or parent in read_sources
            for parent in node["depends_on"]["nodes"]
        )
    }
    assert {check.name for check in dbt_project_assets.check_keys} == tests
    raw_checks = {
        check.name
        for check in dbt_project_assets.check_keys
        if check.asset_key == dg.AssetKey(["raw", "google_sheets", "marketing_budget"])
    }
    assert raw_checks == {
        "source_unique_google_sheets_marketing_budget__row",
        "source_not_null_google_sheets_marketing_budget__row",
    }


def test_the_op_joins_the_duckdb_pool_and_runs_the_venv_dbt() -> None:
    assert dbt_project_assets.op.pool == DUCKDB_POOL
    resource = dbt_resource()
    assert resource.dbt_executable.endswith("/dbt")
    assert resource.project_dir == str(dbt_project.project_dir)
