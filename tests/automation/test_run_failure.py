"""A failed run reaches the alert webhook: the sandbox's fake Slack, over real HTTP."""

import dagster as dg
import pytest
import requests

from platform_assets.automation.run_failure import alert_on_run_failure, job_label
from platform_assets.settings import Settings

UI_URL = "http://dagster.example.com:3333"


class WarehouseLockedError(RuntimeError):
    pass


@dg.asset(key=["raw", "hubspot", "contact"])
def failing_contacts() -> None:
    raise WarehouseLockedError("contacts page 3 answered 503 five times")


@dg.asset(key=["raw", "hubspot", "company"])
def companies() -> None:
    """Succeeds: only the failed step is named."""


def slack_messages(settings: Settings) -> list[dict]:
    response = requests.get(f"{settings.api_url('slack')}/messages", timeout=10)
    response.raise_for_status()
    return response.json()["messages"]


def test_a_failed_run_posts_job_step_error_and_link(
    sandbox: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROUNDTRIP_DAGSTER_UI_URL", f"{UI_URL}/")
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([failing_contacts, companies], instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name=alert_on_run_failure.name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()

    alert_on_run_failure(context)

    [message] = slack_messages(sandbox)
    text = message["text"]
    run_id = result.run_id
    assert message["webhook"].startswith("/services/")
    assert "Run failed: assets materialized by hand" in text  # not Dagster's implicit job
    assert f"run id: {run_id}" in text
    assert "failed steps: raw__hubspot__contact" in text
    assert "WarehouseLockedError: contacts page 3 answered 503 five times" in text
    assert "assets not updated: raw/hubspot/contact\n" in text  # company was materialized
    assert f"{UI_URL}/runs/{run_id}" in text


def test_a_run_is_named_by_its_job_or_what_launched_it() -> None:
    def run(job_name: str, **tags: str) -> dg.DagsterRun:
        return dg.DagsterRun(job_name=job_name, tags=tags)

    assert job_label(run("ingest_hubspot", **{"dagster/schedule_name": "x"})) == "ingest_hubspot"
    automation = run("__ASSET_JOB", **{"dagster/sensor_name": "automation_sensor"})
    assert job_label(automation) == "assets launched by sensor automation_sensor"
    assert job_label(run("__ASSET_JOB")) == "assets materialized by hand"
