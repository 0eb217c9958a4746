"""Lead scoring over hand-made warehouses: point-in-time features that no future row can
change, the label window, the population, and both assets materialized end to end.

The warehouse tables carry only the columns the feature SQL reads, typed as dbt builds them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from platform_assets.analytics.lead_scoring import features
from platform_assets.analytics.lead_scoring.assets import (
    CHECK_NAME,
    lead_scores,
    lead_scoring_model,
)

T = datetime(2026, 3, 1)
"""The scoring time of the hand-made cases."""

TABLES: dict[str, str] = {
    "intermediate.int_identity__customer_map": (
        "customer_uid varchar, identifier varchar, identifier_type varchar"
    ),
    "intermediate.int_web__sessions": (
        "session_id varchar, anonymous_id varchar, user_id varchar, started_at timestamp, "
        "channel varchar"
    ),
    "intermediate.int_web__pageviews": (
        "message_id varchar, anonymous_id varchar, user_id varchar, occurred_at timestamp"
    ),
    "intermediate.int_marketing__touchpoints": (
        "customer_uid varchar, touched_at timestamp, event_category varchar, event varchar, "
        "channel varchar"
    ),
    "intermediate.int_growth__signups": "customer_uid varchar, signed_up_at timestamp",
    "intermediate.int_growth__contact_lifecycle": (
        "contact_id bigint, customer_uid varchar, created_at timestamp, "
        "reached_mql_at timestamp, reached_sql_at timestamp, reached_opportunity_at timestamp, "
        "reached_customer_at timestamp"
    ),
    "intermediate.int_growth__deals": (
        "deal_id bigint, customer_uid varchar, deal_stage varchar, created_at timestamp, "
        "won_at timestamp, close_date timestamp"
    ),
    "intermediate.int_product__active_days": (
        "customer_uid varchar, activity_date date, event_count bigint"
    ),
    "intermediate.int_support__tickets": (
        "ticket_id bigint, customer_uid varchar, created_at timestamp"
    ),
    "staging.stg_hubspot__contact": "contact_id bigint, company_id bigint",
    "staging.stg_hubspot__company": (
        "company_id bigint, industry varchar, employee_count integer, created_at timestamp"
    ),
    "staging.stg_stripe__invoice": (
        "invoice_id varchar, customer_id varchar, status varchar, amount_paid decimal(18, 2), "
        "is_deleted boolean, paid_at timestamp, created_at timestamp"
    ),
    "intermediate.int_calendar__days": "date_day date",
    "intermediate.int_customers__identifiers": "customer_uid varchar, hubspot_contact_id bigint",
}


def create_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists intermediate")
    con.execute("create schema if not exists staging")
    for table, columns in TABLES.items():
        con.execute(f"create table {table} ({columns})")


def insert(con: duckdb.DuckDBPyConnection, table: str, *rows: dict[str, object]) -> None:
    for row in rows:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into {table} ({names}) values ({marks})", list(row.values()))


def h(hours: float) -> datetime:
    """``hours`` after T (negative: before)."""
    return T + timedelta(hours=hours)


def seed_people(con: duckdb.DuckDBPyConnection) -> None:
    """a: a signed-up MQL with a company, sessions on two devices, touches, product use, a
    ticket, an open deal and a Stripe customer not paying yet. b: an email subscriber (a
    HubSpot contact only) whose company is known."""
    insert(
        con,
        "intermediate.int_identity__customer_map",
        {"customer_uid": "a", "identifier": "101", "identifier_type": "hubspot_contact_id"},
        {"customer_uid": "a", "identifier": "u_a", "identifier_type": "user_id"},
        {"customer_uid": "a", "identifier": "dev_a1", "identifier_type": "anonymous_id"},
        {"customer_uid": "a", "identifier": "dev_a2", "identifier_type": "anonymous_id"},
        {"customer_uid": "a", "identifier": "cus_a", "identifier_type": "stripe_customer_id"},
        {"customer_uid": "b", "identifier": "102", "identifier_type": "hubspot_contact_id"},
        {"customer_uid": "b", "identifier": "u_b", "identifier_type": "user_id"},
        {"customer_uid": "b", "identifier": "dev_b", "identifier_type": "anonymous_id"},
    )
    insert(
        con,
        "intermediate.int_web__sessions",
        # a's first visit, on a device only stitched through the map
        {"session_id": "s1", "anonymous_id": "dev_a1", "user_id": None,
         "started_at": h(-24 * 40), "channel": "paid_search"},
        {"session_id": "s2", "anonymous_id": "dev_a2", "user_id": "u_a",
         "started_at": h(-24 * 3), "channel": "email"},
    )  # fmt: skip
    insert(
        con,
        "intermediate.int_web__pageviews",
        {"message_id": "m1", "anonymous_id": "dev_a1", "user_id": None, "occurred_at": h(-960)},
        {"message_id": "m2", "anonymous_id": "dev_a1", "user_id": None, "occurred_at": h(-959)},
        {"message_id": "m3", "anonymous_id": "dev_a2", "user_id": "u_a", "occurred_at": h(-72)},
    )
    insert(
        con,
        "intermediate.int_marketing__touchpoints",
        {"customer_uid": "a", "touched_at": h(-960), "event_category": "ad_click",
         "event": "ad_click", "channel": "paid_search"},
        {"customer_uid": "a", "touched_at": h(-100), "event_category": "email",
         "event": "email_open", "channel": "email"},
        {"customer_uid": "a", "touched_at": h(-72), "event_category": "email",
         "event": "email_click", "channel": "email"},
        {"customer_uid": "a", "touched_at": h(-48), "event_category": "form",
         "event": "demo_requested", "channel": "email"},
        {"customer_uid": "b", "touched_at": h(-24 * 50), "event_category": "email",
         "event": "email_open", "channel": "email"},
    )  # fmt: skip
    insert(con, "intermediate.int_growth__signups", {"customer_uid": "a", "signed_up_at": h(-240)})
    insert(
        con,
        "intermediate.int_growth__contact_lifecycle",
        {"contact_id": 101, "customer_uid": "a", "created_at": h(-240),
         "reached_mql_at": h(-120), "reached_sql_at": h(24), "reached_opportunity_at": None,
         "reached_customer_at": None},
        {"contact_id": 102, "customer_uid": "b", "created_at": h(-24 * 55),
         "reached_mql_at": None, "reached_sql_at": None, "reached_opportunity_at": None,
         "reached_customer_at": None},
    )  # fmt: skip
    insert(
        con,
        "intermediate.int_growth__deals",
        {"deal_id": 1, "customer_uid": "a", "deal_stage": "qualifiedtobuy",
         "created_at": h(-12), "won_at": None, "close_date": h(24 * 20)},
    )  # fmt: skip
    insert(
        con,
        "intermediate.int_product__active_days",
        {"customer_uid": "a", "activity_date": datetime(2026, 2, 20).date(), "event_count": 4},
        {"customer_uid": "a", "activity_date": datetime(2026, 1, 20).date(), "event_count": 9},
    )
    insert(
        con,
        "intermediate.int_support__tickets",
        {"ticket_id": 1, "customer_uid": "a", "created_at": h(-24 * 45)},
    )
    insert(
        con,
        "staging.stg_hubspot__contact",
        {"contact_id": 101, "company_id": 900},
        {"contact_id": 102, "company_id": 901},
    )
    insert(
        con,
        "staging.stg_hubspot__company",
        {"company_id": 901, "industry": "retail", "employee_count": 40, "created_at": h(-2000)},
    )
    insert(
        con,
        "staging.stg_stripe__invoice",
        {"invoice_id": "in_open", "customer_id": "cus_a", "status": "open", "amount_paid": 0,
         "is_deleted": False, "paid_at": None, "created_at": h(-5)},
    )  # fmt: skip


def seeded() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    create_warehouse(connection)
    seed_people(connection)
    return connection


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    return seeded()


def feature_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return features.build_rows(con, [T]).drop(columns="label")


def test_features_at_t_are_worked_out_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    rows = feature_rows(con).set_index("customer_uid")
    assert list(rows.index) == ["a", "b"]
    a = rows.loc["a"]
    expected_a = {
        "sessions": 2,
        "sessions_7d": 1,
        "sessions_30d": 1,
        "page_views": 3,
        "page_views_30d": 1,
        "days_since_first_session": 40.0,
        "days_since_last_session": 3.0,
        "touches_30d": 3,
        "distinct_channels": 2,
        "ad_clicks": 1,
        "email_opens": 1,
        "email_clicks": 1,
        "email_touches_30d": 2,
        "demo_requests": 1,
        "sales_calls": 0,
        "days_since_last_touch": 2.0,
        "days_since_identified": 10.0,
        "is_signed_up": 1,
        "days_since_signup": 10.0,
        "hubspot_contacts": 1,
        "is_mql": 1,
        "is_sql": 0,  # reached a day after t
        "days_since_mql": 5.0,
        "open_deals": 1,
        "won_deals": 0,
        "days_since_deal_created": 0.5,
        "active_days": 2,
        "active_days_7d": 0,
        "active_days_28d": 1,
        "product_events_28d": 4,
        "days_since_last_active": 8.0,  # 2026-02-20 ended at 02-21 00:00
        "tickets": 1,
        "tickets_30d": 0,
        "first_channel": "paid_search",
        "last_channel": "email",
    }
    assert {name: a[name] for name in expected_a} == expected_a
    assert pd.isna(a["company_employees"]) and pd.isna(a["company_industry"])  # 900 unknown
    b = rows.loc["b"]
    assert (b["sessions"], b["email_opens"], b["is_signed_up"]) == (0, 1, 0)
    assert (b["company_employees"], b["company_industry"]) == (40, "retail")
    assert pd.isna(b["first_channel"]) and pd.isna(b["days_since_last_session"])


# Per source table: a row at or after T (must not change anything) and the same row before T
# (must). Person a unless said otherwise.
CASES: dict[str, tuple[str, dict[str, object], dict[str, object]]] = {
    "sessions": (
        "intermediate.int_web__sessions",
        {"session_id": "s9", "anonymous_id": "dev_a1", "user_id": None, "started_at": h(0),
         "channel": "referral"},
        {"started_at": h(-1)},
    ),
    "pageviews": (
        "intermediate.int_web__pageviews",
        {"message_id": "m9", "anonymous_id": "dev_a2", "user_id": "u_a", "occurred_at": h(0)},
        {"occurred_at": h(-0.01)},
    ),
    "touchpoints": (
        "intermediate.int_marketing__touchpoints",
        {"customer_uid": "a", "touched_at": h(0), "event_category": "offline", "event": "call",
         "channel": "sales"},
        {"touched_at": h(-1)},
    ),
    "signups": (
        "intermediate.int_growth__signups",
        {"customer_uid": "b", "signed_up_at": h(0)},
        {"signed_up_at": h(-0.001)},
    ),
    "contact_lifecycle": (
        "intermediate.int_growth__contact_lifecycle",
        {"contact_id": 103, "customer_uid": "a", "created_at": h(0), "reached_mql_at": h(0),
         "reached_sql_at": h(0), "reached_opportunity_at": h(0), "reached_customer_at": h(0)},
        {"created_at": h(-1), "reached_mql_at": h(-1), "reached_sql_at": h(-1)},
    ),
    "new_person": (
        "intermediate.int_growth__contact_lifecycle",
        {"contact_id": 104, "customer_uid": "c", "created_at": h(0)},
        {"created_at": h(-1)},
    ),
    "deals": (
        "intermediate.int_growth__deals",
        {"deal_id": 2, "customer_uid": "b", "deal_stage": "closedwon", "created_at": h(0),
         "won_at": h(0), "close_date": h(0)},
        {"created_at": h(-2), "won_at": h(-1), "close_date": h(-1)},
    ),
    "active_days": (
        "intermediate.int_product__active_days",
        {"customer_uid": "a", "activity_date": T.date(), "event_count": 3},
        {"activity_date": (T - timedelta(days=1)).date()},  # ends exactly at T
    ),
    "tickets": (
        "intermediate.int_support__tickets",
        {"ticket_id": 2, "customer_uid": "a", "created_at": h(0)},
        {"created_at": h(-1)},
    ),
    "company": (
        "staging.stg_hubspot__company",
        {"company_id": 900, "industry": "software", "employee_count": 12, "created_at": h(0)},
        {"created_at": h(-1)},
    ),
    "invoices": (
        "staging.stg_stripe__invoice",
        {"invoice_id": "in_1", "customer_id": "cus_a", "status": "paid", "amount_paid": 99,
         "is_deleted": False, "paid_at": h(0), "created_at": h(-1)},
        {"paid_at": h(-0.5)},  # a paid before T: no longer a lead, out of the population
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_row_at_or_after_t_changes_the_features(case: str) -> None:
    table, after, before_changes = CASES[case]
    baseline = feature_rows(seeded())

    with_future_row = seeded()
    insert(with_future_row, table, after)
    pd.testing.assert_frame_equal(feature_rows(with_future_row), baseline)

    with_past_row = seeded()
    insert(with_past_row, table, {**after, **before_changes})
    assert not feature_rows(with_past_row).equals(baseline)


def test_every_source_table_has_a_leak_case() -> None:
    """A new source table needs its own row-after-t case above."""
    covered = {table for table, _, _ in CASES.values()}
    sources = {f"{schema}.{table}" for schema, table in features.SOURCE_TABLES}
    # the map and HubSpot's contact→company association carry no event time of their own
    assert sources - covered == {
        "intermediate.int_identity__customer_map",
        "staging.stg_hubspot__contact",
    }


def test_label_is_a_first_paid_invoice_in_the_horizon_window() -> None:
    """Window [T, T + 30 days): paid at T counts, at T + 30 days does not; zero-amount, open
    and deleted invoices never count; who paid before T or was identified at T is not scored."""
    con = duckdb.connect()
    create_warehouse(con)
    people = {
        "at_t": h(0),
        "last_second": h(30 * 24) - timedelta(seconds=1),
        "window_end": h(30 * 24),
        "paid_before": h(-1),
        "never": None,
        "second_customer": h(5 * 24),
    }
    for n, (uid, paid_at) in enumerate(people.items()):
        insert(
            con,
            "intermediate.int_growth__contact_lifecycle",
            {"contact_id": n, "customer_uid": uid, "created_at": h(-100)},
        )
        insert(
            con,
            "intermediate.int_identity__customer_map",
            {"customer_uid": uid, "identifier": f"cus_{uid}",
             "identifier_type": "stripe_customer_id"},
        )  # fmt: skip
        if paid_at is not None:
            insert(
                con,
                "staging.stg_stripe__invoice",
                {"invoice_id": f"in_{uid}", "customer_id": f"cus_{uid}", "status": "paid",
                 "amount_paid": 59, "is_deleted": False, "paid_at": paid_at,
                 "created_at": paid_at},
            )  # fmt: skip
    insert(
        con,
        "staging.stg_stripe__invoice",
        # "never": a zero-amount paid invoice, an open one and a deleted paid one, all in window
        {"invoice_id": "in_z", "customer_id": "cus_never", "status": "paid", "amount_paid": 0,
         "is_deleted": False, "paid_at": h(1), "created_at": h(1)},
        {"invoice_id": "in_o", "customer_id": "cus_never", "status": "open", "amount_paid": 0,
         "is_deleted": False, "paid_at": None, "created_at": h(2)},
        {"invoice_id": "in_d", "customer_id": "cus_never", "status": "paid", "amount_paid": 59,
         "is_deleted": True, "paid_at": h(3), "created_at": h(3)},
        # second_customer's other Stripe customer paid later: the first payment counts
        {"invoice_id": "in_2", "customer_id": "cus_second_b", "status": "paid",
         "amount_paid": 59, "is_deleted": False, "paid_at": h(20 * 24), "created_at": h(0)},
    )  # fmt: skip
    insert(
        con,
        "intermediate.int_identity__customer_map",
        {"customer_uid": "second_customer", "identifier": "cus_second_b",
         "identifier_type": "stripe_customer_id"},
    )  # fmt: skip
    insert(
        con,
        "intermediate.int_growth__signups",
        {"customer_uid": "identified_at_t", "signed_up_at": h(0)},
    )

    rows = features.build_rows(con, [T], horizon_days=30)
    assert dict(zip(rows["customer_uid"], rows["label"], strict=True)) == {
        "at_t": 1,
        "last_second": 1,
        "never": 0,
        "second_customer": 1,
        "window_end": 0,
    }
    # without a horizon (scoring the present) the same people, no label
    present = features.build_rows(con, [T])
    assert list(present["customer_uid"]) == sorted(rows["customer_uid"])
    assert present["label"].isna().all()


def test_a_bad_horizon_or_no_time_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="horizon_days must be a positive integer, got 0"):
        features.build_rows(con, [T], horizon_days=0)
    with pytest.raises(ValueError, match="scored_at is empty"):
        features.build_rows(con, [])


# --- end to end: both assets on a synthetic warehouse -------------------------------------


def synthetic_warehouse(path: Path, people: int = 500, seed: int = 3) -> dict[str, object]:
    """People identified over Jan-Jun 2026; a demo request makes paying ~10 days later likely
    (60%), without one 4%. Returns who is scorable at the end of the as-of day (June 29)."""
    rng = np.random.default_rng(seed)
    start, as_of_end = datetime(2026, 1, 1), datetime(2026, 6, 30)
    con = duckdb.connect(str(path))
    create_warehouse(con)
    identified = [start + timedelta(hours=float(x)) for x in rng.uniform(0, 178 * 24, people)]
    demo = rng.random(people) < 0.4
    pays = rng.random(people) < np.where(demo, 0.6, 0.04)
    lag = rng.lognormal(np.log(10), 0.5, people)
    frames = {
        "intermediate.int_growth__contact_lifecycle": [],
        "intermediate.int_marketing__touchpoints": [],
        "intermediate.int_identity__customer_map": [],
        "staging.stg_stripe__invoice": [],
        "intermediate.int_customers__identifiers": [],
    }
    scorable = 0
    for i in range(people):
        uid, at = f"p{i:04d}", identified[i]
        paid_at = at + timedelta(days=float(lag[i])) if pays[i] else None
        frames["intermediate.int_growth__contact_lifecycle"].append(
            {"contact_id": i, "customer_uid": uid, "created_at": at}
        )
        frames["intermediate.int_customers__identifiers"].append(
            {"customer_uid": uid, "hubspot_contact_id": i}
        )
        if demo[i]:
            frames["intermediate.int_marketing__touchpoints"].append(
                {"customer_uid": uid, "touched_at": at + timedelta(hours=2),
                 "event_category": "form", "event": "demo_requested", "channel": "direct"}
            )  # fmt: skip
        if paid_at is not None:
            frames["intermediate.int_identity__customer_map"].append(
                {"customer_uid": uid, "identifier": f"cus_{i}",
                 "identifier_type": "stripe_customer_id"}
            )  # fmt: skip
            frames["staging.stg_stripe__invoice"].append(
                {"invoice_id": f"in_{i}", "customer_id": f"cus_{i}", "status": "paid",
                 "amount_paid": 59.0, "is_deleted": False, "paid_at": paid_at,
                 "created_at": paid_at}
            )  # fmt: skip
        scorable += at < as_of_end and (paid_at is None or paid_at >= as_of_end)
    for table, rows in frames.items():
        con.register("_rows", pd.DataFrame(rows))
        con.execute(f"insert into {table} by name select * from _rows")
        con.unregister("_rows")
    con.execute(
        "insert into intermediate.int_calendar__days "
        "select range::date from range(date '2026-01-01', date '2026-06-30', interval 1 day)"
    )
    con.close()
    return {"scorable": scorable, "as_of_end": as_of_end}


def test_assets_train_check_save_and_score(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ROUNDTRIP_HOME", str(home))
    truth = synthetic_warehouse(home / "warehouse.duckdb")

    result = dg.materialize([lead_scoring_model, lead_scores])

    [check] = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed, check.severity) == (
        CHECK_NAME,
        True,
        dg.AssetCheckSeverity.ERROR,
    )
    model_meta = result.asset_materializations_for_node("analytics__lead_scoring_model")[0]
    version = model_meta.metadata["model_version"].value
    assert (home / "models" / "lead_scoring" / version / "model.joblib").exists()
    assert model_meta.metadata["validation_roc_auc"].value >= 0.7
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    registry = con.execute(
        "select candidate, split, is_chosen, validation_check from analytics.lead_scoring_model "
        "where model_version = ? order by candidate, split",
        [version],
    ).fetchall()
    chosen = model_meta.metadata["chosen_model"].value
    assert registry == [
        (name, split, name == chosen, "passed")
        for name in ("hist_gradient_boosting", "logistic_regression")
        for split in ("train", "validation")
    ]
    scores = con.execute("select * from analytics.lead_scores").df()
    assert len(scores) == truth["scorable"]
    assert set(scores["model_version"]) == {version}
    assert set(scores["scored_at"]) == {pd.Timestamp(truth["as_of_end"])}
    assert sorted(scores["decile"].unique()) == list(range(1, 11))
    assert scores["hubspot_contact_id"].notna().all()
    top, bottom = (scores.loc[scores["decile"] == d, "score"] for d in (1, 10))
    assert top.min() >= bottom.max()
