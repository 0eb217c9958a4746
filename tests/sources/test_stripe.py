"""Stripe end to end on a hand-made world: projection, fake API over real HTTP, dlt ingestion.

The world (``_CORE`` below) is small enough to count by hand. At the first clock, T0, it holds
1 product, 2 prices, customers for persons 1 and 2, subscriptions S1 (expanded) and S2 (churned),
6 invoices (inv4 and inv7 still open), 4 charges (inv1, inv2, inv3, inv5) and 1 refund. One day
later, T1, brings: S1 contracted, S3 new (person 4, a new customer), inv4 paid, inv6 created and
paid, inv7 uncollectible (so customer 2 turns delinquent): the incremental figures in the tests
follow from that list.
"""

from __future__ import annotations

import base64
import calendar
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import requests
from dlt.pipeline.exceptions import PipelineStepFailed

from platform_assets.ingestion.dlt_support import run_source
from platform_assets.ingestion.stripe import COLUMNS, make_source, stripe_assets
from platform_assets.sandbox.apis.stripe import API
from platform_assets.sandbox.faults import FaultConfig
from platform_assets.sandbox.server import (
    SandboxServer,
    clear_faults,
    request_log,
    set_faults,
)
from platform_assets.sandbox.world.sources import stripe as projection
from platform_assets.settings import DEFAULT_CREDENTIALS, Settings
from platform_assets.warehouse import connect
from tests.sources import harness

T0 = datetime(2026, 1, 31)
T1 = T0 + timedelta(days=1)
KEY = DEFAULT_CREDENTIALS["stripe"]

