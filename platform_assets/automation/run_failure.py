"""A failed run posts an alert: nobody has to watch the runs page to learn that data stopped.

Every run of the code location that fails (a scheduled ingestion, an automation cascade, a sensor's
partition run, a run started by hand) posts one Slack-compatible message to
``settings.alert_webhook_url`` (default: the sandbox's fake Slack) with what a person on call needs
first: the job, the assets it left un-updated, the run id, the step(s) that failed with the
error each raised, and a link to the run in the Dagster UI (``settings.dagster_ui_url``). A
webhook that cannot be reached is logged by :mod:`platform_assets.alerts`, never raised, so the
sensor does not fail in turn.
"""

from collections.abc import Sequence

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from platform_assets import alerts
from platform_assets.settings import load_settings

MAX_LISTED = 5
"""Assets or steps listed by name in an alert; more are counted."""

MAX_ERROR_CHARS = 500
"""An error message is cut here: a Slack message is read, not scrolled."""


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    return f"{shown} (+{more} more)" if more > 0 else shown


def _root_cause(error: SerializableErrorInfo) -> SerializableErrorInfo:
    """The user's exception, not Dagster's "error occurred while executing op" wrapper."""
    while error.cause is not None:
        error = error.cause
    return error


def _error_text(error: SerializableErrorInfo | None, fallback: str) -> str:
    if error is None:
        return fallback
    cause = _root_cause(error)
    text = cause.message.strip()  # already "module.ErrorClass: what happened"
    if cause.cls_name == "Failure":  # raised on purpose with a message for people: just that
        text = text.split(": ", 1)[-1]
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


LAUNCH_TAGS = (
    ("dagster/schedule_name", "schedule"),
    ("dagster/sensor_name", "sensor"),
    ("dagster/backfill", "backfill"),
)
"""Run tags that name what launched a run, and what to call it."""


def job_label(run: dg.DagsterRun) -> str:
    """The run's job, or for assets materialized outside any job (Dagster's ``__ASSET_JOB``:
    automation, a click on Materialize) what launched them."""
    if not run.job_name.startswith("__"):
        return run.job_name
    launcher = next(
        (f"{what} {run.tags[tag]}" for tag, what in LAUNCH_TAGS if run.tags.get(tag)), None
    )
    return f"assets launched by {launcher}" if launcher else "assets materialized by hand"


def assets_not_updated(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The assets the run planned to materialize but did not: what is now stale."""

    def keys(event_type: dg.DagsterEventType) -> set[str]:
        records = instance.get_records_for_run(run_id, of_type=event_type).records
        return {
            record.event_log_entry.dagster_event.asset_key.to_user_string()
            for record in records
            if record.event_log_entry.dagster_event
            and record.event_log_entry.dagster_event.asset_key
        }

    planned = keys(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
    return sorted(planned - keys(dg.DagsterEventType.ASSET_MATERIALIZATION))


def failure_details(context: dg.RunFailureSensorContext, ui_url: str) -> dict[str, str]:
    """The alert's fields for the failed run of ``context``, linked to the UI at ``ui_url``."""
    run = context.dagster_run
    steps = context.get_step_failure_events()
    details = {"job": job_label(run)}
    stale = assets_not_updated(context.instance, run.run_id)
    if stale:
        details["assets not updated"] = _listed(stale)
    if run.tags.get("dagster/partition"):
        details["partition"] = run.tags["dagster/partition"]
    details["run id"] = run.run_id
    if steps:
        details["failed steps"] = _listed([str(event.step_key) for event in steps])
        details["error"] = " | ".join(
            f"{event.step_key}: {_error_text(event.step_failure_data.error, 'no error recorded')}"
            for event in steps[:MAX_LISTED]
        )
    else:  # the run failed outside any step (launch, crash, a dependency that never ran)
        details["error"] = _error_text(
            context.failure_event.event_specific_data.error,  # type: ignore[union-attr]
            context.failure_event.message or "the run failed",
        )
    details["run"] = f"{ui_url}/runs/{run.run_id}"
    return details


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts every failed run (job, assets, failed steps, error, link) to the alert "
    "webhook (Slack-compatible JSON; ROUNDTRIP_ALERT_WEBHOOK_URL).",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    settings = load_settings()
    details = failure_details(context, settings.dagster_ui_url)
    posted = alerts.post(settings.alert_webhook_url, f"Run failed: {details['job']}", details)
    context.log.info(f"alert for run {details['run id']} {'posted' if posted else 'NOT posted'}")


defs = dg.Definitions(sensors=[alert_on_run_failure])
