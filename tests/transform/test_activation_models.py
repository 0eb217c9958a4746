"""The sync models over a real warehouse: the tiny world (seed 7) ingested as in production (SaaS
over HTTP, the event stream from its landing files), dbt's seeds, staging, intermediate and marts,
the analytics assets the sync models read (lead scores, Markov, Shapley), then the sync models
through their own Dagster multi-asset, every check of it passing.

Each test states a fact that follows from the layers below, read from them independently of the
model's SQL: who is in a sync, one row per key, and totals that reconcile.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster_dlt import DagsterDltResource

from bench.run import saas_source_assets
from platform_assets.analytics.attribution_assets import markov_attribution, shapley_attribution
from platform_assets.analytics.lead_scoring.assets import lead_scores, lead_scoring_model
from platform_assets.ingestion.events_load import landed_days, load_days
from platform_assets.sandbox.server import start_server
from platform_assets.settings import Settings, load_settings
from platform_assets.transform.assets import dbt_activation_models
from platform_assets.transform.resource import dbt_resource
from platform_assets.warehouse import connect
from tests.conftest import TINY_SEED, settings_for
from tests.sources import harness

SYNC_MODELS = (
    "sync_hubspot__contacts",
    "sync_salesforce__leads",
    "sync_zendesk__users",
    "sync_google_ads__click_conversions",
    "sync_braze__users",
    "sync_braze__eu_recent_signups",
    "sync_files__journey_features",
    "sync_files__attribution",
)
HELPERS = ("int_activation__people", "int_activation__gclid_clicks")
"""The sync models' building blocks, built with them."""
BELOW_ACTIVATION = [
    "+path:models/activation",
    "--exclude",
    "path:models/activation",
    # the layers below are tested by their own suites: build them without their tests (~3x faster)
    "resource_type:test",
    "resource_type:unit_test",
]
"""dbt selection of everything the sync models read, upstream, without the sync models."""


@pytest.fixture(scope="module")
def built(
    tiny_world_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, dg.ExecuteInProcessResult]]:
    """Settings of the built warehouse and the result of the sync models' materialization."""
    home = tmp_path_factory.mktemp("activation") / "home"
    shutil.copytree(tiny_world_template, home)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ROUNDTRIP_HOME", str(home))
        env.setenv("ROUNDTRIP_SCALE", "tiny")
        env.setenv("ROUNDTRIP_SEED", str(TINY_SEED))
        with start_server(settings_for(home), port=0) as server:
            env.setenv("ROUNDTRIP_SANDBOX_PORT", str(server.port))
            saas = dg.materialize(
                list(saas_source_assets().values()), resources={"dlt": DagsterDltResource()}
            )
            assert saas.success
        settings = load_settings()
        days = landed_days(settings.landing_dir)
        with connect(settings) as con:
            load_days(con, settings.landing_dir, settings.quarantine_dir, days[0], days[-1])
        below = harness.dbt_build(BELOW_ACTIVATION, settings.warehouse_path, home)
        assert below.returncode == 0, below.stdout[-4000:]
        analytics = dg.materialize(
            [markov_attribution, shapley_attribution, lead_scoring_model, lead_scores]
        )
        assert analytics.success
        result = dg.materialize(
            [dbt_activation_models], resources={"dbt": dbt_resource()}, raise_on_error=False
        )
        yield settings, result


def _query(settings: Settings, sql: str) -> list[tuple]:
    return harness.query(settings, sql)


def _column(settings: Settings, sql: str) -> list:
    return [row[0] for row in _query(settings, sql)]


