"""Running syncs as a user does: the CLI, the status report and the alerts to the fake Slack."""

from __future__ import annotations

import json

import pytest
import requests
from click.testing import CliRunner

from platform_assets.activation import service
from platform_assets.activation.engine import SyncFailed
from platform_assets.activation.spec import load_all
from platform_assets.cli import main
from platform_assets.sandbox.server import request_log, set_faults
from platform_assets.settings import Settings
from tests.activation.conftest import FakeClock, contacts_spec, write_contacts


def _alerts(settings: Settings) -> list[dict]:
    response = requests.get(f"{settings.api_url('slack')}/messages", timeout=10)
    response.raise_for_status()
    return response.json()["messages"]


def test_a_failed_sync_alerts_the_webhook_and_keeps_what_was_acknowledged(
    sandbox: Settings,
) -> None:
    write_contacts(sandbox.warehouse_path, [(f"a{i}@example.com", 0.5, "x") for i in range(30)])
    spec = contacts_spec(batch_size=10)
    hubspot_down = {"probability": 1.0, "kinds": ["503"], "apis": ["hubspot"]}

    # HubSpot goes down after the first batch was acknowledged.
    with pytest.raises(SyncFailed, match="10 records synced and checkpointed, 20 left") as failed:
        service.run_sync(
            spec,
            sandbox,
            clock=FakeClock(),
            on_checkpoint=lambda n: set_faults(sandbox.sandbox_url, hubspot_down),
        )
    assert (failed.value.result.status, failed.value.result.pending) == ("failed", 20)
    (alert,) = _alerts(sandbox)
    assert alert["webhook"] == "/services/T0ROUNDTRIP/B0ALERTS/sandbox"
    assert "roundtrip sync hubspot__test_contacts failed" in alert["text"]
    assert "HTTP 503" in alert["text"]

    # Still down at the start of the next run: it fails before sending, and says so.
    with pytest.raises(SyncFailed, match="could not start"):
        service.run_sync(spec, sandbox, clock=FakeClock())
    assert len(_alerts(sandbox)) == 2

    set_faults(sandbox.sandbox_url, {})
    resumed = service.run_sync(spec, sandbox, clock=FakeClock())
    assert (resumed.added, resumed.succeeded) == (20, 20)
    report = service.status(spec, sandbox)
    assert [run["status"] for run in report["runs"]] == ["succeeded", "failed", "failed"]


def test_a_run_over_its_rejection_threshold_alerts(sandbox: Settings) -> None:
    rows = [(f"b{i}@example.com", 0.5, "x") for i in range(8)] + [("broken", 0.5, "x")] * 1
    write_contacts(sandbox.warehouse_path, rows)
    result = service.run_sync(contacts_spec(max_rejected_share=0.1), sandbox, clock=FakeClock())
    assert (result.succeeded, result.rejected) == (8, 1)
    (alert,) = _alerts(sandbox)
    assert "11.1% of records rejected (threshold 10.0%)" in alert["text"]
    report = service.status(contacts_spec(), sandbox)
    assert [(e["record_key"], e["kind"]) for e in report["errors"]] == [("broken", "rejected")]


def test_the_cli_lists_dry_runs_and_reports_syncs(sandbox: Settings) -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["sync", "list"])
    assert listed.exit_code == 0, listed.output
    assert len(listed.output.strip().splitlines()) == len(load_all())
    assert "hubspot__contacts" in listed.output and "upsert" in listed.output

    unknown = runner.invoke(main, ["sync", "run", "nope"])
    assert unknown.exit_code != 0 and "no sync 'nope'; known:" in unknown.output

    # The shipped sync needs its dbt model: without it the error says so, before any request.
    before = request_log(sandbox.sandbox_url)["requests"]
    missing = runner.invoke(main, ["sync", "run", "hubspot__contacts", "--dry-run"])
    assert missing.exit_code != 0
    assert "activation.sync_hubspot__contacts does not exist: build its dbt model" in (
        missing.output
    )
    assert request_log(sandbox.sandbox_url)["requests"] == before

    status = runner.invoke(main, ["sync", "status", "hubspot__contacts"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.output) == {"runs": [], "errors": []}
