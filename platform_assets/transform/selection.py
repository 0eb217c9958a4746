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
    selected node but whose asset check is not selected, sorted.

    A source counts as selected when one of its tests' checks is: a multi-asset that runs a
    source's own tests selects the source (``source:events``), so dbt also picks every other
    test reading it (a mart reconciled with the raw events)."""
    tests = {
        unique_id: get_asset_check_key_for_test(manifest, translator, unique_id, project)
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
    }
    selected_nodes = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in _BUILT
        and translator.get_asset_spec(manifest, unique_id, project).key in selected_assets
    } | {
        parent
        for unique_id, check in tests.items()
        if check in selected_checks
        for parent in manifest["nodes"][unique_id]["depends_on"]["nodes"]
        if parent.startswith("source.")
    }
    return sorted(
        ".".join(manifest["nodes"][unique_id]["fqn"])
        for unique_id, check in tests.items()
        if selected_nodes.intersection(manifest["nodes"][unique_id]["depends_on"]["nodes"])
        and (check is None or check not in selected_checks)
    )
