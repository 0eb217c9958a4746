"""The ingestion schedules: a run per tick, a skip (naming the run) while one is unfinished."""

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import pytest

from platform_assets.automation import schedules

HUBSPOT = next(spec for spec in schedules.SCHEDULES if spec.source == "hubspot")
TICK = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def module_instance() -> Iterator[dg.DagsterInstance]:
    """A real instance on a temporary DAGSTER_HOME (a schedule context re-opens it by reference,
    which an in-memory instance cannot do); created once, it takes seconds."""
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture()
def instance(module_instance: dg.DagsterInstance) -> dg.DagsterInstance:
    """The module's instance with no runs."""
    module_instance.wipe()
    return module_instance


def evaluate(instance: dg.DagsterInstance) -> dg.RunRequest | dg.SkipReason:
    schedule = schedules.ingestion_schedule(HUBSPOT)
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=TICK)
    return schedule(context)


def add_run(instance: dg.DagsterInstance, job_name: str, status: dg.DagsterRunStatus) -> str:
    run = dg.DagsterRun(job_name=job_name, status=status)
    instance.add_run(run)
    return run.run_id


def test_requests_a_run_when_none_is_in_progress(instance: dg.DagsterInstance) -> None:
    add_run(instance, HUBSPOT.job_name, dg.DagsterRunStatus.SUCCESS)
    add_run(instance, HUBSPOT.job_name, dg.DagsterRunStatus.FAILURE)
    add_run(instance, "ingest_zendesk", dg.DagsterRunStatus.STARTED)  # another job's run

    result = evaluate(instance)

    assert isinstance(result, dg.RunRequest)
    assert result.run_key == TICK.isoformat()


@pytest.mark.parametrize(
    "status",
    [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING],
)
def test_skips_while_a_run_of_its_job_is_unfinished(
    instance: dg.DagsterInstance, status: dg.DagsterRunStatus
) -> None:
    run_id = add_run(instance, HUBSPOT.job_name, status)

    result = evaluate(instance)

    assert isinstance(result, dg.SkipReason)
    assert run_id in (result.skip_message or "")
    assert HUBSPOT.job_name in (result.skip_message or "")


def test_every_source_has_a_running_schedule_of_its_raw_group_with_retries() -> None:
    by_name = {schedule.name: schedule for schedule in schedules.defs.schedules or []}
    hourly = {s.source for s in schedules.SCHEDULES if s.cadence == "hourly"}
    daily = {s.source for s in schedules.SCHEDULES if s.cadence == "daily"}
    assert hourly == {"hubspot", "zendesk"}
    assert daily == {
        "stripe",
        "facebook_ads",
        "google_ads",
        "amplitude",
        "firestore",
        "google_sheets",
    }
    for spec in schedules.SCHEDULES:
        schedule = by_name[spec.schedule_name]
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
        assert schedule.job.selection == dg.AssetSelection.groups(spec.group)
        assert schedule.job.op_retry_policy == schedules.INGESTION_RETRY_POLICY
    # staggered: no two sources start at the same minute
    assert len({spec.cron for spec in schedules.SCHEDULES}) == len(schedules.SCHEDULES)
