"""Which dbt tests a partial run must leave out, so that dbt runs exactly the checks Dagster
selected.

When a run materializes some of the dbt assets, dagster-dbt selects their models and leaves the
tests to dbt's indirect selection, ``eager`` by default: every test that reads a selected node
runs, including tests that belong to an *unselected* one (a ``relationships`` test of
``dim_customers`` pointing at a selected ``dim_channels``; a reconciliation of a mart that reads
a selected staging model). Such a test fails on a warehouse where its model was never built, and
otherwise comes back as an observation instead of a check. Excluding exactly those tests keeps
dbt's default for everything else: a check on a selected asset still runs even when it also
reads an unselected model.

(``--indirect-selection cautious`` is not the answer: dagster-dbt passes selections of more
than 200 nodes as a YAML selector union, where cautious drops every test spanning two of its
members — in a full build, all the relationships tests.)
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject
from dagster_dbt.asset_utils import get_asset_check_key_for_test

_BUILT = ("model", "seed", "snapshot")


def unselected_tests(
    manifest: Mapping[str, Any],
    translator: DagsterDbtTranslator,
    project: DbtProject | None,
    selected_assets: Set[dg.AssetKey],
    selected_checks: Set[dg.AssetCheckKey],
) -> list[str]:
    """The fully qualified names (what dagster-dbt selects tests by) of the tests that read a
    selected node but whose asset check is not selected, sorted; empty for a full build."""
    selected_nodes = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in _BUILT
        and translator.get_asset_spec(manifest, unique_id, project).key in selected_assets
    }
    excluded = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "test":
            continue
        if not selected_nodes.intersection(node["depends_on"]["nodes"]):
            continue  # dbt would not pick it: it reads no selected node
        check = get_asset_check_key_for_test(manifest, translator, unique_id, project)
        if check is None or check not in selected_checks:
            excluded.append(".".join(node["fqn"]))
    return sorted(excluded)
