"""Declarative automation over the real code location, and the debounced eager condition's
behaviour on a two-asset graph."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from platform_assets.automation import conditions


@pytest.fixture(scope="module")
def graph():
    from platform_assets.definitions import defs

    return defs.resolve_asset_graph()


def label(graph, key: dg.AssetKey) -> str | None:
    condition = graph.get(key).automation_condition
    return condition.get_label() if condition else None


def test_every_downstream_asset_follows_upstream_and_raw_assets_do_not(graph) -> None:
    """Raw assets run on schedules and sensors, and the event staging models with their raw
    days (partitioned, in the landing sensor's runs); everything else follows upstream."""
    keys = graph.get_all_asset_keys()
    raw = {key for key in keys if key.path[0] == "raw"}
    event_days = {key for key in keys if key not in raw and graph.get(key).is_partitioned}
    downstream = {key for key in keys if key not in raw | event_days}
    dbt = {key for key in downstream if "dbt" in graph.get(key).kinds}

    assert {label(graph, key) for key in raw | event_days} == {None}
    assert {key.path[1] for key in event_days} >= {"stg_events__pages", "stg_events__users"}
    assert all(label(graph, key) is not None for key in downstream), "an asset with no condition"
    assert {label(graph, key) for key in dbt} == {conditions.follow_upstream().get_label()}
    assert {key.path[0] for key in downstream} >= {"staging", "marts", "analytics", "activation"}
    scores = dg.AssetKey(["analytics", "lead_scores"])
    assert label(graph, scores) == conditions.follow_upstream().get_label()


def test_lead_scoring_model_retrains_weekly(graph) -> None:
    assert label(graph, conditions.LEAD_SCORING_MODEL) == "on_cron(0 6 * * 1, UTC)"


def test_a_condition_an_asset_already_has_is_kept(graph) -> None:
    from platform_assets.activation.spec import load_all

    for spec in load_all().values():
        own = f"on_cron({spec.cron}, UTC)" if spec.cron else "eager"
        assert label(graph, dg.AssetKey(spec.asset_key_path)) == own, spec.name


@dg.asset(key=["raw", "crm", "contact"])
def upstream() -> None: ...


@dg.asset(key=["analytics", "contact_scores"], deps=[upstream])
def downstream() -> None: ...


def test_follow_upstream_requests_once_per_window_however_often_upstream_updates() -> None:
    defs = conditions.apply(dg.Definitions(assets=[upstream, downstream]))
    instance = dg.DagsterInstance.ephemeral()
    start = datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    result = dg.evaluate_automation_conditions(defs, instance, evaluation_time=start)
    assert result.total_requested == 0  # first evaluation: nothing changed yet

    def tick(minutes: float, upstream_updates: int = 0) -> int:
        nonlocal result
        for _ in range(upstream_updates):
            dg.materialize([upstream], instance=instance)
        at = start + timedelta(minutes=minutes)
        result = dg.evaluate_automation_conditions(
            defs, instance, evaluation_time=at, cursor=result.cursor
        )
        return result.total_requested

    # three upstream updates inside one five-minute window: nothing before the window's tick...
    assert tick(1, upstream_updates=3) == 0
    assert tick(3) == 0
    # ...one request after it (10:05)
    assert tick(4.5) == 1
    dg.materialize([downstream], instance=instance)
    assert tick(4.75) == 0
    # an update after that request waits for the next tick (10:10)
    assert tick(5, upstream_updates=1) == 0
    assert tick(9.5) == 1


@dg.asset(
    key=["raw", "events", "pages"],
    group_name="raw_events",
    partitions_def=dg.DailyPartitionsDefinition(start_date="2026-01-01"),
)
def event_days() -> None: ...


@dg.asset(key=["analytics", "daily_visitors"], deps=[event_days])
def event_model() -> None: ...


def test_unloaded_event_days_do_not_block_the_models_that_read_them() -> None:
    """Most daily partitions of the event tables are never loaded (no files that day, or a day
    after the world's clock); the models reading them still follow each load."""
    defs = conditions.apply(dg.Definitions(assets=[event_days, event_model]))
    instance = dg.DagsterInstance.ephemeral()
    start = datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    result = dg.evaluate_automation_conditions(defs, instance, evaluation_time=start)
    dg.materialize([event_days], instance=instance, partition_key="2026-03-01")
    result = dg.evaluate_automation_conditions(
        defs, instance, evaluation_time=start + timedelta(minutes=5), cursor=result.cursor
    )
    assert result.total_requested == 1
