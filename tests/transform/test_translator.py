"""The dbt → Dagster mapping: raw keys for sources, schema/name keys for models, folder groups."""

from __future__ import annotations

import dagster as dg

from platform_assets.transform.translator import RoundtripDbtTranslator


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


def test_a_source_is_keyed_as_its_ingestion_asset() -> None:
    translator = RoundtripDbtTranslator()
    key = translator.get_asset_key(_source("stripe", "customer"))
    assert key == dg.AssetKey(["raw", "stripe", "customer"])


def test_a_model_is_keyed_by_its_schema_and_name() -> None:
    translator = RoundtripDbtTranslator()
    props = _model(["staging", "stripe"], "stg_stripe__customer", "staging")
    assert translator.get_asset_key(props) == dg.AssetKey(["staging", "stg_stripe__customer"])


def test_groups_follow_the_model_folder() -> None:
    translator = RoundtripDbtTranslator()
    staging = _model(["staging", "stripe"], "stg_stripe__customer", "staging")
    mart = _model(["marts", "finance"], "fct_mrr", "marts")
    assert translator.get_group_name(staging) == "staging_stripe"
    assert translator.get_group_name(mart) == "marts_finance"
    assert translator.get_group_name(_source("hubspot", "contact")) == "raw_hubspot"


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
