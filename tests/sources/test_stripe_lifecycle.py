"""Stripe over time on a second hand-made world: renewals, a reactivation, history mode, deletes.

One person (Ada) subscribes monthly to R1 on 2025-10-01, churns on 11-15 and comes back on
12-10. Stripe cannot revive a canceled subscription: the comeback is a second subscription with
its own id, start and billing anchor, while the first stays canceled. Renewals: the first on
11-01, the second on 2026-01-10 (the billing timeline ends with the invoice of 01-10).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import requests

from platform_assets.ingestion.stripe import ACTIVE_END, make_source
from platform_assets.sandbox.apis.stripe import API
from platform_assets.sandbox.server import SandboxServer
from platform_assets.sandbox.world.sources import stripe as projection
from platform_assets.settings import DEFAULT_CREDENTIALS, Settings
from tests.sources import harness

KEY = DEFAULT_CREDENTIALS["stripe"]
OCT_15, NOV_20, JAN_20 = datetime(2025, 10, 15), datetime(2025, 11, 20), datetime(2026, 1, 20)
MS = timedelta(milliseconds=1)


def _invoice(key: str, created: str, start: str, end: str) -> tuple:
    return (key, "R1", 1, created, start, end, 5000, 5000, "paid", created, "p_month", 1)


_CORE: dict[str, list[tuple]] = {
    "people": [(1, 10, "Ada", "Lovelace", "ada@a.io", "ada@a.io", "CTO", "GB", None, "u1", "sms")],
    "prices": [
        ("p_month", "prod_team", "Team", "Team monthly", 5000, "USD", "month", 1, "2025-01-01")
    ],
    # The core's own cancel/end times are the final churn's: R1 ends active, so none.
    "subscriptions": [("R1", 1, 10, "2025-10-01 00:00:00", None, None)],
    "subscription_versions": [
        ("R1", 1, "2025-10-01 00:00:00", "new", "active", "p_month", 1, "I1"),
        ("R1", 2, "2025-11-15 00:00:00", "churn", "canceled", "p_month", 1, "I1"),
        ("R1", 3, "2025-12-10 00:00:00", "reactivation", "active", "p_month", 1, "I1"),
    ],
    "invoices": [
        _invoice("inv1", "2025-10-01 00:00:00", "2025-10-01", "2025-11-01"),
        _invoice("inv2", "2025-11-01 00:00:00", "2025-11-01", "2025-12-01"),
        _invoice("inv3", "2025-12-10 00:00:00", "2025-12-10", "2026-01-10"),
        _invoice("inv4", "2026-01-10 00:00:00", "2026-01-10", "2026-02-10"),
    ],
}  # fmt: skip


def epoch(moment: datetime) -> int:
    return calendar.timegm(moment.timetuple())


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[SandboxServer]:
    """A fresh world per test (one test edits it), served at OCT_15."""
    harness.make_world(tmp_path / "world", _CORE, [projection.project], OCT_15)
    with harness.serve(tmp_path / "world", API) as running:
        yield running


def get(server: SandboxServer, path: str, **params: object) -> requests.Response:
    return requests.get(
        f"{server.url}/stripe{path}",
        params=params,
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=10,
    )


def load(server: SandboxServer, settings: Settings) -> tuple[int, int]:
    log = harness.load(settings, server, "stripe", make_source)
    return log["requests"], log["rows"]


def test_reactivation_is_a_new_subscription(server: SandboxServer) -> None:
    server.store.set_clock(JAN_20)
    (current,) = get(server, "/v1/subscriptions").json()["data"]
    everything = get(server, "/v1/subscriptions", status="all").json()["data"]
    (old,) = [s for s in everything if s["id"] != current["id"]]
    assert (old["status"], old["created"], old["canceled_at"], old["ended_at"]) == (
        "canceled",
        epoch(datetime(2025, 10, 1)),
        epoch(datetime(2025, 11, 15)),
        epoch(datetime(2025, 11, 15)),
    )
    assert (current["status"], current["created"], current["canceled_at"]) == (
        "active",
        epoch(datetime(2025, 12, 10)),
        None,
    )
    # Its own anchor: renewed on 01-10, so the period is 01-10 → 02-10; its own item too.
    assert (current["current_period_start"], current["current_period_end"]) == (
        epoch(datetime(2026, 1, 10)),
        epoch(datetime(2026, 2, 10)),
    )
    assert current["items"]["data"][0]["id"] != old["items"]["data"][0]["id"]
    assert current["customer"] == old["customer"]
    invoices = get(server, "/v1/invoices", limit=100).json()["data"]
    by_period = sorted((i["period_start"], i["subscription"]) for i in invoices)
    assert [sub for _, sub in by_period] == [old["id"], old["id"], current["id"], current["id"]]
    events = get(server, "/v1/events", type="customer.subscription.*").json()["data"]
    assert sorted((e["created"], e["type"], e["data"]["object"]["id"]) for e in events) == [
        (epoch(datetime(2025, 10, 1)), "customer.subscription.created", old["id"]),
        (epoch(datetime(2025, 11, 1)), "customer.subscription.updated", old["id"]),
        (epoch(datetime(2025, 11, 15)), "customer.subscription.deleted", old["id"]),
        (epoch(datetime(2025, 12, 10)), "customer.subscription.created", current["id"]),
        (epoch(datetime(2026, 1, 10)), "customer.subscription.updated", current["id"]),
    ]


def history(settings: Settings) -> list[tuple]:
    return harness.query(
        settings,
        "select id, _fivetran_start, _fivetran_end, _fivetran_active, status,"
        " current_period_start from raw_stripe.subscription_history order by all",
    )


def test_history_mode_keeps_fivetran_active_and_end(server: SandboxServer, tmp_path: Path) -> None:
    settings = harness.warehouse_settings(tmp_path / "warehouse", server)
    load(server, settings)
    (old,) = {row[0] for row in history(settings)}
    start = datetime(2025, 10, 1)
    assert history(settings) == [(old, start, ACTIVE_END, True, "active", start)]

    server.store.set_clock(NOV_20)
    load(server, settings)
    renewed, churned = datetime(2025, 11, 1), datetime(2025, 11, 15)
    assert history(settings) == [
        (old, start, renewed - MS, False, "active", start),  # the stored row, ended
        (old, renewed, churned - MS, False, "active", renewed),
        (old, churned, ACTIVE_END, True, "canceled", renewed),
    ]

    server.store.set_clock(JAN_20)
    load(server, settings)
    rows = history(settings)
    (new,) = {row[0] for row in rows} - {old}
    back, renewed_again = datetime(2025, 12, 10), datetime(2026, 1, 10)
    assert [row for row in rows if row[0] == new] == [
        (new, back, renewed_again - MS, False, "active", back),
        (new, renewed_again, ACTIVE_END, True, "active", renewed_again),
    ]
    assert [row for row in rows if row[0] == old] == [
        (old, start, renewed - MS, False, "active", start),
        (old, renewed, churned - MS, False, "active", renewed),
        (old, churned, ACTIVE_END, True, "canceled", renewed),
    ]
    before = harness.snapshot(settings, "raw_stripe", ["subscription_history"], harness.RUN_STAMPS)
    assert load(server, settings) == (9, 0)
    assert (
        harness.snapshot(settings, "raw_stripe", ["subscription_history"], harness.RUN_STAMPS)
        == before
    )

    result = harness.dbt_build(
        ["staging.stripe", "source:stripe"],
        settings.warehouse_path,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    staged = harness.query(
        settings, "select subscription_id, status from staging.stg_stripe__subscription order by 2"
    )
    assert staged == [(new, "active"), (old, "canceled")]


def _delete_in_cursor_second(world: Path, customer: str) -> None:
    """Stripe deletes ``customer`` in the very second of the event the last run ended on, after
    that run read it: a new version (as it was, which ``customer.deleted`` carries) and its
    event, whose id sorts after every other event of that second (Stripe's list order)."""
    with duckdb.connect(str(world)) as con:
        con.execute(
            "insert into src_stripe.customers select * replace (_version + 1 as _version,"
            " 'customer.deleted' as _event_type) from src_stripe.customers where id = ?",
            [customer],
        )
        con.execute(
            "insert into src_stripe.events select 'evt_zzzzzzzzzzzzzzzzzzzzzzzz', id, _version,"
            " 'customers', _event_type, _valid_from from src_stripe.customers"
            " where id = ? and _event_type = 'customer.deleted'",
            [customer],
        )


def test_events_in_the_cursor_second_are_not_skipped_and_deletes_land(
    server: SandboxServer, tmp_path: Path
) -> None:
    settings = harness.warehouse_settings(tmp_path / "warehouse", server)
    load(server, settings)
    (customer,) = harness.query(settings, "select id, is_deleted from raw_stripe.customer")
    assert customer[1] is False
    server.stop()
    _delete_in_cursor_second(tmp_path / "world" / "sandbox" / "world.duckdb", customer[0])
    with harness.serve(tmp_path / "world", API) as restarted:
        settings = harness.warehouse_settings(tmp_path / "warehouse", restarted)
        # Same clock: only the deletion is new (a created[gt] cursor would skip it).
        assert load(restarted, settings) == (9, 1)
        assert harness.query(settings, "select id, is_deleted from raw_stripe.customer") == [
            (customer[0], True)
        ]
        assert get(restarted, "/v1/customers").json()["data"] == []
        assert get(restarted, f"/v1/customers/{customer[0]}").json() == {
            "id": customer[0],
            "object": "customer",
            "deleted": True,
        }
        assert load(restarted, settings) == (9, 0)
