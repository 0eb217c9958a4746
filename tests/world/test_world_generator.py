"""The world generator: determinism, schema, generated rates vs configured, referential sanity.

Rates are checked against tolerances that follow from the sample size: 4 binomial standard
errors, sqrt(p(1-p)/n), so a correct generator fails by chance less than once in ~15,000 checks.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from platform_assets.sandbox.world.config import Lag, WorldConfig
from platform_assets.sandbox.world.core_schema import CHANNELS, CORE_TABLES, TRUTH_TABLES
from platform_assets.sandbox.world.generator import columns, generate_core, world_checksum


def _generate(path: Path, config: WorldConfig) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    generate_core(con, config)
    return con


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = _generate(
        tmp_path_factory.mktemp("world") / "a.duckdb", WorldConfig.for_scale("tiny", 42)
    )
    yield con
    con.close()


# Enough people for rate checks (~6k visitors), with short, tight funnel lags so that nearly
# every step a cohort will take has happened before the horizon ends.
RATES = WorldConfig(
    visitors=4000,
    seed=5,
    mql_lag=Lag(1.0, 0.3),
    sql_lag=Lag(1.0, 0.3),
    opportunity_lag=Lag(1.0, 0.3),
    close_lag=Lag(5.0, 0.3),
)


@pytest.fixture(scope="module")
def rates(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = _generate(tmp_path_factory.mktemp("world") / "rates.duckdb", RATES)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()


def within(observed: float, expected: float, n: int, sigmas: float = 4.0) -> bool:
    return abs(observed - expected) <= sigmas * math.sqrt(expected * (1 - expected) / n)


def test_same_seed_same_checksum_and_other_seed_differs(tiny, tmp_path: Path) -> None:
    again = _generate(tmp_path / "b.duckdb", WorldConfig.for_scale("tiny", 42))
    other = _generate(tmp_path / "c.duckdb", WorldConfig.for_scale("tiny", 43))
    assert world_checksum(again) == world_checksum(tiny)
    assert world_checksum(other) != world_checksum(tiny)
    # One changed value anywhere changes the checksum.
    again.execute(
        "UPDATE core.prices SET unit_amount_cents = unit_amount_cents + 1 WHERE rowid = 0"
    )
    assert world_checksum(again) != world_checksum(tiny)


def test_tables_and_columns_are_exactly_the_schema_and_none_is_empty(tiny) -> None:
    for schema, specs in (("core", CORE_TABLES), ("sandbox_truth", TRUTH_TABLES)):
        found = {
            r[0]
            for r in tiny.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [schema]
            ).fetchall()
        }
        assert found == set(specs)
        for name, ddl in specs.items():
            cols = tiny.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, name],
            ).fetchall()
            assert [c for (c,) in cols] == [c for c, _ in columns(ddl)]
            assert one(tiny, f"SELECT count(*) FROM {schema}.{name}")[0] > 0, name


def test_tiny_scale_counts_follow_the_config(tiny) -> None:
    config = WorldConfig.for_scale("tiny", 42)
    assert config.total_visitors == 750  # 500 over 180 days, same rate for 90 more
    assert one(tiny, "SELECT count(*) FROM core.people")[0] == 750
    history = one(tiny, "SELECT count(*) FROM core.people WHERE first_seen_at < '2026-06-30'")[0]
    assert abs(history - 500) <= 4 * math.sqrt(750 * (2 / 3) * (1 / 3))
    assert one(tiny, "SELECT max(started_at) < ?::TIMESTAMP FROM core.sessions", [config.end])[0]


def test_channel_mix_matches_weights(rates) -> None:
    n = one(rates, "SELECT count(*) FROM core.people")[0]
    observed = dict(
        rates.execute("SELECT first_channel, count(*) FROM core.people GROUP BY 1").fetchall()
    )
    for channel, weight in RATES.weights().items():
        assert within(observed.get(channel, 0) / n, weight, n), channel


def test_funnel_step_rates(rates) -> None:
    cutoff = "TIMESTAMP '2026-08-29'"  # 30 days before the horizon ends; steps take < 15 days
    people = one(rates, "SELECT count(*) FROM core.people")[0]
    signups = one(rates, "SELECT count(*) FROM core.funnel")[0]
    assert within(signups / people, RATES.signup_rate, people)
    for step, prev, rate in (
        ("mql_at", "signup_at", RATES.mql_rate),
        ("sql_at", "mql_at", RATES.sql_rate),
        ("opportunity_at", "sql_at", RATES.opportunity_rate),
        ("won_at", "opportunity_at", RATES.won_rate),
    ):
        n, took = one(
            rates, f"SELECT count(*), count({step}) FROM core.funnel WHERE {prev} < {cutoff}"
        )
        assert n > 50 and within(took / n, rate, n), (step, took, n)
    assert (
        one(
            rates,
            "SELECT count(*) FROM core.funnel WHERE won_at IS NOT NULL AND lost_at IS NOT NULL",
        )[0]
        == 0
    )


def test_identity_noise_shares(rates) -> None:
    for table in ("pageviews", "track_events", "identifies"):
        rows, distinct = one(
            rates, f"SELECT count(*), count(DISTINCT message_id) FROM core.{table}"
        )
        assert abs((rows - distinct) - 0.005 * distinct) <= 1, table
    shared, devices = one(
        rates,
        "SELECT count(DISTINCT anonymous_id) FILTER (WHERE is_shared), count(DISTINCT anonymous_id)"
        " FROM core.devices",
    )
    assert abs(shared - 0.01 * devices) <= 1
    multi = one(
        rates,
        "SELECT count(*) FROM (SELECT anonymous_id FROM core.devices GROUP BY 1 "
        "HAVING count(DISTINCT person_id) > 1)",
    )[0]
    assert multi == shared
    n, late = one(
        rates,
        "SELECT count(*), count(*) FILTER (WHERE received_at > occurred_at + INTERVAL 1 HOUR) "
        "FROM core.pageviews",
    )
    assert 0.005 < late / n < 0.03  # 2% late, minus those delayed by less than an hour
    variants = one(
        rates, "SELECT count(*) FILTER (WHERE email_as_typed <> email) / count(*) FROM core.people"
    )[0]
    assert within(variants, RATES.email_variant_share, 6000)
    assert one(rates, "SELECT bool_and(lower(trim(email_as_typed)) = email) FROM core.people")[0]


def test_session_gaps_straddle_the_cutoff(rates) -> None:
    gaps, near = one(
        rates,
        """
        WITH pv AS (SELECT DISTINCT session_id, message_id, occurred_at FROM core.pageviews),
        g AS (SELECT occurred_at - lag(occurred_at) OVER (PARTITION BY session_id
                                                          ORDER BY occurred_at) AS gap FROM pv)
        SELECT count(gap), count(*) FILTER (WHERE gap BETWEEN INTERVAL 25 MINUTE
                                                     AND INTERVAL 35 MINUTE) FROM g
        """,
    )
    assert near > 0
    assert within(near / gaps, RATES.near_cutoff_gap_share, gaps, sigmas=5)


def test_signup_happens_in_a_session_with_an_identify(tiny) -> None:
    bad = one(
        tiny,
        """
        SELECT count(*) FROM core.funnel f
        LEFT JOIN core.track_events t ON t.person_id = f.person_id AND t.event = 'signed_up'
        LEFT JOIN core.sessions s ON s.session_id = t.session_id
        LEFT JOIN core.identifies i ON i.person_id = f.person_id AND i.occurred_at = f.signup_at
        WHERE t.session_id IS NULL OR s.person_id <> f.person_id OR i.anonymous_id IS NULL
           OR i.anonymous_id <> s.anonymous_id OR t.occurred_at <> f.signup_at
        """,
    )[0]
    assert bad == 0
    # Page views after signup carry the user id; before, they are anonymous.
    wrong = one(
        tiny,
        """
        SELECT count(*) FROM core.pageviews pv
        LEFT JOIN core.funnel f USING (person_id) JOIN core.people p USING (person_id)
        WHERE (pv.occurred_at >= f.signup_at) <> (pv.user_id IS NOT NULL)
           OR pv.user_id <> p.user_id
        """,
    )[0]
    assert wrong == 0


@pytest.mark.parametrize(
    "child, key, parent, parent_key",
    [
        ("people", "company_id", "companies", "company_id"),
        ("devices", "person_id", "people", "person_id"),
        ("sessions", "person_id", "people", "person_id"),
        ("pageviews", "session_id", "sessions", "session_id"),
        ("track_events", "session_id", "sessions", "session_id"),
        ("funnel", "person_id", "people", "person_id"),
        ("funnel", "owner_id", "employees", "employee_id"),
        ("contact_merges", "person_id", "funnel", "person_id"),
        ("email_sends", "email_campaign_id", "email_campaigns", "email_campaign_id"),
        ("email_sends", "person_id", "people", "person_id"),
        ("sessions", "email_send_id", "email_sends", "email_send_id"),
        ("sessions", "ad_id", "ads", "ad_id"),
        ("ads", "ad_group_id", "ad_groups", "ad_group_id"),
        ("ad_groups", "ad_campaign_id", "ad_campaigns", "ad_campaign_id"),
        ("ad_daily", "ad_id", "ads", "ad_id"),
        ("subscriptions", "person_id", "funnel", "person_id"),
        ("subscription_versions", "subscription_id", "subscriptions", "subscription_id"),
        ("subscription_versions", "price_id", "prices", "price_id"),
        ("invoices", "subscription_id", "subscriptions", "subscription_id"),
        ("refunds", "invoice_id", "invoices", "invoice_id"),
        ("tickets", "person_id", "people", "person_id"),
        ("tickets", "assignee_id", "employees", "employee_id"),
        ("ticket_versions", "ticket_id", "tickets", "ticket_id"),
        ("workspace_members", "workspace_id", "workspaces", "workspace_id"),
        ("workspace_versions", "workspace_id", "workspaces", "workspace_id"),
        ("product_events", "person_id", "funnel", "person_id"),
    ],
)
def test_references_resolve(tiny, child: str, key: str, parent: str, parent_key: str) -> None:
    orphans = one(
        tiny,
        f"SELECT count(*) FROM core.{child} c WHERE c.{key} IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM core.{parent} p WHERE p.{parent_key} = c.{key})",
    )[0]
    assert orphans == 0


def test_attribution_fields_follow_the_channel(tiny) -> None:
    rows = dict(
        (r[0], r[1:])
        for r in tiny.execute(
            """
            SELECT channel, count(*), count(gclid), count(fbclid), count(ad_id),
                   count(email_send_id), count(utm_source),
                   bool_and(gclid IS NULL OR contains(landing_url, 'gclid=' || gclid))
            FROM core.sessions GROUP BY 1
            """
        ).fetchall()
    )
    assert set(rows) == set(CHANNELS)
    n, gclid, fbclid, ad, send, _, gclid_in_url = rows["paid_search"]
    assert gclid == ad == n and fbclid == 0 and gclid_in_url
    n, gclid, fbclid, ad, _, utm, _ = rows["paid_social"]
    assert fbclid == ad == utm == n and gclid == 0
    n, _, _, _, send, utm, _ = rows["email"]
    assert send == utm == n
    # An email session is a click on the send it links to, made by the same person.
    mismatched = one(
        tiny,
        "SELECT count(*) FROM core.sessions s JOIN core.email_sends e USING (email_send_id) "
        "WHERE e.person_id <> s.person_id OR e.clicked_at > s.started_at "
        "OR e.sent_at > s.started_at",
    )[0]
    assert mismatched == 0
    assert rows["direct"][1:6] == (0, 0, 0, 0, 0)


def test_ad_clicks_cover_paid_sessions_and_spend_tracks_budget(tiny) -> None:
    short = one(
        tiny,
        """
        SELECT count(*) FROM (SELECT ad_id, CAST(started_at AS DATE) AS date, count(*) AS n
                              FROM core.sessions WHERE ad_id IS NOT NULL GROUP BY ALL) s
        JOIN core.ad_daily a USING (ad_id, date) WHERE a.clicks < s.n OR a.impressions < a.clicks
        """,
    )[0]
    assert short == 0
    ratio = one(
        tiny,
        """
        SELECT sum(spend) / (SELECT sum(budget) FROM core.budgets b
                             WHERE b.channel IN ('paid_search', 'paid_social', 'display', 'video')
                               AND b.month < DATE '2026-09-01')
        FROM core.ad_daily WHERE date < DATE '2026-09-01'
        """,
    )[0]
    assert 0.9 < ratio < 1.1


def test_subscriptions_versions_and_invoices_are_consistent(tiny) -> None:
    first_not_new = (
        "SELECT count(*) FROM core.subscription_versions WHERE version = 1 AND change_type <> 'new'"
    )
    assert one(tiny, first_not_new)[0] == 0
    before_created = (
        "SELECT count(*) FROM core.subscription_versions v JOIN core.subscriptions s "
        "USING (subscription_id) WHERE v.changed_at < s.created_at"
    )
    assert one(tiny, before_created)[0] == 0
    wrong_amount = one(
        tiny,
        "SELECT count(*) FROM core.invoices i JOIN core.prices p USING (price_id) "
        "WHERE i.amount_due_cents <> p.unit_amount_cents * i.quantity "
        "OR (i.status = 'paid') <> (i.paid_at IS NOT NULL) "
        "OR i.amount_paid_cents NOT IN (0, i.amount_due_cents)",
    )[0]
    assert wrong_amount == 0
    over_refunded = one(
        tiny,
        "SELECT count(*) FROM core.refunds r JOIN core.invoices i USING (invoice_id) "
        "WHERE r.amount_cents > i.amount_paid_cents OR r.created_at < i.paid_at",
    )[0]
    assert over_refunded == 0


def test_tickets_and_nps(tiny) -> None:
    values = {
        r[0] for r in tiny.execute("SELECT DISTINCT satisfaction FROM core.tickets").fetchall()
    }
    assert values <= {"good", "bad", "offered", "unoffered"} and {"good", "offered"} <= values
    scores = tiny.execute(
        "SELECT CAST(json_extract(properties, '$.score') AS INTEGER) FROM core.track_events "
        "WHERE event = 'nps_survey_submitted'"
    ).fetchall()
    assert scores and all(0 <= s <= 10 for (s,) in scores)


def test_truth_records_lifts_and_config(tiny) -> None:
    lifts = dict(tiny.execute("SELECT channel, lift FROM sandbox_truth.channel_lift").fetchall())
    config = WorldConfig.for_scale("tiny", 42)
    assert lifts == config.lifts()
    base = one(
        tiny,
        "SELECT min(baseline_conversion_rate), max(baseline_conversion_rate) "
        "FROM sandbox_truth.channel_lift",
    )
    assert base[0] == base[1] and 0 < base[0] < config.signup_rate
    keys = dict(tiny.execute("SELECT key, value FROM sandbox_truth.world_config").fetchall())
    assert keys["seed"] == "42" and keys["visitors"] == "500"
