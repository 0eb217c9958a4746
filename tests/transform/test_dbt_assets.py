"""The dbt assets as defined from the real manifest, asserted on structure rather than counts (the
project grows): every model and seed is an asset keyed by schema and name, grouped by layer and
domain, with owner, kinds, description and the YAML's column schema; staging reads the raw
ingestion assets; the sync models are a second multi-asset that reads the analytics assets;
every data test is an asset check, multi-parent singular tests included."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster_dbt.asset_utils import get_asset_check_key_for_test

from platform_assets.transform.assets import (
    MANIFEST,
    DbtBuildConfig,
    dbt_activation_models,
    dbt_event_day_models,
    dbt_project_assets,
    remove_project_copy,
)
from platform_assets.transform.project import dbt_project
from platform_assets.transform.resource import dbt_resource
from platform_assets.transform.selection import unselected_tests
from platform_assets.transform.translator import RoundtripDbtTranslator
from platform_assets.warehouse import DUCKDB_POOL

LAYERS = ("staging", "intermediate", "marts", "seeds", "activation")
GROUP = re.compile(r"^(staging|intermediate|marts)_[a-z0-9_]+$|^seeds$|^activation$")
DBT_ASSETS = (dbt_event_day_models, dbt_project_assets, dbt_activation_models)


def _nodes(*resource_types: str) -> Iterator[dict[str, Any]]:
    """Nodes of these types; models only when built (an ephemeral model is no relation, so no
    asset: dagster-dbt links its parents to its children directly)."""
    return (
        n
        for n in MANIFEST["nodes"].values()
        if n["resource_type"] in resource_types and n["config"].get("materialized") != "ephemeral"
    )


def _key(node: dict[str, Any]) -> dg.AssetKey:
    return dg.AssetKey([node["config"]["schema"], node["name"]])


def _specs() -> dict[dg.AssetKey, dg.AssetSpec]:
    return {spec.key: spec for assets in DBT_ASSETS for spec in assets.specs}


def _check_keys() -> set[dg.AssetCheckKey]:
    return {check for assets in DBT_ASSETS for check in assets.check_keys}


def test_every_model_and_seed_is_an_asset_keyed_by_schema_and_name() -> None:
    expected = {_key(node) for node in _nodes("model", "seed")}
    keys = [set(assets.keys) for assets in DBT_ASSETS]
    assert set().union(*keys) == expected
    assert sum(len(k) for k in keys) == len(expected)  # each node in exactly one multi-asset
    assert dg.AssetKey(["staging", "stg_google_sheets__marketing_budget"]) in expected
    assert {key.path[0] for key in expected} <= set(LAYERS)


def test_staging_models_depend_on_raw_ingestion_keys() -> None:
    specs = _specs()
    spec = specs[dg.AssetKey(["staging", "stg_google_sheets__targets"])]
    raw = dg.AssetKey(["raw", "google_sheets", "targets"])
    assert {dep.asset_key for dep in spec.deps} == {raw}
    for spec in specs.values():
        for dep in spec.deps:
            assert dep.asset_key.path[0] in ("raw", "analytics", *LAYERS)
            if spec.key.path[0] == "staging":
                assert dep.asset_key.path[0] == "raw"


def test_specs_carry_layer_domain_group_owner_kinds_and_description() -> None:
    specs = _specs()
    for node in _nodes("model", "seed"):
        spec = specs[_key(node)]
        layer = spec.key.path[0]
        assert spec.group_name and GROUP.match(spec.group_name), spec.group_name
        assert spec.group_name.startswith(layer)
        if node["resource_type"] == "model":  # its schema, then its folders below the layer's
            assert spec.group_name == "_".join([layer, *node["fqn"][2:-1]])
        assert spec.owners == ["team:data-platform"]
        built_as = "seed" if node["resource_type"] == "seed" else node["config"]["materialized"]
        assert spec.kinds == {"dbt", "duckdb", built_as}
        assert spec.description and not spec.description.startswith("dbt "), spec.key
    budget = specs[dg.AssetKey(["staging", "stg_google_sheets__marketing_budget"])]
    assert budget.group_name == "staging_google_sheets"
    assert budget.kinds == {"dbt", "duckdb", "view"}


def test_marts_are_tables_and_seeds_sit_in_their_own_group() -> None:
    specs = _specs()
    for node in _nodes("model"):
        if node["config"]["schema"] == "marts":
            assert "table" in specs[_key(node)].kinds or "incremental" in specs[_key(node)].kinds
    for node in _nodes("seed"):
        assert specs[_key(node)].group_name == "seeds"


def test_the_yaml_columns_are_the_column_schema_with_types_and_descriptions() -> None:
    specs = _specs()
    for node in _nodes("model", "seed"):
        if not node["columns"]:
            continue
        schema = specs[_key(node)].metadata["dagster/column_schema"]
        yaml = node["columns"]
        assert [c.name for c in schema.columns] == list(yaml), node["name"]
        for column in schema.columns:
            assert column.type == (yaml[column.name].get("data_type") or "?")
            assert (column.description or None) == (yaml[column.name].get("description") or None)
    budget = specs[dg.AssetKey(["staging", "stg_google_sheets__marketing_budget"])]
    assert budget.metadata["dagster/table_name"] == (
        "warehouse.staging.stg_google_sheets__marketing_budget"
    )


@pytest.mark.parametrize("layer", ["intermediate", "marts", "activation"])
def test_models_above_staging_document_every_column_with_a_type(layer: str) -> None:
    """The house rule (a column without a type shows as ``?`` in the UI, one without a
    description tells the analyst nothing)."""
    undocumented = [
        f"{node['name']}.{name}"
        for node in _nodes("model")
        if node["config"]["schema"] == layer
        for name, column in node["columns"].items()
        if not (column.get("description") and column.get("data_type"))
    ]
    missing = [
        n["name"] for n in _nodes("model") if n["config"]["schema"] == layer and not n["columns"]
    ]
    assert not undocumented and not missing, (undocumented, missing)


def _read_sources() -> set[str]:
    return {
        parent
        for node in _nodes("model")
        for parent in node["depends_on"]["nodes"]
        if parent.startswith("source.")
    }


def test_every_data_test_of_a_node_or_its_sources_is_an_asset_check() -> None:
    read_sources = _read_sources()
    tests = {
        node["name"]
        for node in _nodes("test")
        if all(
            parent.startswith(("model.", "seed.")) or parent in read_sources
            for parent in node["depends_on"]["nodes"]
        )
    }
    assert {check.name for check in _check_keys()} == tests
    raw_checks = {
        check.name
        for check in dbt_project_assets.check_keys
        if check.asset_key == dg.AssetKey(["raw", "google_sheets", "marketing_budget"])
    }
    assert raw_checks == {
        "source_unique_google_sheets_marketing_budget__row",
        "source_not_null_google_sheets_marketing_budget__row",
    }


def test_a_multi_parent_singular_test_is_a_check_on_one_of_its_parents() -> None:
    """dbt attaches no node to a singular test that reads several: unattached, dagster-dbt would
    only log its result as an observation. Whatever such tests the project has, each is a check
    on one of its model or seed parents, at definition and when its result is mapped."""
    translator = RoundtripDbtTranslator()
    checks = {check.name: check.asset_key for check in _check_keys()}
    multi = [
        node
        for node in _nodes("test")
        if not node.get("attached_node")
        and len({p for p in node["depends_on"]["nodes"] if p.startswith(("model.", "seed."))}) > 1
    ]
    for test in multi:
        parents = {
            _key(MANIFEST["nodes"][p])
            for p in test["depends_on"]["nodes"]
            if p in MANIFEST["nodes"]
        }
        assert checks[test["name"]] in parents, test["name"]
        result_key = get_asset_check_key_for_test(MANIFEST, translator, test["unique_id"], None)
        assert result_key is not None and result_key.asset_key == checks[test["name"]]


def test_a_full_build_of_each_multi_asset_leaves_out_only_the_others_checks() -> None:
    """A full build of the sync models leaves nothing out; one of the rest leaves out exactly
    the tests dbt would pick up that are another multi-asset's checks: a sync model's
    relationship to a staging model runs with the sync models, the raw events' own tests with
    the event models (dbt picks them up through a mart reconciled with the raw events)."""
    translator = RoundtripDbtTranslator()

    def left_out(assets: dg.AssetsDefinition) -> list[str]:
        keys, checks = set(assets.keys), set(assets.check_keys)
        return unselected_tests(MANIFEST, translator, dbt_project, keys, checks)

    assert left_out(dbt_activation_models) == []
    for assets in (dbt_project_assets, dbt_event_day_models):
        others = {c for other in DBT_ASSETS if other is not assets for c in other.check_keys}
        excluded = left_out(assets)
        for test in _nodes("test"):
            check = get_asset_check_key_for_test(MANIFEST, translator, test["unique_id"], None)
            if ".".join(test["fqn"]) in excluded:
                assert check in others, test["name"]
    # e.g. the conversions' gclid must be a click_view gclid; the funnel reconciled with events
    assert any("gclid" in name for name in left_out(dbt_project_assets))
    assert any("assert_funnel" in name for name in left_out(dbt_event_day_models))


def test_the_sync_models_are_a_second_multi_asset_after_the_analytics_assets() -> None:
    """marts → analytics (Python) → sync models: one multi-asset for all of dbt would be a
    cycle, so the sync models are their own, and the analytics source is the Python keys."""
    from platform_assets.definitions import defs

    activation_models = {
        _key(node)
        for node in _nodes("model")
        if node["original_file_path"].startswith("models/activation/")
    }
    assert set(dbt_activation_models.keys) == activation_models
    # one sync_<destination>__<object> model per sync, and their int_activation__ building blocks
    assert all(key.path[0] == "activation" for key in activation_models)
    names = {key.path[1] for key in activation_models}
    assert all(name.startswith(("sync_", "int_activation__")) for name in names)
    assert sum(name.startswith("sync_") for name in names) >= 8
    graph = defs.resolve_asset_graph()
    attribution = graph.get(dg.AssetKey(["activation", "sync_files__attribution"]))
    markov = dg.AssetKey(["analytics", "markov_attribution"])
    assert markov in attribution.parent_keys
    assert dg.AssetKey(["marts", "fct_user_journeys"]) in graph.get(markov).parent_keys
    scores = dg.AssetKey(["analytics", "lead_scores"])
    people = graph.get(dg.AssetKey(["activation", "int_activation__people"]))
    assert scores in people.parent_keys and graph.get(scores).is_materializable
    hubspot = graph.get(dg.AssetKey(["activation", "sync_hubspot__contacts"]))
    assert people.key in hubspot.parent_keys


def test_the_event_staging_models_are_a_daily_partitioned_multi_asset() -> None:
    """The event staging models are built per received day, like their raw tables, in the runs
    that load those days (never by automation): every one an incremental table but the users
    view."""
    from platform_assets.definitions import defs
    from platform_assets.ingestion.events import events_partitions

    event_models = {
        _key(node): node["config"]["materialized"]
        for node in _nodes("model")
        if node["original_file_path"].startswith("models/staging/events/")
    }
    assert set(dbt_event_day_models.keys) == set(event_models)
    assert {key.path[1]: kind for key, kind in event_models.items()} == {
        "stg_events__users": "view",
        **{
            f"stg_events__{name}": "incremental"
            for name in (
                "pages",
                "tracks",
                "identifies",
                "signed_up",
                "trial_started",
                "workspace_created",
                "demo_requested",
                "nps_survey_submitted",
            )
        },
    }
    assert dbt_event_day_models.partitions_def == events_partitions
    assert dbt_event_day_models.backfill_policy == dg.BackfillPolicy.single_run()
    graph = defs.resolve_asset_graph()
    pages = graph.get(dg.AssetKey(["staging", "stg_events__pages"]))
    assert pages.automation_condition is None
    assert dg.AssetKey(["raw", "events", "pages"]) in pages.parent_keys
    job = defs.resolve_job_def("load_event_days")
    assert set(event_models) | {dg.AssetKey(["raw", "events", "pages"])} <= set(
        job.asset_layer.selected_asset_keys
    )


def test_a_partial_build_leaves_out_exactly_the_tests_of_unselected_checks() -> None:
    """dbt's eager selection would also run every test reading a selected node; the ones whose
    check Dagster did not select are excluded, the selected checks all stay."""
    translator = RoundtripDbtTranslator()
    selected = {k for k, s in _specs().items() if s.group_name == "staging_google_sheets"}
    selected |= {dg.AssetKey(["marts", "dim_channels"]), dg.AssetKey(["seeds", "ga4_channels"])}
    checks = {c for c in dbt_project_assets.check_keys if c.asset_key in selected}
    excluded = set(unselected_tests(MANIFEST, translator, dbt_project, selected, checks))

    selected_ids = {n["unique_id"] for n in _nodes("model", "seed") if _key(n) in selected}
    for test in _nodes("test"):
        reads_selected = bool(selected_ids & set(test["depends_on"]["nodes"]))
        check = get_asset_check_key_for_test(MANIFEST, translator, test["unique_id"], None)
        should_leave_out = reads_selected and check not in checks
        assert (".".join(test["fqn"]) in excluded) == should_leave_out, test["name"]
    assert excluded  # e.g. relationships tests of unselected models pointing at dim_channels


def test_run_config_vars_and_exclusions_reach_the_dbt_command() -> None:
    assert DbtBuildConfig().dbt_args([]) == ["build"]
    config = DbtBuildConfig(vars={"conversion_event": "signup", "attribution_lookback_days": 30})
    assert config.dbt_args(["roundtrip.a", "roundtrip.b"]) == [
        "build",
        "--vars",
        '{"conversion_event": "signup", "attribution_lookback_days": 30}',
        "--exclude",
        "roundtrip.a roundtrip.b",
    ]
    # the step's own vars (the partition's days) win over the run config's
    days = {"events_min_day": "2026-03-01", "events_max_day": "2026-03-07"}
    config = DbtBuildConfig(vars={"events_min_day": "2026-01-01"}, full_refresh=True)
    assert config.dbt_args([], days) == ["build", "--vars", json.dumps(days), "--full-refresh"]


def test_only_dagster_dbts_temporary_copy_of_the_project_is_removed(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    (copy / "target").mkdir(parents=True)
    remove_project_copy(copy)
    assert not copy.exists()
    remove_project_copy(dbt_project.project_dir)
    assert (dbt_project.project_dir / "dbt_project.yml").exists()


def test_the_op_joins_the_duckdb_pool_and_runs_the_venv_dbt() -> None:
    assert all(assets.op.pool == DUCKDB_POOL for assets in DBT_ASSETS)
    resource = dbt_resource()
    assert resource.dbt_executable.endswith("/dbt")
    assert resource.project_dir == str(dbt_project.project_dir)