def test_the_sync_models_are_views_in_schema_activation_and_every_check_passes(built) -> None:
    settings, result = built
    assert result.success
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert materialized == {dg.AssetKey(["activation", name]) for name in SYNC_MODELS + HELPERS}
    checks = result.get_asset_check_evaluations()
    assert len(checks) == len(dbt_activation_models.check_keys)
    assert [c.check_name for c in checks if not c.passed] == []
    views = _query(
        settings,
        "select table_name, table_type from information_schema.tables "
        "where table_schema = 'activation' order by table_name",
    )
    assert views == [(name, "VIEW") for name in sorted(SYNC_MODELS + HELPERS)]


def test_hubspot_contacts_are_the_contacts_and_the_scored_one_row_per_email(built) -> None:
    settings, _ = built
    emails = _column(settings, "select email from activation.sync_hubspot__contacts")
    assert len(emails) == len(set(emails)) > 0
    assert all(email == email.lower().strip() for email in emails)
    expected = _column(
        settings,
        """
        select customers.email
        from marts.dim_customers as customers
        left join analytics.lead_scores as scores using (customer_uid)
        where
            customers.email is not null
            and (customers.hubspot_contact_id is not null or scores.customer_uid is not null)
        """,
    )
    assert sorted(emails) == sorted(expected)
    contact_emails = set(_column(settings, "select email from staging.stg_hubspot__contact"))
    scored_emails = set(
        _column(
            settings,
            "select email from marts.dim_customers "
            "where customer_uid in (select customer_uid from analytics.lead_scores)",
        )
    )
    assert set(emails) <= contact_emails | scored_emails
    # scores travel unchanged: the model's score of an email is the person's in lead_scores
    mismatched = _query(
        settings,
        """
        select sync.email
        from activation.sync_hubspot__contacts as sync
        inner join marts.dim_customers as customers using (email)
        left join analytics.lead_scores as scores using (customer_uid)
        where
            sync.lead_score is distinct from scores.score
            or sync.lead_score_decile is distinct from scores.decile
            or sync.lifetime_value != customers.lifetime_revenue
        """,
    )
    assert mismatched == []


def test_salesforce_leads_are_the_hubspot_people_with_a_last_name(built) -> None:
    settings, _ = built
    leads = _query(
        settings,
        "select roundtrip_id, email, last_name, company from activation.sync_salesforce__leads",
    )
    [(hubspot_rows,)] = _query(settings, "select count(*) from activation.sync_hubspot__contacts")
    assert 0 < len(leads) <= hubspot_rows
    assert {email for _, email, _, _ in leads} <= set(
        _column(settings, "select email from activation.sync_hubspot__contacts")
    )
    assert all(last_name and company for _, _, last_name, company in leads)
    people = set(_column(settings, "select customer_uid from marts.dim_customers"))
    assert {roundtrip_id for roundtrip_id, *_ in leads} <= people


def test_zendesk_users_are_end_users_matched_by_their_own_email(built) -> None:
    settings, _ = built
    emails = _column(settings, "select email from activation.sync_zendesk__users")
    end_users = _column(
        settings,
        """
        select users.email
        from marts.dim_customers as customers
        inner join staging.stg_zendesk__user as users
            on customers.zendesk_user_id = users.user_id
        where not users.is_agent and users.email is not null
        """,
    )
    assert sorted(emails) == sorted(set(end_users)) and emails


def test_every_google_ads_conversion_follows_a_google_click_of_the_person(built) -> None:
    """The conversion's gclid landed a session Google reports (click_view) strictly before the
    person reached MQL, at most 90 days before; and every MQL after such a click converts."""
    settings, _ = built
    conversions = _query(
        settings,
        """
        select conversions.gclid, conversions.converted_at, sessions.started_at
        from activation.sync_google_ads__click_conversions as conversions
        left join intermediate.int_web__sessions as sessions using (gclid)
        """,
    )
    assert conversions
    for gclid, converted_at, clicked_at in conversions:
        assert clicked_at is not None, gclid
        assert converted_at - timedelta(days=90) <= clicked_at < converted_at, gclid
    known = set(_column(settings, "select gclid from staging.stg_google_ads__click_view"))
    assert {gclid for gclid, _, _ in conversions} <= known
    # the MQLs with a Google click before them (any click of the person's sessions)
    [(mqls_after_a_click,)] = _query(
        settings,
        """
        select count(distinct funnel.customer_uid)
        from intermediate.int_growth__customer_funnel as funnel
        inner join intermediate.int_marketing__touchpoints as touches
            on funnel.customer_uid = touches.customer_uid
        inner join intermediate.int_web__sessions as sessions
            on touches.session_id = sessions.session_id
        where
            touches.event = 'ad_click'
            and sessions.gclid in (select gclid from staging.stg_google_ads__click_view)
            and sessions.started_at < funnel.mql_at
            and sessions.started_at >= funnel.mql_at - interval 90 day
        """,
    )
    assert len(conversions) == mqls_after_a_click


