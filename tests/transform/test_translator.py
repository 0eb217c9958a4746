"""The dbt → Dagster mapping: raw keys for sources, schema/name keys for models, groups by layer
and domain, seeds together, and every multi-parent singular test attached to one node."""

from __future__ import annotations

import dagster as dg

from platform_assets.transform.translator import (
    SEEDS_GROUP,
    RoundtripDbtTranslator,
    attach_multi_parent_tests,
    owning_parent,
)


def _source(source_name: str, table: str) -> dict:
    return {
        "resource_type": "source",
        "source_name": source_name,
        "name": table,
        "fqn": ["roundtrip", "staging", source_name, source_name, table],
        "meta": {},
        "config": {},
    }


def _model(folders: list[str], name: str, schema: str) -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "fqn": ["roundtrip", *folders, name],
        "meta": {},
        "config": {"schema": schema, "meta": {}},
        "description": "",
    }


def _seed(name: str) -> dict:
    return {**_model([], name, "seeds"), "resource_type": "seed"}


def test_a_source_is_keyed_as_its_ingestion_asset() -> None:
    translator = RoundtripDbtTranslator()
    key = translator.get_asset_key(_source("stripe", "customer"))
    assert key == dg.AssetKey(["raw", "stripe", "customer"])


def test_the_analytics_source_is_keyed_as_the_python_analytics_asset() -> None:
    """Sync models read the analytics outputs as source ``analytics``: the dependency must be
    the Python asset's own key, so a run orders marts → analytics → sync models."""
    translator = RoundtripDbtTranslator()
    key = translator.get_asset_key(_source("analytics", "lead_scores"))
    assert key == dg.AssetKey(["analytics", "lead_scores"])


def test_a_model_is_keyed_by_its_schema_and_name() -> None:
    translator = RoundtripDbtTranslator()
    props = _model(["staging", "stripe"], "stg_stripe__customer", "staging")
    assert translator.get_asset_key(props) == dg.AssetKey(["staging", "stg_stripe__customer"])
    assert translator.get_asset_key(_seed("ga4_channels")) == dg.AssetKey(["seeds", "ga4_channels"])


def test_groups_are_layer_and_domain_and_seeds_share_one() -> None:
    translator = RoundtripDbtTranslator()
    staging = _model(["staging", "stripe"], "stg_stripe__customer", "staging")
    identity = _model(["intermediate", "identity"], "int_identity__customer_map", "intermediate")
    mart = _model(["marts", "finance"], "fct_mrr", "marts")
    assert translator.get_group_name(staging) == "staging_stripe"
    assert translator.get_group_name(identity) == "intermediate_identity"
    assert translator.get_group_name(mart) == "marts_finance"
    sync = _model(["activation"], "sync_hubspot__contacts", "activation")
    assert translator.get_asset_key(sync) == dg.AssetKey(["activation", "sync_hubspot__contacts"])
    assert translator.get_group_name(sync) == "activation"
    assert translator.get_group_name(_source("hubspot", "contact")) == "raw_hubspot"
    assert translator.get_group_name(_seed("ga4_channels")) == SEEDS_GROUP == "seeds"
    # a model kept in its domain's marts folder but built in schema intermediate
    helper = _model(["marts", "customers"], "int_customers__identifiers", "intermediate")
    assert translator.get_group_name(helper) == "intermediate_customers"
    nested_seed = {**_seed("rules"), "fqn": ["roundtrip", "channels", "rules"]}
    assert translator.get_group_name(nested_seed) == "seeds"


def test_description_falls_back_to_the_node_name() -> None:
    translator = RoundtripDbtTranslator()
    described = {**_model(["staging", "x"], "stg_x__y", "staging"), "description": "Why it is."}
    assert translator.get_description(described) == "Why it is."
    assert translator.get_description(_model(["staging", "x"], "stg_x__y", "staging")) == (
        "dbt model stg_x__y"
    )


def test_source_tests_become_checks() -> None:
    settings = RoundtripDbtTranslator().settings
    assert settings.enable_asset_checks
    assert settings.enable_source_tests_as_checks


# --- multi-parent singular tests ---------------------------------------------------------------
def _node(unique_id: str, parents: list[str] = ()) -> dict:  # type: ignore[assignment]
    resource_type, package, name = unique_id.split(".")
    return {
        "unique_id": unique_id,
        "resource_type": resource_type,
        "package_name": package,
        "name": name,
        "config": {"meta": {}},
        "meta": {},
        "depends_on": {"nodes": list(parents)},
    }


def _manifest(*nodes: dict) -> dict:
    return {
        "metadata": {"project_name": "roundtrip"},
        "nodes": {node["unique_id"]: node for node in nodes},
        "sources": {},
        "parent_map": {node["unique_id"]: node["depends_on"]["nodes"] for node in nodes},
    }


MRR = "model.roundtrip.fct_mrr"
MONTHLY = "model.roundtrip.fct_mrr_monthly"
MOVEMENTS = "model.roundtrip.fct_mrr_movements"
RAW = "source.roundtrip.stripe.invoice"


def _mrr_manifest(*tests: dict) -> dict:
    return _manifest(
        _node(MRR),
        _node(MOVEMENTS, [MRR]),
        _node(MONTHLY, [MOVEMENTS]),
        *tests,
    )


def test_the_parent_the_test_name_speaks_of_owns_it() -> None:
    test = _node("test.roundtrip.assert_mrr_movements_sum_to_mrr_change", [MRR, MONTHLY, MOVEMENTS])
    assert owning_parent(_mrr_manifest(test), test["unique_id"]) == MOVEMENTS


def test_among_equal_names_the_most_downstream_parent_owns_it() -> None:
    test = _node("test.roundtrip.assert_mrr_customers_reconcile", [MOVEMENTS, MRR, MONTHLY, RAW])
    assert owning_parent(_mrr_manifest(test), test["unique_id"]) == MONTHLY


def test_a_test_over_sources_only_has_no_owner() -> None:
    test = _node("test.roundtrip.assert_raw_invoices_match", [RAW, "source.roundtrip.stripe.x"])
    assert owning_parent(_mrr_manifest(test), test["unique_id"]) is None


def test_attaching_names_the_owner_in_dagster_meta_and_an_explicit_ref_wins() -> None:
    plain = _node("test.roundtrip.assert_mrr_customers_reconcile", [MRR, MONTHLY])
    pinned = _node("test.roundtrip.assert_mrr_pinned", [MRR, MONTHLY])
    pinned["config"]["meta"] = {"dagster": {"ref": {"name": "fct_mrr"}}}
    generic = {**_node("test.roundtrip.unique_fct_mrr_id", [MRR]), "attached_node": MRR}
    manifest = _mrr_manifest(plain, pinned, generic)

    patched = attach_multi_parent_tests(manifest)

    def ref(test: dict) -> dict:
        return patched["nodes"][test["unique_id"]]["config"]["meta"]["dagster"]["ref"]

    assert ref(plain) == {"name": "fct_mrr_monthly"}  # what dagster-dbt reads to attach it
    assert ref(pinned) == {"name": "fct_mrr"}
    assert patched["nodes"][generic["unique_id"]] == generic
    assert "dagster" not in plain["config"]["meta"]  # the input manifest is not changed
