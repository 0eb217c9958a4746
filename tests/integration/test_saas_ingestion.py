"""Every SaaS source at once, over real HTTP against the sandbox: incremental, idempotent, and
indifferent to a flaky API."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from dagster_dlt import DagsterDltResource

from bench.run import saas_source_assets
from platform_assets.ingestion import dlt_support
from platform_assets.sandbox import world
from platform_assets.sandbox.faults import FaultConfig
from platform_assets.sandbox.server import (
    clear_faults,
    request_log,
    reset_request_log,
    set_faults,
)
from platform_assets.settings import Settings, load_settings
from tests.integration.raw_tables import EXPECTED_RAW_TABLES
from tests.integration.warehouse_snapshot import raw_fingerprint, raw_rows


def materialize_saas() -> dg.ExecuteInProcessResult:
    return dg.materialize(
        list(saas_source_assets().values()),
        resources={"dlt": DagsterDltResource()},
        raise_on_error=False,
    )


# Lists the real APIs cannot filter by modification time: every sync re-reads them in full (as
# Fivetran does) and rewrites nothing when nothing changed.
UNFILTERABLE_LISTS = {
    ("hubspot", "/crm/v3/owners"),
    ("hubspot", "/crm/v3/pipelines/deals"),
    # archived=true lists (deletions); the tiny world always has merged-away contacts
    ("hubspot", "/crm/v3/objects/contacts"),
    ("hubspot", "/crm/v3/objects/companies"),
    ("hubspot", "/crm/v3/objects/deals"),
}
# Endpoints whose only filter is "modified at or after": an exact connector asks from its
# cursor's own instant, so a re-run is served the few records stamped at that instant again.
INCLUSIVE_CURSORS = {
    ("hubspot", "/engagements/v1/engagements/recent/modified"),
    ("hubspot", "/marketing/v3/emails"),
    ("hubspot", "/email/public/v1/events"),
}
AT_CURSOR_LIMIT = 5


def another_warehouse(monkeypatch: pytest.MonkeyPatch, home: Path) -> Settings:
    """Point the assets at a second ROUNDTRIP_HOME (its own warehouse and dlt state) that loads
    from the same running sandbox."""
    monkeypatch.setenv("ROUNDTRIP_HOME", str(home))
    settings = load_settings()
    settings.ensure_home()
    return settings


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


# Raw tables that hold current state (merged on their key): an incremental history of loads must
# end exactly where one fresh load of the same world does. The others keep every version they saw
# (history-mode tables, ad reports restated as conversions arrive), so a fresh load is a subset.
CURRENT_STATE_TABLES = (
    "raw_hubspot.contact",
    "raw_stripe.customer",
    "raw_stripe.invoice",
    "raw_stripe.charge",
    "raw_stripe.refund",
    "raw_zendesk.ticket",
    "raw_zendesk.user",
    "raw_zendesk.organization",
    "raw_amplitude.event",
    "raw_hubspot.company",
    "raw_hubspot.deal",
    "raw_hubspot.owner",
    "raw_hubspot.email_event",
    "raw_google_sheets.marketing_budget",
    "raw_google_sheets.targets",
    "raw_google_sheets.channel_mapping",
)


def on_common_columns(
    left: set[tuple[str, ...]], right: set[tuple[str, ...]]
) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """Both row sets restricted to the columns both tables have (a column dlt created on one
    side only, because only that side ever saw a value for it, is not a difference in data)."""

    def columns(rows: set[tuple[str, ...]]) -> set[str]:
        return {cell.split("=", 1)[0] for row in rows for cell in row}

    common = columns(left) & columns(right)

    def project(rows: set[tuple[str, ...]]) -> set[frozenset[str]]:
        return {frozenset(c for c in row if c.split("=", 1)[0] in common) for row in rows}

    return project(left), project(right)


def test_rerun_fetches_nothing_and_advance_fetches_only_changes(
    sandbox: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    reserved = {key: n for key, n in rerun.items() if n and key not in UNFILTERABLE_LISTS}
    assert {key: n for key, n in reserved.items() if key not in INCLUSIVE_CURSORS} == {}
    assert all(n <= AT_CURSOR_LIMIT for n in reserved.values()), reserved
    assert raw_fingerprint(sandbox.warehouse_path) == loaded

    reset_request_log(url)
    world.advance(sandbox, 1)
    assert materialize_saas().success
    fetched = rows_by_api(request_log(url))
    assert 0 < sum(fetched.values()) < sum(initial.values()) / 5, (fetched, initial)
    after = raw_fingerprint(sandbox.warehouse_path)
    for table, (rows, _) in loaded.items():
        assert after[table][0] >= rows, f"{table} lost rows after an incremental load"

    # One fresh load of the advanced world, into another warehouse, is what increments add up to.
    incremental = raw_rows(sandbox.warehouse_path)
    fresh_settings = another_warehouse(monkeypatch, tmp_path / "fresh")
    assert materialize_saas().success
    fresh = raw_rows(fresh_settings.warehouse_path)
    assert set(fresh) <= set(incremental)
    for table, rows in fresh.items():
        fresh_rows, incremental_rows = on_common_columns(rows, incremental[table])
        missing = fresh_rows - incremental_rows
        assert not missing, (
            f"{table}: increments missed {len(missing)} rows, e.g. {next(iter(missing))}"
        )
        if table in CURRENT_STATE_TABLES:
            assert incremental_rows == fresh_rows, f"{table}: increments hold stale rows"


def test_faulty_api_leaves_the_same_warehouse_as_a_clean_one(
    sandbox: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert materialize_saas().success
    clean = raw_fingerprint(sandbox.warehouse_path)

    # A second warehouse (and dlt state) loading the same world while 20% of requests fail.
    flaky = another_warehouse(monkeypatch, tmp_path / "flaky")
    set_faults(
        sandbox.sandbox_url,
        FaultConfig(probability=0.2, kinds=("429", "500", "502", "503"), retry_after=1, seed=3),
    )
    reset_request_log(sandbox.sandbox_url)
    assert materialize_saas().success
    log = request_log(sandbox.sandbox_url)
    assert sum(sum(t["faults"].values()) for t in log["apis"].values()) > 0
    assert raw_fingerprint(flaky.warehouse_path) == clean


def test_a_run_that_dies_midway_is_caught_up_by_the_next_one(
    sandbox: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert materialize_saas().success
    clean = raw_fingerprint(sandbox.warehouse_path)

    interrupted = another_warehouse(monkeypatch, tmp_path / "interrupted")
    # Retries run out quickly, and a third of the requests fail: runs die partway through.
    with monkeypatch.context() as patch:
        patch.setitem(dlt_support.RETRY_CONFIG, "runtime.request_max_attempts", 1)
        patch.setitem(dlt_support.RETRY_CONFIG, "runtime.request_backoff_factor", 0)
        set_faults(
            sandbox.sandbox_url,
            FaultConfig(probability=0.35, kinds=("500", "503"), retry_after=1, seed=11),
        )
        failed = materialize_saas()
        clear_faults(sandbox.sandbox_url)
    assert not failed.success
    errors = [event.event_specific_data.error for event in failed.get_step_failure_events()]
    assert any(("500" in e.to_string() or "503" in e.to_string()) for e in errors)

    assert materialize_saas().success
    assert raw_fingerprint(interrupted.warehouse_path) == clean