def test_braze_users_are_the_accounts_and_the_audience_is_recent_eu_signups(built) -> None:
    settings, _ = built
    users = dict(
        _query(settings, "select external_id, signed_up_at from activation.sync_braze__users")
    )
    accounts = _column(settings, "select user_id from staging.stg_firestore__users")
    assert sorted(users) == sorted(accounts) and users
    [(as_of_day,)] = _query(
        settings, "select date_day from intermediate.int_calendar__days where is_as_of_day"
    )
    window_end = datetime.combine(as_of_day, datetime.min.time()) + timedelta(days=1)
    eu = {code for (code,) in _query(settings, "select country_code from seeds.eu_countries")}
    countries = dict(_query(settings, "select user_id, country from staging.stg_firestore__users"))
    expected = {
        user
        for user, signed_up_at in users.items()
        if window_end - timedelta(days=5) <= signed_up_at < window_end
        and (countries[user] or "").strip().upper() in eu
    }
    audience = _column(settings, "select external_id from activation.sync_braze__eu_recent_signups")
    assert sorted(audience) == sorted(expected)


def test_journey_features_summarise_every_journey(built) -> None:
    settings, _ = built
    [(customers, touches, converted, revenue)] = _query(
        settings,
        "select count(*), sum(touch_count), count(*) filter (where is_converted), "
        "sum(conversion_revenue) from activation.sync_files__journey_features",
    )
    [(journeys, journey_touches, converted_journeys, journey_revenue)] = _query(
        settings,
        """
        select
            count(distinct user_id),
            count(*),
            count(distinct user_id) filter (where is_converted),
            (
                select sum(revenue)
                from (select distinct user_id, revenue from marts.fct_user_journeys)
            ),
        from marts.fct_user_journeys
        """,
    )
    assert (customers, touches, converted, revenue) == (
        journeys,
        journey_touches,
        converted_journeys,
        journey_revenue,
    )
    assert converted > 0
    late = _query(
        settings,
        "select customer_uid from activation.sync_files__journey_features "
        "where is_converted and (converted_at <= last_touch_at or days_to_conversion <= 0)",
    )
    assert late == []


def test_attribution_rows_of_each_model_sum_to_the_conversions_of_the_mart(built) -> None:
    settings, _ = built
    by_model = _query(
        settings,
        "select model, sum(credited_conversions), sum(credited_revenue), count(*), "
        "count(distinct channel) from activation.sync_files__attribution group by model",
    )
    [(conversions, revenue)] = _query(
        settings,
        """
        select count(*), sum(revenue)
        from (select distinct conversion_id, revenue from marts.fct_attribution_rule_based)
        """,
    )
    assert conversions > 0
    assert {model for model, *_ in by_model} == {
        "first_touch",
        "last_non_direct_touch",
        "linear",
        "time_decay",
        "position_based",
        "markov",
        "shapley",
    }
    for model, credited, credited_revenue, rows, channels in by_model:
        assert credited == pytest.approx(conversions), model
        assert credited_revenue == pytest.approx(float(revenue)), model
        assert rows == channels, model
