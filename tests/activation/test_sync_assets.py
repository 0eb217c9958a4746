"""The syncs as Dagster assets: keys, lineage, kinds and a real materialization with its check."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest
import requests

from platform_assets.activation.assets import CHECK_NAME, sync_asset, sync_assets
from platform_assets.activation.http import Clock
from platform_assets.activation.spec import load_all
from platform_assets.settings import Settings

HUBSPOT = load_all()["hubspot__contacts"]


def test_one_asset_per_sync_downstream_of_its_model() -> None:
    assets = sync_assets()
    specs = {spec.name: spec for spec in load_all().values()}
    assert len(assets) == len(specs)
    for asset in assets:
        (key,) = asset.keys
        spec = next(s for s in specs.values() if s.asset_key_path == list(key.path))
        asset_spec = next(iter(asset.specs))
        assert [dep.asset_key for dep in asset_spec.deps] == [
            dg.AssetKey(["activation", spec.model])
        ]
        assert asset_spec.group_name == "activation"
        assert spec.destination in asset_spec.kinds
        assert asset_spec.owners == list(spec.owners)
        (check,) = asset.check_specs
        assert check.name == CHECK_NAME and check.blocking


def _model(settings: Settings, emails: list[str]) -> None:
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("create schema if not exists activation")
    con.execute(
        """
        create or replace table activation.sync_hubspot__contacts (
            email varchar, lead_score double, lead_score_decile integer, is_mql boolean,
            gclid varchar, industry varchar, lifetime_value decimal(18, 2))
        """
    )
    con.executemany(
        "insert into activation.sync_hubspot__contacts "
        "values (?, 0.42, 3, true, null, 'Retail', 99)",
        [[email] for email in emails],
    )
    con.close()


def test_materializing_a_sync_reports_its_counts_and_checks_rejections(
    sandbox: Settings,
) -> None:
    asset = sync_asset(HUBSPOT)
    _model(sandbox, [f"asset{i}@example.com" for i in range(12)])
    result = dg.materialize([asset], raise_on_error=False)
    assert result.success
    (materialization,) = result.asset_materializations_for_node(asset.node_def.name)
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert (metadata["added"], metadata["succeeded"], metadata["rejected"]) == (12, 12, 0)
    assert metadata["status"] == "succeeded"
    assert metadata["destination"] == {
        "destination": "hubspot",
        "object": "contacts",
        "max_batch_size": 100,
        "rate_limit": "100 per 10 s",
    }
    (check,) = result.get_asset_check_evaluations()
    assert check.passed

    _model(sandbox, [f"asset{i}@example.com" for i in range(12)] + ["not-an-email"])
    dry = dg.materialize(
        [asset],
        run_config={"ops": {asset.node_def.name: {"config": {"dry_run": True}}}},
        raise_on_error=False,
    )
    (dry_materialization,) = dry.asset_materializations_for_node(asset.node_def.name)
    assert dry_materialization.metadata["status"].value == "dry_run"
    assert dry_materialization.metadata["added"].value == 1

    failing = dg.materialize([asset], raise_on_error=False)
    (check,) = failing.get_asset_check_evaluations()
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert "1 of 1 records rejected" in check.description


def test_an_unavailable_destination_fails_the_step_once_without_step_retries(
    sandbox: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTTP client already retried (its backoff is not waited out here); a step retry would
    hold DuckDB's writer as long again, so the step fails for good and says why."""
    monkeypatch.setattr(Clock, "sleep", lambda self, seconds: None)
    _model(sandbox, ["a@example.com"])
    faults = {"probability": 1, "kinds": ["503"], "apis": ["hubspot"]}
    requests.post(f"{sandbox.sandbox_url}/_sandbox/faults", json=faults, timeout=5)
    asset = sync_asset(HUBSPOT)
    instance = dg.DagsterInstance.ephemeral()

    result = dg.materialize([asset], instance=instance, raise_on_error=False)

    assert not result.success
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert len(failures) == 1
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert "sync hubspot__contacts could not start" in failures[0].step_failure_data.error.message
