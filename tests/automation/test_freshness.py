"""Freshness policies and blocking checks on the real code location's definitions."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pytest
from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

from platform_assets.automation.freshness import WINDOWS, matches, window_for
from platform_assets.automation.raw_checks import SCHEMA

HOURS = timedelta(hours=1)


@pytest.fixture(scope="module")
def graph() -> AssetGraph:
    from platform_assets.definitions import defs

    return defs.resolve_asset_graph()


def keys(graph: AssetGraph, layer: str) -> list[dg.AssetKey]:
    return sorted(k for k in graph.get_all_asset_keys() if k.path[0] == layer)


def syncs(graph: AssetGraph) -> list[dg.AssetKey]:
    """The reverse-ETL sync assets (``activation/<destination>/<object>``), not the sync models."""
    return [k for k in keys(graph, "activation") if len(k.path) == 3]


def windows(graph: AssetGraph, key: dg.AssetKey) -> tuple[timedelta, timedelta | None] | None:
    policy = graph.get(key).freshness_policy
    if policy is None:
        return None
    warn = policy.warn_window.to_timedelta() if policy.warn_window else None
    return policy.fail_window.to_timedelta(), warn


def test_every_raw_mart_analytics_and_sync_asset_has_its_window(graph: AssetGraph) -> None:
    covered = [
        *keys(graph, "raw"),
        *keys(graph, "marts"),
        *keys(graph, "analytics"),
        *syncs(graph),
    ]
    assert len(keys(graph, "raw")) >= 52
    assert len(keys(graph, "marts")) >= 18
    assert len(syncs(graph)) >= 8
    for key in covered:
        window = window_for(key)
        assert window is not None, key
        assert windows(graph, key) == (window.fail, window.warn), key
    # nobody reads staging, intermediate or the sync models directly
    for key in [*keys(graph, "staging"), *keys(graph, "intermediate")]:
        assert windows(graph, key) is None, key


@pytest.mark.parametrize(
    ("key", "warn_hours", "fail_hours"),
    [
        ("raw/hubspot/contact", 2, 4),
        ("raw/zendesk/ticket", 2, 4),
        ("raw/events/pages", 2, 4),
        ("raw/stripe/invoice", 26, 50),
        ("raw/google_ads/click_view", 26, 50),
        ("raw/uploads/budgets", 32 * 24, 62 * 24),
        ("marts/fct_mrr_movements", 26, 36),
        ("marts/dim_customers", 6, 12),
        ("marts/dim_channels", 26, 50),
        ("analytics/lead_scoring_model", 8 * 24, 15 * 24),
        ("activation/hubspot/contacts", 6, 12),
        ("activation/files/attribution", 26, 50),
    ],
)
def test_windows_are_tighter_where_the_business_needs_them(
    graph: AssetGraph,
    key: str,
    warn_hours: int,
    fail_hours: int,
) -> None:
    assert windows(graph, dg.AssetKey(key.split("/"))) == (fail_hours * HOURS, warn_hours * HOURS)


def test_every_mart_sync_and_raw_table_has_a_blocking_check(graph: AssetGraph) -> None:
    blocking: dict[dg.AssetKey, list[str]] = {}
    for check in graph.asset_check_keys:
        if graph.get_check_spec(check).blocking:
            blocking.setdefault(check.asset_key, []).append(check.name)
    for key in [*keys(graph, "marts"), *syncs(graph)]:
        assert blocking.get(key), f"{key.to_user_string()} has no blocking check"
    for key in keys(graph, "raw"):
        assert SCHEMA in blocking.get(key, []), key


def test_patterns_match_segment_by_segment() -> None:
    assert matches("raw/*/*", dg.AssetKey(["raw", "stripe", "customer"]))
    assert not matches("raw/*/*", dg.AssetKey(["raw", "stripe"]))
    assert not matches("activation/*/*", dg.AssetKey(["activation", "sync_braze__users"]))
    assert all(window.warn < window.fail and window.why for window in WINDOWS)