_CORE: dict[str, list[tuple]] = {
    "people": [
        # person_id, company_id, first, last, email, email_as_typed, title, country, seen, user, ch
        (1, 10, "Ada", "Lovelace", "ada@a.io", " Ada@A.io", "CTO", "GB", None, "u1", "email"),
        (2, 20, "Alan", "Turing", "alan@b.io", "alan@b.io", "CEO", "GB", None, "u2", "direct"),
        (3, 30, "Grace", "Hopper", "grace@c.io", "grace@c.io", "VP", "US", None, None, "video"),
        (4, 40, "Edsger", "Dijkstra", "ed@d.io", "ed@d.io", "Eng", "NL", None, "u4", "sms"),
    ],
    "prices": [
        # price_id, product_id, product_name, nickname, cents, currency, interval, count, created
        ("p_month", "prod_team", "Team", "Team monthly", 5000, "USD", "month", 1, "2025-01-01"),
        ("p_year", "prod_team", "Team", "Team annual", 50000, "USD", "year", 1, "2025-01-01"),
    ],
    "subscriptions": [
        # subscription_id, person_id, company_id, created_at, canceled_at, ended_at
        ("S1", 1, 10, "2025-11-01 10:00:00", None, None),
        ("S2", 2, 20, "2025-12-15 09:00:00", "2026-01-20 12:00:00", "2026-01-20 12:00:00"),
        ("S3", 4, 40, "2026-01-31 08:00:00", None, None),
    ],
    "subscription_versions": [
        # subscription_id, version, changed_at, change_type, status, price_id, quantity, item
        ("S1", 1, "2025-11-01 10:00:00", "new", "active", "p_month", 1, "I1"),
        ("S1", 2, "2026-01-10 00:00:00", "expansion", "active", "p_month", 3, "I1"),
        ("S1", 3, "2026-01-31 12:00:00", "contraction", "active", "p_month", 2, "I1"),
        ("S2", 1, "2025-12-15 09:00:00", "new", "active", "p_year", 1, "I2"),
        ("S2", 2, "2026-01-20 12:00:00", "churn", "canceled", "p_year", 1, "I2"),
        ("S3", 1, "2026-01-31 08:00:00", "new", "active", "p_month", 1, "I3"),
    ],
    "invoices": [
        # id, sub, person, created, period_start, period_end, due, paid, status, paid_at, price, q
        (
            "inv1",
            "S1",
            1,
            "2025-11-01 10:00:00",
            "2025-11-01",
            "2025-12-01",
            5000,
            5000,
            "paid",
            "2025-11-01 10:00:05",
            "p_month",
            1,
        ),
        (
            "inv2",
            "S1",
            1,
            "2025-12-01 10:00:00",
            "2025-12-01",
            "2026-01-01",
            5000,
            5000,
            "paid",
            "2025-12-01 10:00:04",
            "p_month",
            1,
        ),
        (
            "inv3",
            "S1",
            1,
            "2026-01-01 10:00:00",
            "2026-01-01",
            "2026-02-01",
            5000,
            5000,
            "paid",
            "2026-01-01 10:00:00",
            "p_month",
            1,
        ),
        (
            "inv4",
            "S1",
            1,
            "2026-01-10 00:00:00",
            "2026-01-10",
            "2026-02-01",
            10000,
            10000,
            "paid",
            "2026-01-31 06:00:00",
            "p_month",
            3,
        ),
        (
            "inv5",
            "S2",
            2,
            "2025-12-15 09:00:00",
            "2025-12-15",
            "2026-12-15",
            50000,
            50000,
            "paid",
            "2025-12-15 09:00:02",
            "p_year",
            1,
        ),
        (
            "inv6",
            "S3",
            4,
            "2026-01-31 08:00:00",
            "2026-01-31",
            "2026-02-28",
            5000,
            5000,
            "paid",
            "2026-01-31 08:00:03",
            "p_month",
            1,
        ),
        (
            "inv7",
            "S2",
            2,
            "2026-01-17 06:00:00",
            "2026-01-17",
            "2026-01-20",
            1000,
            0,
            "uncollectible",
            None,
            "p_year",
            1,
        ),
    ],
    "refunds": [("r1", "inv5", 20000, "2026-01-20 13:00:00", "requested_by_customer")],
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ROUNDTRIP_HOME whose world holds the hand-made core and its Stripe projection."""
    home = tmp_path_factory.mktemp("stripe_home")
    harness.make_world(home, _CORE, [projection.project], T0)
    return home


@pytest.fixture()
def server(world: Path) -> Iterator[SandboxServer]:
    srv = harness.serve(world, API)
    srv.store.set_clock(T0)
    try:
        yield srv
    finally:
        srv.store.set_clock(T0)
        srv.stop()


def get(server: SandboxServer, path: str, **params: object) -> requests.Response:
    return requests.get(
        f"{server.url}/stripe{path}",
        params=params,
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=10,
    )


def ids(body: dict) -> list[str]:
    return [obj["id"] for obj in body["data"]]


# --- projection -------------------------------------------------------------------------------
def test_projection_counts_versions_and_ids(world: Path) -> None:
    con = duckdb.connect(str(world / "sandbox" / "world.duckdb"), read_only=True)
    counts = {
        table: con.execute(
            f"select count(*), count(distinct id) from src_stripe.{table}"
        ).fetchone()
        for table in projection.TABLES
    }
    events = con.execute("select count(*), count(distinct id) from src_stripe.events").fetchone()
    prefixes = con.execute(
        "select distinct split_part(id, '_', 1) from src_stripe.customers"
        " union all select distinct split_part(id, '_', 1) from src_stripe.subscriptions"
    ).fetchall()
    con.close()
    # (versions, objects): customer 2 turns delinquent; S1 renews on 12-01 and 01-01 (S2 is
    # annual and churns first; the billing timeline ends before S3's first renewal); invoices
    # 1, 2, 4, 5, 6, 7 have two versions (inv3 was paid the second it was created); charge 5 is
    # refunded once.
    assert counts == {
        "customers": (4, 3),
        "products": (1, 1),
        "prices": (2, 2),
        "subscriptions": (8, 3),
        "invoices": (13, 7),
        "charges": (7, 6),
        "refunds": (1, 1),
    }
    assert events == (36, 36)
    assert sorted(p for (p,) in prefixes) == ["cus", "sub"]


def test_projection_is_deterministic(tmp_path: Path) -> None:
    dumps = []
    for name in ("a", "b"):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        harness.build_core(con, _CORE)
        projection.project(con)
        dumps.append(
            [
                con.execute(f"select * from src_stripe.{t}").fetchall()
                for t in (*projection.TABLES, "events")
            ]
        )
        con.close()
    assert dumps[0] == dumps[1]


# --- the fake API over HTTP -------------------------------------------------------------------
def test_auth_bearer_basic_and_refusal(server: SandboxServer) -> None:
    url = f"{server.url}/stripe/v1/customers"
    basic = base64.b64encode(f"{KEY}:".encode()).decode()
    assert requests.get(url, headers={"Authorization": f"Basic {basic}"}, timeout=10).ok
    refused = requests.get(url, timeout=10)
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "invalid_request_error"
    wrong = requests.get(url, headers={"Authorization": "Bearer sk_test_wrong"}, timeout=10)
    assert wrong.status_code == 401


def test_list_shape_pagination_and_clock(server: SandboxServer) -> None:
    first = get(server, "/v1/invoices", limit=4).json()
    assert first["object"] == "list" and first["url"] == "/v1/invoices"
    assert first["has_more"] is True and len(first["data"]) == 4
    rest = get(server, "/v1/invoices", limit=4, starting_after=first["data"][-1]["id"]).json()
    assert rest["has_more"] is False and len(rest["data"]) == 2  # 6 invoices exist at T0
    newest_first = [inv["created"] for inv in first["data"] + rest["data"]]
    assert newest_first == sorted(newest_first, reverse=True)
    back = get(server, "/v1/invoices", limit=4, ending_before=rest["data"][0]["id"]).json()
    assert ids(back) == ids(first)
    open_ones = get(server, "/v1/invoices", status="open").json()
    assert sorted(inv["amount_due"] for inv in open_ones["data"]) == [1000, 10000]

    server.store.set_clock(T1)
    assert len(get(server, "/v1/invoices", limit=100).json()["data"]) == 7
    assert get(server, "/v1/invoices", status="open").json()["data"] == []


def test_subscriptions_hide_canceled_and_embed_items(server: SandboxServer) -> None:
    default = get(server, "/v1/subscriptions").json()["data"]
    every = get(server, "/v1/subscriptions", status="all").json()["data"]
    assert [s["status"] for s in default] == ["active"]
    assert sorted(s["status"] for s in every) == ["active", "canceled"]
    (s1,) = default
    item = s1["items"]["data"][0]
    assert (s1["quantity"], item["quantity"], item["price"]["unit_amount"]) == (3, 3, 5000)
    items = get(server, "/v1/subscription_items", subscription=s1["id"]).json()
    assert ids(items) == [item["id"]]
    # The period containing T0 of a monthly plan started 2025-11-01 10:00.
    assert datetime.utcfromtimestamp(s1["current_period_start"]) == datetime(2026, 1, 1, 10)


def epoch(moment: datetime) -> int:
    return calendar.timegm(moment.timetuple())


def test_created_filters_retrieve_and_errors(server: SandboxServer) -> None:
    since = epoch(datetime(2025, 12, 10))
    recent = get(server, "/v1/charges", **{"created[gte]": since}).json()["data"]
    assert sorted(c["amount"] for c in recent) == [5000, 50000]  # inv3's and inv5's charges
    refunded = next(c for c in recent if c["amount"] == 50000)
    assert (refunded["amount_refunded"], refunded["refunded"]) == (20000, False)
    assert get(server, f"/v1/charges/{refunded['id']}").json() == refunded

    too_big = get(server, "/v1/customers", limit=101)
    assert too_big.status_code == 400 and too_big.json()["error"]["param"] == "limit"
    missing = get(server, "/v1/customers", starting_after="cus_nope").json()["error"]
    assert (missing["code"], missing["type"]) == ("resource_missing", "invalid_request_error")
    assert get(server, "/v1/customers/cus_nope").status_code == 404
    assert get(server, "/v1/subscription_items").status_code == 400


def test_events_carry_each_version(server: SandboxServer) -> None:
    types = ["invoice.created", "invoice.paid", "invoice.marked_uncollectible"]
    after = {"created[gt]": epoch(T0), "types[]": types, "limit": 100}
    assert get(server, "/v1/events", **after).json()["data"] == []
    server.store.set_clock(T1)
    events = get(server, "/v1/events", **after).json()
    kinds = sorted(event["type"] for event in events["data"])
    assert kinds == [
        "invoice.created",
        "invoice.marked_uncollectible",
        "invoice.paid",
        "invoice.paid",
    ]
    paid = [e["data"]["object"] for e in events["data"] if e["type"] == "invoice.paid"]
    assert all(inv["status"] == "paid" and inv["amount_remaining"] == 0 for inv in paid)
    wildcard = get(server, "/v1/events", type="customer.*", limit=100).json()["data"]
    # Stripe's wildcard is a prefix: customer.* includes customer.subscription.* too (S1's two
    # renewals among them).
    assert len(wildcard) == 4 + 8 and all(e["type"].startswith("customer.") for e in wildcard)


def walk(server: SandboxServer, path: str, **params: object) -> tuple[list[str], int]:
    """Every id of a list, two a page following ``starting_after``; (ids, pages)."""
    seen: list[str] = []
    pages = 0
    while True:
        cursor = {"starting_after": seen[-1]} if seen else {}
        response = get(server, path, limit=2, **params, **cursor)
        assert response.status_code == 200, response.text
        pages += 1
        seen.extend(ids(response.json()))
        if not response.json()["has_more"]:
            return seen, pages


def test_every_filtered_list_pages_past_page_one(server: SandboxServer) -> None:
    server.store.set_clock(T1)
    ada = get(server, "/v1/customers", email=" Ada@A.io").json()["data"][0]["id"]
    month = get(server, "/v1/prices", limit=100).json()["data"]
    product = month[0]["product"]
    monthly = next(p["id"] for p in month if p["recurring"]["interval"] == "month")
    invoice_types = ["invoice.created", "invoice.paid"]
    lists = [
        # (path, filters, objects the list holds at T1)
        ("/v1/subscriptions", {}, 2),  # S1 and S3: the default filter hides canceled S2
        ("/v1/subscriptions", {"status": "all"}, 3),
        ("/v1/subscriptions", {"price": monthly}, 2),
        ("/v1/customers", {"created[gte]": 0}, 3),
        ("/v1/prices", {"product": product}, 2),
        ("/v1/invoices", {"status": "paid"}, 6),
        ("/v1/invoices", {"customer": ada}, 4),
        ("/v1/charges", {"customer": ada}, 4),
        ("/v1/events", {"created[gt]": epoch(T0), "types[]": invoice_types}, 3),
        ("/v1/events", {"type": "invoice.*"}, 13),
    ]
    for path, filters, expected in lists:
        paged, pages = walk(server, path, **filters)
        whole = ids(get(server, path, limit=100, **filters).json())
        assert (len(paged), paged, pages) == (expected, whole, (expected + 1) // 2), (path, filters)


@pytest.mark.parametrize(
    ("path", "params", "param", "message"),
    [
        ("/v1/customers", {"limit": "ten"}, "limit", "Invalid integer: ten"),
        ("/v1/customers", {"limit": "0"}, "limit", "between 1 and 100"),
        ("/v1/customers", {"created[gte]": "yesterday"}, "created[gte]", "Invalid integer"),
        ("/v1/customers", {"created[lt]": "-99999999999999"}, "created[lt]", "Invalid integer"),
        ("/v1/customers", {"created[after]": "0"}, "created[after]", "unknown parameter"),
        ("/v1/subscriptions", {"status": "gone"}, "status", "Invalid status"),
        ("/v1/invoices", {"status": "gone"}, "status", "Invalid status"),
        ("/v1/events", {"starting_after": "evt_a", "ending_before": "evt_b"}, "ending_before",
         "only specify one"),
    ],
)  # fmt: skip
def test_malformed_requests_answer_400(
    server: SandboxServer, path: str, params: dict, param: str, message: str
) -> None:
    response = get(server, path, **params)
    error = response.json()["error"]
    assert (response.status_code, error["type"], error["param"]) == (
        400,
        "invalid_request_error",
        param,
    )
    assert message in error["message"]


def test_event_type_wildcard_is_only_the_star(server: SandboxServer) -> None:
    # LIKE's own wildcards are literal: "invoice_paid" is no event type, "inv%" no prefix.
    assert len(get(server, "/v1/events", type="invoice.paid").json()["data"]) == 3
    assert get(server, "/v1/events", type="invoice_paid").json()["data"] == []
    assert get(server, "/v1/events", type="inv%").json()["data"] == []


def test_subscriptions_renew_each_period(server: SandboxServer) -> None:
    # Between S1's first renewal (12-01 10:00) and its expansion: the period is December's.
    server.store.set_clock(datetime(2025, 12, 20))
    subscriptions = get(server, "/v1/subscriptions").json()["data"]
    (s1,) = [s for s in subscriptions if s["created"] == epoch(datetime(2025, 11, 1, 10))]
    period = (s1["current_period_start"], s1["current_period_end"])
    assert period == (epoch(datetime(2025, 12, 1, 10)), epoch(datetime(2026, 1, 1, 10)))
    server.store.set_clock(T0)
    renewals = get(server, "/v1/events", type="customer.subscription.updated").json()["data"]
    periods = [
        (e["created"], e["data"]["object"]["current_period_start"], e["data"]["object"]["quantity"])
        for e in renewals
    ]
    assert periods == [
        (epoch(datetime(2026, 1, 10)), epoch(datetime(2026, 1, 1, 10)), 3),  # the expansion
        (epoch(datetime(2026, 1, 1, 10)), epoch(datetime(2026, 1, 1, 10)), 1),
        (epoch(datetime(2025, 12, 1, 10)), epoch(datetime(2025, 12, 1, 10)), 1),
    ]


# --- ingestion into a temporary warehouse ----------------------------------------------------
RAW_TABLES = (
    "charge",
    "customer",
    "invoice",
    "invoice_line_item",
    "price",
    "product",
    "refund",
    "subscription_history",
    "subscription_item",
)
AT_T0 = {
    "charge": 4,
    "customer": 2,
    "invoice": 6,
    "invoice_line_item": 6,
    "price": 2,
    "product": 1,
    "refund": 1,
    "subscription_history": 2,
    "subscription_item": 2,
}
# T1 adds: charges of inv4 and inv6, customer 4, inv6 (+ its line), S1's contraction and S3 as
# new history rows, and S3's item.
AT_T1 = {
    **AT_T0,
    "charge": 6,
    "customer": 3,
    "invoice": 7,
    "invoice_line_item": 7,
    "subscription_history": 4,
    "subscription_item": 3,
}


def counts(settings: Settings) -> dict[str, int]:
    return harness.row_counts(settings, "raw_stripe", RAW_TABLES)


def snapshot(settings: Settings) -> dict[str, list[tuple]]:
    """Every raw row without the bookkeeping columns that differ between runs."""
    return harness.snapshot(settings, "raw_stripe", RAW_TABLES, exclude=harness.RUN_STAMPS)


def load(server: SandboxServer, settings: Settings) -> tuple[int, int]:
    """Run the Stripe source once; returns (requests, rows) the API served for it."""
    log = harness.load(settings, server, "stripe", make_source)
    return log["requests"], log["rows"]


def test_incremental_load_rerun_and_advance(server: SandboxServer, tmp_path: Path) -> None:
    settings = harness.warehouse_settings(tmp_path, server)
    # First run per table: 1 "newest event" request + one list page; rows = 9 + 26 objects.
    assert load(server, settings) == (18, 9 + 26)
    assert counts(settings) == AT_T0
    first = snapshot(settings)

    assert load(server, settings) == (9, 0)  # one empty /v1/events request per table
    assert snapshot(settings) == first

    server.store.set_clock(T1)
    # Events since T0: customers 2, subscriptions 2 (x2 tables), invoices 4, line items 1
    # (invoice.created only), charges 2.
    assert load(server, settings) == (9, 2 + 2 * 2 + 4 + 1 + 2)
    assert counts(settings) == AT_T1
    with connect(settings, read_only=True) as con:
        delinquent = con.execute(
            "select email, delinquent from raw_stripe.customer order by email"
        ).fetchall()
        s1 = con.execute(
            "select quantity, _fivetran_start from raw_stripe.subscription_history"
            " where customer_id = (select id from raw_stripe.customer where email = ' Ada@A.io')"
            " order by _fivetran_start"
        ).fetchall()
        invoices = con.execute(
            "select status, count(*), sum(amount_paid) from raw_stripe.invoice group by 1"
        ).fetchall()
    assert delinquent == [(" Ada@A.io", False), ("alan@b.io", True), ("ed@d.io", False)]
    # S1 at the first load (as of the newest subscription event then), then its contraction.
    assert s1 == [(3, datetime(2026, 1, 20, 12)), (2, datetime(2026, 1, 31, 12))]
    assert sorted(invoices) == [("paid", 6, 80000), ("uncollectible", 1, 0)]
    assert load(server, settings) == (9, 0)


def test_faults_end_identical_to_a_clean_run(server: SandboxServer, tmp_path: Path) -> None:
    clean = harness.warehouse_settings(tmp_path / "clean", server)
    load(server, clean)
    faulty = harness.warehouse_settings(tmp_path / "faulty", server)
    set_faults(server.url, FaultConfig(probability=0.2, kinds=("429", "500", "503"), seed=7))
    try:
        load(server, faulty)
        faults = request_log(server.url, "stripe")["apis"]["stripe"]["faults"]
    finally:
        clear_faults(server.url)
    assert sum(faults.values()) > 0
    assert snapshot(faulty) == snapshot(clean)


def test_exhausted_retries_fail_clearly_and_write_nothing(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = harness.warehouse_settings(tmp_path, server)
    load(server, settings)
    before = snapshot(settings)
    server.store.set_clock(T1)
    set_faults(server.url, FaultConfig(probability=1.0, kinds=("500",)))
    harness.fail_fast(monkeypatch)
    try:
        with pytest.raises(PipelineStepFailed, match="500 Server Error"):
            run_source(settings, "stripe", make_source)
    finally:
        clear_faults(server.url)
    assert snapshot(settings) == before
    # The cursors did not move: the next run fetches exactly the changes since T0.
    assert load(server, settings) == (9, 13)
    assert counts(settings) == AT_T1


def test_assets_are_keyed_raw_stripe_table() -> None:
    assert {tuple(key.path) for key in stripe_assets.keys} == {
        ("raw", "stripe", table) for table in RAW_TABLES
    }
    assert set(COLUMNS) == set(RAW_TABLES)


# --- dbt staging ------------------------------------------------------------------------------
def test_dbt_staging_builds_and_converts_cents(server: SandboxServer, tmp_path: Path) -> None:
    settings = harness.warehouse_settings(tmp_path, server)
    load(server, settings)
    server.store.set_clock(T1)
    load(server, settings)  # staging must read a warehouse that has been updated incrementally
    result = harness.dbt_build(
        ["staging.stripe", "source:stripe"], settings.warehouse_path, tmp_path
    )
    assert result.returncode == 0, result.stdout[-3000:]
    with connect(settings, read_only=True) as con:
        paid = con.execute(
            "select sum(amount_paid) from staging.stg_stripe__invoice where is_paid"
        ).fetchone()
        s1 = con.execute(
            "select quantity, status from staging.stg_stripe__subscription"
            " where valid_from = '2026-01-31 12:00:00'"
        ).fetchall()
        users = con.execute(
            "select user_id, email_normalized from staging.stg_stripe__customer order by 1"
        ).fetchall()
    assert paid == (Decimal("800.00"),)
    assert s1 == [(2, "active")]
    assert users == [("u1", "ada@a.io"), ("u2", "alan@b.io"), ("u4", "ed@d.io")]
