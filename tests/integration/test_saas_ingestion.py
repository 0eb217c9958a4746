"""Every SaaS source at once, over real HTTP against the sandbox: incremental, idempotent, and
indifferent to a flaky API."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from dagster_dlt import DagsterDltResource

from bench.run import saas_source_assets
from platform_assets.sandbox import world
from platform_assets.sandbox.faults import FaultConfig
from platform_assets.sandbox.server import request_log, reset_request_log, set_faults
from platform_assets.settings import Settings, load_settings
from tests.integration.raw_tables import EXPECTED_RAW_TABLES
from tests.integration.warehouse_snapshot import raw_fingerprint


def materialize_saas() -> dg.ExecuteInProcessResult:
    return dg.materialize(
        list(saas_source_assets().values()),
        resources={"dlt": DagsterDltResource()},
        raise_on_error=False,
    )


# Reference lists the real APIs cannot filter by modification time: every sync re-reads them in
# full (as Fivetran does) and rewrites nothing when nothing changed.
UNFILTERABLE_LISTS = {("hubspot", "/crm/v3/owners"), ("hubspot", "/crm/v3/pipelines/deals")}


def rows_by_api(log: dict) -> dict[str, int]:
    return {api: totals["rows"] for api, totals in log["apis"].items()}


def rows_by_endpoint(log: dict) -> dict[tuple[str, str], int]:
    assert len(log["entries"]) == log["requests"], "the request log dropped entries"
    rows: dict[tuple[str, str], int] = {}
    for entry in log["entries"]:
        key = (entry["api"], entry["path"])
        rows[key] = rows.get(key, 0) + entry["rows"]
    return rows


def test_every_saas_source_has_an_ingestion_asset() -> None:
    saas = {source for source in EXPECTED_RAW_TABLES if source != "events"}
    assert set(saas_source_assets()) == saas


def test_rerun_fetches_nothing_and_advance_fetches_only_changes(sandbox: Settings) -> None:
    url = sandbox.sandbox_url
    assert materialize_saas().success
    initial = rows_by_api(request_log(url))
    loaded = raw_fingerprint(sandbox.warehouse_path)
    for source, tables in EXPECTED_RAW_TABLES.items():
        if source == "events":
            continue
        for table in tables:
            assert f"raw_{source}.{table}" in loaded, f"raw_{source}.{table} was not landed"

    reset_request_log(url)
    assert materialize_saas().success
    rerun = rows_by_endpoint(request_log(url))
    assert {api for api, _ in rerun} == set(initial)
    assert {key: n for key, n in rerun.items() if n and key not in UNFILTERABLE_LISTS} == {}
    assert raw_fingerprint(sandbox.warehouse_path) == loaded

    reset_request_log(url)
    world.advance(sandbox, 1)
    assert materialize_saas().success
    fetched = rows_by_api(request_log(url))
    assert 0 < sum(fetched.values()) < sum(initial.values()) / 5, (fetched, initial)
    after = raw_fingerprint(sandbox.warehouse_path)
    for table, (rows, _) in loaded.items():
        assert after[table][0] >= rows, f"{table} lost rows after an incremental load"


def test_faulty_api_leaves_the_same_warehouse_as_a_clean_one(
    sandbox: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert materialize_saas().success
    clean = raw_fingerprint(sandbox.warehouse_path)

    # A second warehouse (and dlt state) loading the same world while 20% of requests fail.
    monkeypatch.setenv("ROUNDTRIP_HOME", str(tmp_path / "flaky"))
    flaky = load_settings()
    flaky.ensure_home()
    set_faults(
        sandbox.sandbox_url,
        FaultConfig(probability=0.2, kinds=("429", "500", "502", "503"), retry_after=1, seed=3),
    )
    reset_request_log(sandbox.sandbox_url)
    assert materialize_saas().success
    log = request_log(sandbox.sandbox_url)
    assert sum(sum(t["faults"].values()) for t in log["apis"].values()) > 0
    assert raw_fingerprint(flaky.warehouse_path) == clean


def test_exhausted_retries_fail_clearly_and_keep_what_was_loaded(sandbox: Settings) -> None:
    assert materialize_saas().success
    loaded = raw_fingerprint(sandbox.warehouse_path)
    world.advance(sandbox, 1)
    set_faults(sandbox.sandbox_url, FaultConfig(probability=1.0, kinds=("503",), retry_after=1))
    stripe = saas_source_assets()["stripe"]
    result = dg.materialize([stripe], resources={"dlt": DagsterDltResource()}, raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error
    assert "503" in str(failure.to_string())
    assert raw_fingerprint(sandbox.warehouse_path) == loaded
