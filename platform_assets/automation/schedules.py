"""When SaaS ingestion runs: one asset job and one cron schedule per source, and the sensor that
evaluates every asset's automation condition.

- CRM and support (HubSpot, Zendesk) change all day and sales/support teams act on them: hourly,
  staggered within the hour so the two never queue for DuckDB's single writer at the same minute.
- Billing, ads, product analytics, the app's Firestore export and the hand-kept Google Sheets
  settle overnight (ad platforms finalise yesterday's spend, Stripe's invoices close): daily,
  staggered twenty minutes apart after 01:00 UTC.

A schedule skips (naming the run it waits for) while a run of its job is queued or in progress: a
slow API must not pile up runs that would all wait for the same lock and re-read the same data.
The jobs retry a failed step with exponential backoff and jitter (:data:`INGESTION_RETRY_POLICY`),
on top of dlt's own per-request retries of 429/5xx, so a connection reset mid-run costs one step,
not a day of data. The event stream (a landing-folder sensor) and hand uploads have their own
sensors and are not scheduled here. A job selects its group's asset checks too (the dbt source
tests, the raw-layer checks), so bad raw data is flagged, and blocking checks stop the cascade,
right after the load that brought it.

Everything downstream of the raw layer follows its upstream through declarative automation
(:mod:`platform_assets.automation.conditions`); :data:`automation_sensor` is the sensor that
evaluates those conditions. It is declared here, RUNNING by default, because Dagster's implicit
default automation sensor starts stopped: a fresh ``dagster dev`` would otherwise show the
conditions but never act on them. Schedules are RUNNING by default too, so the daemon that
``dagster dev`` (and ``roundtrip demo``) starts runs them with no clicks; a schedule started for
the first time does not catch up on past ticks, it waits for its next one.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import dagster as dg

IN_PROGRESS_STATUSES: Sequence[dg.DagsterRunStatus] = (
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)
"""Statuses of a run that has not finished (a canceling run still holds its resources)."""

INGESTION_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3,
    delay=15,
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)
"""A failed ingestion step is retried after ~15 s, ~30 s, ~60 s (±jitter, so sources that failed
together do not retry together). dlt loads nothing from a failed extract and its cursors live in
the warehouse, so a retry resumes where the last successful load left off."""

TIMEZONE = "UTC"


@dataclass(frozen=True)
class IngestionSchedule:
    """When one source's raw assets (its ``raw_<source>`` group) are refreshed."""

    source: str
    cron: str
    cadence: str

    @property
    def group(self) -> str:
        return f"raw_{self.source}"

    @property
    def job_name(self) -> str:
        return f"ingest_{self.source}"

    @property
    def schedule_name(self) -> str:
        return f"{self.job_name}_{self.cadence}"


SCHEDULES: Sequence[IngestionSchedule] = (
    IngestionSchedule("hubspot", "5 * * * *", "hourly"),
    IngestionSchedule("zendesk", "35 * * * *", "hourly"),
    IngestionSchedule("stripe", "0 1 * * *", "daily"),
    IngestionSchedule("facebook_ads", "20 1 * * *", "daily"),
    IngestionSchedule("google_ads", "40 1 * * *", "daily"),
    IngestionSchedule("amplitude", "0 2 * * *", "daily"),
    IngestionSchedule("firestore", "20 2 * * *", "daily"),
    IngestionSchedule("google_sheets", "40 2 * * *", "daily"),
)


def runs_in_progress(instance: dg.DagsterInstance, job_name: str) -> list[str]:
    """Ids of the runs of ``job_name`` that are queued or have not finished, newest first."""
    records = instance.get_run_records(
        dg.RunsFilter(job_name=job_name, statuses=list(IN_PROGRESS_STATUSES))
    )
    return [record.dagster_run.run_id for record in records]


def ingestion_schedule(spec: IngestionSchedule) -> dg.ScheduleDefinition:
    """``spec``'s cron schedule of the job that materializes its source's raw group: a run per
    tick, or a skip while the previous run is unfinished."""
    job = dg.define_asset_job(
        spec.job_name,
        selection=dg.AssetSelection.groups(spec.group),
        description=f"Ingest {spec.source} into raw_{spec.source} ({spec.cadence}).",
        op_retry_policy=INGESTION_RETRY_POLICY,
        tags={"roundtrip/source": spec.source},
    )

    @dg.schedule(
        name=spec.schedule_name,
        job=job,
        cron_schedule=spec.cron,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"{spec.cadence.capitalize()} {spec.source} ingestion ({spec.cron} {TIMEZONE}); "
            f"skips while a run of {spec.job_name} is queued or in progress."
        ),
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        running = runs_in_progress(context.instance, spec.job_name)
        if running:
            return dg.SkipReason(
                f"run {running[0]} of {spec.job_name} is still queued or in progress"
            )
        tick = context.scheduled_execution_time
        return dg.RunRequest(run_key=tick.isoformat() if tick else None)

    return _schedule


automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "Evaluates every asset's automation condition (dbt, analytics, syncs, report follow "
        "their upstream; lead scoring retrains weekly) and launches the runs they ask for."
    ),
)

defs = dg.Definitions(
    schedules=[ingestion_schedule(spec) for spec in SCHEDULES],
    sensors=[automation_sensor],
)
