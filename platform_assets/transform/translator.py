"""How dbt nodes become Dagster assets in roundtrip's graph.

- dbt sources are the ingestion assets: source ``stripe`` (schema ``raw_stripe``) table
  ``customer`` → ``["raw", "stripe", "customer"]``, so raw → staging is one connected lineage.
- Models keep dagster-dbt's key by custom schema and name (``["staging", "stg_stripe__customer"]``).
- A model's group is its folder below ``models/`` joined by ``_`` (``staging_stripe``).
- Descriptions come from the dbt YAML, owners from ``+meta: dagster: owners`` in
  dbt_project.yml, kinds are {dbt, duckdb} (dagster-dbt's default for this adapter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings


class RoundtripDbtTranslator(DagsterDbtTranslator):
    """Maps dbt sources onto raw-layer keys and groups models by folder."""

    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True,
                enable_source_tests_as_checks=True,
            )
        )

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(
                ["raw", dbt_resource_props["source_name"], dbt_resource_props["name"]]
            )
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return f"raw_{dbt_resource_props['source_name']}"
        # fqn = [project, *folders below models/, name]
        folders = dbt_resource_props["fqn"][1:-1]
        return "_".join(folders) or "dbt"

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        description = dbt_resource_props.get("description")
        if description:
            return description
        return f"dbt {dbt_resource_props['resource_type']} {dbt_resource_props['name']}"
