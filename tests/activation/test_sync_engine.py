"""The sync engine end to end against the sandbox's fake HubSpot, on a real DuckDB warehouse.

Counting is done from both sides: ``activation.sync_runs`` / ``sync_record_errors`` in the
warehouse, and the fake's request log (which records what each write stored).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import duckdb
import pytest

from platform_assets.activation import destinations, engine
from platform_assets.activation.engine import SyncError, SyncResult
from platform_assets.activation.spec import SyncSpec
from platform_assets.sandbox.server import request_log, reset_request_log, set_faults
from platform_assets.settings import Settings
from tests.activation.conftest import FakeClock, contacts_spec, write_contacts


def _sync(settings: Settings, spec: SyncSpec, **kwargs: Any) -> SyncResult:
    destination = destinations.connect(
        spec.destination, spec.object, settings, spec.destination_options, FakeClock()
    )
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        return engine.run(con, spec, destination, **kwargs)
    finally:
        con.close()
        destination.close()


def _query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _writes(settings: Settings) -> list[dict[str, Any]]:
    """The fake HubSpot's write requests (batch upsert/update/archive), oldest first."""
    entries = request_log(settings.sandbox_url, "hubspot")["entries"]
    return [e for e in entries if e["method"] == "POST" and "/batch/" in e["path"]]


def _contacts(n: int, score: float = 0.5, start: int = 0) -> list[tuple[str, float, str]]:
    return [(f"person{i}@example.com", score, "Software") for i in range(start, start + n)]


def _accounted(result: SyncResult) -> bool:
    return result.succeeded + result.rejected + result.invalid == (
        result.added + result.changed + result.removed
    )


def test_a_poison_record_is_isolated_retried_then_given_up_but_kept_visible(
    sandbox: Settings,
) -> None:
    spec = contacts_spec(batch_size=10, max_attempts=3)
    rows = _contacts(9)
    rows.insert(4, ("not-an-email", 0.9, "Retail"))
    write_contacts(sandbox.warehouse_path, rows)

    first = _sync(sandbox, spec)
    assert (first.added, first.succeeded, first.rejected) == (10, 9, 1)
    assert _accounted(first)
    errors = _query(
        sandbox,
        "select record_key, kind, attempts, retriable, error from activation.sync_record_errors",
    )
    assert len(errors) == 1
    key, kind, attempts, retriable, message = errors[0]
    assert (key, kind, attempts, retriable) == ("not-an-email", "rejected", 1, False)
    assert "INVALID_EMAIL" in message  # HubSpot's own words
    stored = Counter(k for w in _writes(sandbox) for k in w["written"])
    assert set(stored) == {r[0] for r in rows if r[0] != "not-an-email"}

    reset_request_log(sandbox.sandbox_url)
    second = _sync(sandbox, spec)
    assert (second.added, second.succeeded, second.rejected) == (1, 0, 1)
    third = _sync(sandbox, spec)
    assert third.rejected == 1
    assert _query(sandbox, "select kind, attempts from activation.sync_record_errors") == [
        ("given_up", 3)
    ]
    reset_request_log(sandbox.sandbox_url)
    fourth = _sync(sandbox, spec)
    assert (fourth.added, fourth.given_up) == (0, 1)
    assert _writes(sandbox) == []  # no longer sent
    # Its values change: it is tried again (with the latest values).
    rows[4] = ("not-an-email", 0.1, "Retail")
    write_contacts(sandbox.warehouse_path, rows)
    fifth = _sync(sandbox, spec)
    assert (fifth.added, fifth.rejected, fifth.given_up) == (1, 1, 0)


def test_replaying_a_finished_run_sends_nothing_and_a_dry_run_counts_what_a_run_sends(
    sandbox: Settings,
) -> None:
    spec = contacts_spec(batch_size=25)
    write_contacts(sandbox.warehouse_path, _contacts(60) + [(None, 0.1, "x"), ("dup@x.io", 1, "a")])
    first = _sync(sandbox, spec)
    assert (first.added, first.succeeded, first.invalid) == (62, 61, 1)  # the null key
    # dup@x.io gets a twin (both rows invalid, counted as changed: it was sent before)
    rows = _contacts(60, score=0.5) + [(None, 0.1, "x"), ("dup@x.io", 1, "a"), ("dup@x.io", 2, "b")]
    rows[:20] = _contacts(20, score=0.75)  # 20 changed
    rows += _contacts(5, start=100)  # 5 added
    write_contacts(sandbox.warehouse_path, rows)

    reset_request_log(sandbox.sandbox_url)
    dry = _sync(sandbox, spec, dry_run=True)
    assert _writes(sandbox) == []
    assert dry.status == "dry_run"
    real = _sync(sandbox, spec)
    counts = ("added", "changed", "removed", "invalid")
    assert {c: getattr(dry, c) for c in counts} == {c: getattr(real, c) for c in counts}
    assert (real.added, real.changed, real.invalid, real.succeeded) == (6, 22, 3, 25)
    assert _accounted(real)

    reset_request_log(sandbox.sandbox_url)
    replay = _sync(sandbox, spec)
    assert (replay.succeeded, replay.batches) == (0, 0)
    assert _writes(sandbox) == []


