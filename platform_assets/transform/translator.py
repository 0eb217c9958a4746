"""How dbt nodes become Dagster assets in roundtrip's graph.

- dbt sources are the ingestion assets: source ``stripe`` (schema ``raw_stripe``) table
  ``customer`` → ``["raw", "stripe", "customer"]``, so raw → staging is one connected lineage.
  Source ``analytics`` is the exception: its tables are what the Python analytics assets write
  (``analytics.lead_scores`` → ``["analytics", "lead_scores"]``, their own keys), so the
  activation models that read them run after them: marts → analytics → sync models.
- Models keep dagster-dbt's key by custom schema and name (``["staging", "stg_stripe__customer"]``,
  ``["marts", "fct_mrr_movements"]``); seeds likewise (``["seeds", "channel_rules"]``).
- A model's group is its layer and domain: the schema it builds in (``staging``,
  ``intermediate``, ``marts``, ``activation``) and its folders below the layer's folder, joined
  by ``_`` (``staging_stripe``, ``intermediate_identity``, ``marts_marketing``; the sync models
  of ``models/activation`` are ``activation``). Every seed is in ``seeds``.
- Descriptions come from the dbt YAML, owners from ``+meta: dagster: owners`` in
  dbt_project.yml; kinds are ``dbt``, ``duckdb`` and how the node is built (``view``, ``table``,
  ``seed``, ``incremental``...), which the UI shows as icons.
- Data tests are asset checks on the node they test. A singular test that reads several nodes
  (a reconciliation between a mart and staging, say) has no node dbt attaches it to:
  :func:`attach_multi_parent_tests` attaches it to the parent its name speaks of (see
  :func:`owning_parent`) unless the test names one itself with
  ``{{ config(meta={'dagster': {'ref': {'name': 'fct_x'}}}) }}``.
  Unit tests are not assets or checks: ``dbt build`` runs them before their model, and a failing
  one skips the model and fails the step.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

SEEDS_GROUP = "seeds"
ANALYTICS_SOURCE = "analytics"
"""The dbt source whose tables are the Python analytics assets, keyed ``["analytics", table]``."""
_REFABLE = ("model.", "seed.", "snapshot.")


class RoundtripDbtTranslator(DagsterDbtTranslator):
    """Maps dbt sources onto raw-layer (or analytics) keys, groups models by layer and domain,
    seeds together."""

    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True,
                enable_source_tests_as_checks=True,
            )
        )

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        # memoized like dagster-dbt's own: lineage asks for a parent's key once per column
        memo = (id(manifest), unique_id, id(project))
        specs: dict[tuple[int, str, int], dg.AssetSpec] = self.__dict__.setdefault("_specs", {})
        if memo not in specs:
            spec = super().get_asset_spec(manifest, unique_id, project)
            props = self.get_resource_props(manifest, unique_id)
            if props["resource_type"] != "source":
                seed = props["resource_type"] == "seed"
                spec = spec.merge_attributes(
                    kinds={"seed" if seed else props["config"]["materialized"]}
                )
            specs[memo] = spec
        return specs[memo]

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            source, table = dbt_resource_props["source_name"], dbt_resource_props["name"]
            if source == ANALYTICS_SOURCE:
                return dg.AssetKey([ANALYTICS_SOURCE, table])
            return dg.AssetKey(["raw", source, table])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return f"raw_{dbt_resource_props['source_name']}"
        if dbt_resource_props["resource_type"] == "seed":
            return SEEDS_GROUP
        # fqn = [project, layer folder, *domain folders, name]; the layer is the schema the
        # model lands in (a model may live in its domain's marts folder yet build in schema
        # intermediate, and then belongs with the intermediate models)
        folders = dbt_resource_props["fqn"][1:-1]
        layer = dbt_resource_props.get("config", {}).get("schema") or (folders[:1] or ["dbt"])[0]
        return "_".join([layer, *folders[1:]])

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        description = dbt_resource_props.get("description")
        if description:
            return description
        return f"dbt {dbt_resource_props['resource_type']} {dbt_resource_props['name']}"


def _dagster_ref(test: Mapping[str, Any]) -> Any:
    meta = test.get("config", {}).get("meta", {}) or test.get("meta", {})
    return meta.get("dagster", {}).get("ref")


_NAMING_WORDS = frozenset({"", "assert", "fct", "dim", "int", "stg"})
"""Words of test and model names that say nothing about what a test checks."""


def _words(name: str) -> set[str]:
    return set(name.split("_")) - _NAMING_WORDS


def owning_parent(manifest: Mapping[str, Any], test_id: str) -> str | None:
    """The unique id of the node a multi-parent singular test is a check on: of its model, seed
    or snapshot parents, the one whose name shares the most words with the test's name
    (``assert_mrr_movements_sum_to_mrr_change`` → ``fct_mrr_movements``); among equals, one that
    no other parent descends from (the most downstream), then the first by name. None when no
    parent is a model, seed or snapshot (a test over sources only stays an observation)."""
    parents = sorted(p for p in manifest["parent_map"].get(test_id, []) if p.startswith(_REFABLE))
    if not parents:
        return None
    upstream: dict[str, set[str]] = {}

    def ancestors(node: str) -> set[str]:
        if node not in upstream:
            upstream[node] = set()
            for parent in manifest["parent_map"].get(node, []):
                upstream[node] |= {parent, *ancestors(parent)}
        return upstream[node]

    test_words = _words(manifest["nodes"][test_id]["name"])

    def preference(node: str) -> tuple[int, bool, str]:
        name = manifest["nodes"][node]["name"]
        is_upstream_of_another = any(node in ancestors(other) for other in parents)
        return (-len(_words(name) & test_words), is_upstream_of_another, name)

    return min(parents, key=preference)


def attach_multi_parent_tests(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``manifest`` in which every singular test reading several nodes names the node
    it checks in ``config.meta.dagster.ref`` (see :func:`owning_parent`), which dagster-dbt reads
    both when it defines the checks and when it maps test results onto them. Without it such a
    test would only be logged as an observation, never shown as a check."""
    patched = dict(manifest)
    patched["nodes"] = dict(manifest["nodes"])
    for test_id, test in manifest["nodes"].items():
        if test["resource_type"] != "test" or test.get("attached_node"):
            continue
        if len(set(test["depends_on"]["nodes"])) < 2 or _dagster_ref(test):
            continue
        owner = owning_parent(manifest, test_id)
        if owner is None:
            continue
        test = copy.deepcopy(test)
        meta = test.setdefault("config", {}).setdefault("meta", {})
        meta.setdefault("dagster", {})["ref"] = {"name": manifest["nodes"][owner]["name"]}
        patched["nodes"][test_id] = test
    return patched
