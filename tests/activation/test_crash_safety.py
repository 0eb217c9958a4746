"""Crash safety: a sync killed (SIGKILL) at every checkpoint boundary and in the middle of a
batch loses nothing and re-sends at most the batch that was in flight.

Each case: 100 contacts already synced; 90 change and 10 are added; a sync in a child process
is killed at the chosen point; an ordinary run follows. Then every row is in HubSpot with its
latest value (read back from the fake's API), the fake's request log shows at most one batch
stored twice, and the runs account for every record.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
import requests

from platform_assets.activation import destinations, engine
from platform_assets.sandbox.server import request_log, reset_request_log
from platform_assets.settings import Settings
from tests.activation.conftest import FakeClock, contacts_spec, write_contacts
from tests.activation.crash_child import BATCH_SIZE

BATCHES = 4
CASES = [("checkpoint", n) for n in range(1, BATCHES + 1)] + [
    ("in_batch", n) for n in range(1, BATCHES + 1)
]


def _run(settings: Settings) -> engine.SyncResult:
    destination = destinations.connect("hubspot", "contacts", settings, {}, FakeClock())
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        return engine.run(con, contacts_spec(batch_size=BATCH_SIZE), destination)
    finally:
        con.close()
        destination.close()


def _hubspot_scores(settings: Settings) -> dict[str, str]:
    """Every contact's roundtrip_lead_score, read page by page from the fake HubSpot."""
    scores: dict[str, str] = {}
    after: str | None = None
    while True:
        response = requests.get(
            f"{settings.api_url('hubspot')}/crm/v3/objects/contacts",
            params={"limit": 100, "after": after, "properties": "email,roundtrip_lead_score"},
            headers={"Authorization": f"Bearer {settings.credential('hubspot')}"},
            timeout=10,
        )
        response.raise_for_status()
        body = response.json()
        for contact in body["results"]:
            scores[contact["properties"]["email"]] = contact["properties"].get(
                "roundtrip_lead_score"
            )
        after = (body.get("paging") or {}).get("next", {}).get("after")
        if not after:
            return scores


@pytest.mark.parametrize(("point", "n"), CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_a_killed_sync_resumes_without_losing_or_flooding_records(
    sandbox: Settings, world_home: Path, point: str, n: int
) -> None:
    emails = [f"crash{i}@example.com" for i in range(110)]
    write_contacts(sandbox.warehouse_path, [(e, 0.5, "Software") for e in emails[:100]])
    assert _run(sandbox).succeeded == 100
    write_contacts(
        sandbox.warehouse_path,
        [(e, 0.75, "Software") for e in emails[:90]]
        + [(e, 0.5, "Software") for e in emails[90:100]]
        + [(e, 0.25, "Retail") for e in emails[100:]],
    )
    reset_request_log(sandbox.sandbox_url)

    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.activation.crash_child",
            str(world_home),
            str(sandbox.sandbox_port),
            point,
            str(n),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -9, child.stderr[-2000:]
    resumed = _run(sandbox)

    # Every changed row is in the destination, with its latest value.
    scores = _hubspot_scores(sandbox)
    expected = {e: "0.75" for e in emails[:90]} | {e: "0.5" for e in emails[90:100]}
    expected |= {e: "0.25" for e in emails[100:]}
    assert {e: scores.get(e) for e in emails} == expected

    # At most the batch in flight arrived twice; a clean boundary duplicates nothing.
    stored = Counter(
        key
        for entry in request_log(sandbox.sandbox_url, "hubspot")["entries"]
        if entry["path"].endswith("/batch/upsert")
        for key in entry["written"]
    )
    assert set(stored) == set(emails[:90]) | set(emails[100:])
    twice = sorted(e for e, times in stored.items() if times == 2)
    assert max(stored.values()) <= 2
    if point == "checkpoint":
        assert twice == []
    else:
        assert len(twice) == BATCH_SIZE

    # Every record is accounted for, across the killed run and the one that resumed.
    con = duckdb.connect(str(sandbox.warehouse_path), read_only=True)
    runs = con.execute(
        """
        select status, added, changed, removed, added_succeeded + changed_succeeded,
            added_rejected + changed_rejected + added_invalid + changed_invalid
        from activation.sync_runs order by started_at
        """
    ).fetchall()
    con.close()
    initial, killed, last = runs
    assert killed[0] == "interrupted"
    assert (killed[1], killed[2]) == (10, 90)
    done_before_kill = BATCH_SIZE * (n if point == "checkpoint" else n - 1)
    assert killed[4] == done_before_kill
    assert last[0] == "succeeded"
    assert last[1] + last[2] + last[3] == 100 - done_before_kill
    assert last[4] + last[5] == last[1] + last[2] + last[3]
    assert resumed.succeeded == 100 - done_before_kill