def test_a_missing_mapped_column_fails_before_any_request(sandbox: Settings) -> None:
    write_contacts(sandbox.warehouse_path, _contacts(3))
    spec = contacts_spec(
        mapping={"email": "email", "roundtrip_lead_score": "score", "industry": "sector"}
    )
    reset_request_log(sandbox.sandbox_url)
    with pytest.raises(SyncError, match="has no column.s. score, sector"):
        _sync(sandbox, spec)
    assert request_log(sandbox.sandbox_url)["requests"] == 0


def test_mirror_deletes_at_most_the_cap_and_defers_the_rest(sandbox: Settings) -> None:
    write_contacts(sandbox.warehouse_path, _contacts(12))
    probe = destinations.connect("hubspot", "contacts", sandbox, {}, FakeClock())
    portal = probe.count() + 12  # the contacts this sync is about to create
    probe.close()
    share = 3.5 / portal  # room for three deletes this run
    spec = contacts_spec(mode="mirror", max_delete_share=share)
    assert _sync(sandbox, spec).succeeded == 12

    write_contacts(sandbox.warehouse_path, _contacts(4))  # 8 left the model
    reset_request_log(sandbox.sandbox_url)
    first = _sync(sandbox, spec)
    assert (first.removed, first.deferred) == (math.floor(share * portal), 5)
    assert first.counts["removed_succeeded"] == 3
    archived = [k for w in _writes(sandbox) if w["path"].endswith("archive") for k in w["written"]]
    assert len(archived) == 3
    second = _sync(sandbox, replace_share(spec, 1.0))
    assert (second.removed, second.deferred) == (5, 0)
    assert _query(sandbox, f"select count(*) from {snapshot(spec)}") == [(4,)]


def replace_share(spec: SyncSpec, share: float) -> SyncSpec:
    from dataclasses import replace

    return replace(spec, max_delete_share=share)


def snapshot(spec: SyncSpec) -> str:
    from platform_assets.activation.state import snapshot_table

    return snapshot_table(spec.name)


def test_a_mapping_change_resyncs_everything_and_deletes_nothing(sandbox: Settings) -> None:
    write_contacts(sandbox.warehouse_path, _contacts(8))
    spec = contacts_spec(mode="mirror", max_delete_share=1.0)
    _sync(sandbox, spec)
    write_contacts(sandbox.warehouse_path, _contacts(5))  # 3 gone from the model
    remapped = contacts_spec(
        mode="mirror",
        max_delete_share=1.0,
        mapping={"email": "email", "roundtrip_lead_score": "lead_score"},
    )
    reset_request_log(sandbox.sandbox_url)
    resync = _sync(sandbox, remapped)
    assert resync.full_resync
    assert (resync.changed, resync.removed, resync.succeeded) == (5, 0, 5)
    assert not [w for w in _writes(sandbox) if w["path"].endswith("archive")]
    after = _sync(sandbox, remapped)  # the mapping is settled: an ordinary run again
    assert not after.full_resync and after.removed == 3


def test_update_mode_rejects_contacts_hubspot_does_not_have(sandbox: Settings) -> None:
    write_contacts(sandbox.warehouse_path, _contacts(3))
    spec = contacts_spec(mode="update")
    result = _sync(sandbox, spec)
    assert (result.succeeded, result.rejected) == (0, 3)
    errors = _query(sandbox, "select error, retriable from activation.sync_record_errors")
    assert all("OBJECT_NOT_FOUND" in e and not r for e, r in errors)


def test_timeouts_after_hubspot_committed_do_not_duplicate_contacts(sandbox: Settings) -> None:
    write_contacts(sandbox.warehouse_path, _contacts(400))
    probe = destinations.connect("hubspot", "contacts", sandbox, {}, FakeClock())
    before = probe.count()
    set_faults(
        sandbox.sandbox_url,
        {"probability": 0.5, "kinds": ["lost_response"], "apis": ["hubspot"], "seed": 3},
    )
    result = _sync(sandbox, contacts_spec(batch_size=50))
    set_faults(sandbox.sandbox_url, {})
    assert (result.succeeded, result.rejected) == (400, 0)
    stored = Counter(k for w in _writes(sandbox) for k in w["written"])
    assert max(stored.values()) >= 2  # some batches did arrive twice...
    assert probe.count() == before + 400  # ...and created each contact once
    probe.close()


def test_a_paused_sync_sends_nothing(sandbox: Settings) -> None:
    write_contacts(sandbox.warehouse_path, _contacts(3))
    reset_request_log(sandbox.sandbox_url)
    result = _sync(sandbox, contacts_spec(paused=True))
    assert result.status == "paused"
    assert request_log(sandbox.sandbox_url)["requests"] == 0
    assert _query(sandbox, "select status from activation.sync_runs") == [("paused",)]


def test_a_run_stopped_by_any_other_error_is_recorded_as_failed(sandbox: Settings) -> None:
    write_contacts(sandbox.warehouse_path, _contacts(30))

    def stop_after_first_batch(n: int) -> None:
        raise RuntimeError("operator pressed stop")

    with pytest.raises(RuntimeError, match="operator pressed stop"):
        _sync(sandbox, contacts_spec(batch_size=10), on_checkpoint=stop_after_first_batch)
    assert _query(
        sandbox, "select status, added_succeeded, pending, error from activation.sync_runs"
    ) == [("failed", 10, 20, "RuntimeError: operator pressed stop")]
    resumed = _sync(sandbox, contacts_spec(batch_size=10))
    assert (resumed.added, resumed.succeeded) == (20, 20)
