"""Point-in-time lead-scoring rows: who could be scored at a time t, what was known of them
before t, and whether they started paying in the N days after t.

Every feature is computed in DuckDB SQL from rows whose event time is strictly before the
scoring time t (``scored_at``), so a row built for a past t sees exactly what a model scoring
at t would have seen: sessions that started, page views viewed, touches, signups, lifecycle
dates reached, deals opened, product days that ended, tickets opened, before t. Columns that
describe the present (HubSpot's current lifecycle stage, a deal's current stage, today's MRR,
dim_customers' counters) are never read: they would leak the outcome into the past.

The one input without event times is the identity map (``int_identity__customer_map``): it is
today's stitching, so a device linked to a person after t counts that device's sessions before
t as theirs. Stitching has no history to replay, so this is accepted and documented.

The population at t: people identified before t (a product signup or a HubSpot contact
created before t) who had not paid a first invoice before t. The label: their first paid
invoice (Stripe, status paid, amount_paid > 0, not deleted, at its paid_at) falls in
[t, t + horizon_days).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import pandas as pd

NUMERIC_FEATURES: tuple[str, ...] = (
    # behaviour (web)
    "sessions",
    "sessions_7d",
    "sessions_30d",
    "page_views",
    "page_views_30d",
    "days_since_first_session",
    "days_since_last_session",
    # engagement (marketing touches)
    "touches_30d",
    "distinct_channels",
    "ad_clicks",
    "email_opens",
    "email_clicks",
    "email_touches_30d",
    "demo_requests",
    "sales_calls",
    "sales_meetings",
    "days_since_last_touch",
    # lifecycle
    "days_since_identified",
    "is_signed_up",
    "days_since_signup",
    "hubspot_contacts",
    "is_mql",
    "is_sql",
    "is_opportunity",
    "is_hubspot_customer",
    "days_since_mql",
    "open_deals",
    "won_deals",
    "lost_deals",
    "days_since_deal_created",
    # product
    "active_days",
    "active_days_7d",
    "active_days_28d",
    "product_events_28d",
    "days_since_last_active",
    # support
    "tickets",
    "tickets_30d",
    # firmographics
    "company_employees",
)
"""Numeric features; a null means "never happened" (imputed by the model, never here)."""

CATEGORICAL_FEATURES: tuple[str, ...] = ("first_channel", "last_channel", "company_industry")

FEATURES: tuple[str, ...] = (*NUMERIC_FEATURES, *CATEGORICAL_FEATURES)

SOURCE_TABLES: tuple[tuple[str, str], ...] = (
    ("intermediate", "int_identity__customer_map"),
    ("intermediate", "int_web__sessions"),
    ("intermediate", "int_web__pageviews"),
    ("intermediate", "int_marketing__touchpoints"),
    ("intermediate", "int_growth__signups"),
    ("intermediate", "int_growth__contact_lifecycle"),
    ("intermediate", "int_growth__deals"),
    ("intermediate", "int_product__active_days"),
    ("intermediate", "int_support__tickets"),
    ("staging", "stg_hubspot__contact"),
    ("staging", "stg_hubspot__company"),
    ("staging", "stg_stripe__invoice"),
)
"""(schema, table) of every warehouse relation the rows are built from (the assets' deps)."""

_TIMES_TABLE = "_lead_scoring_times"

_DAYS = "date_diff('millisecond', {at}, population.scored_at) / 86400000.0"


def _days_since(at: str) -> str:
    return _DAYS.format(at=at)


_QUERY = """
with

customer_map as (
    select customer_uid, identifier, identifier_type,
    from intermediate.int_identity__customer_map
),

identified as (
    select customer_uid, min(identified_at) as identified_at,
    from (
        select customer_uid, signed_up_at as identified_at,
        from intermediate.int_growth__signups
        union all
        select customer_uid, created_at,
        from intermediate.int_growth__contact_lifecycle
    )
    where customer_uid is not null and identified_at is not null
    group by customer_uid
),

first_paid as (
    select
        customer_map.customer_uid,
        min(coalesce(invoices.paid_at, invoices.created_at)) as paid_at,
    from staging.stg_stripe__invoice as invoices
    inner join customer_map
        on customer_map.identifier_type = 'stripe_customer_id'
        and invoices.customer_id = customer_map.identifier
    where invoices.status = 'paid' and invoices.amount_paid > 0 and not invoices.is_deleted
    group by customer_map.customer_uid
),

population as (
    select
        times.scored_at,
        identified.customer_uid,
        identified.identified_at,
        first_paid.paid_at as first_paid_at,
    from {times} as times
    inner join identified
        on identified.identified_at < times.scored_at
    left join first_paid
        on identified.customer_uid = first_paid.customer_uid
    where first_paid.paid_at is null or first_paid.paid_at >= times.scored_at
),

-- Sessions and page views belong to the person their user id is stitched to, else their
-- device's person (the touchpoints model's rule).
sessions as (
    select
        coalesce(by_user.customer_uid, by_device.customer_uid) as customer_uid,
        sessions.session_id,
        sessions.started_at,
        sessions.channel,
    from intermediate.int_web__sessions as sessions
    left join customer_map as by_user
        on by_user.identifier_type = 'user_id' and sessions.user_id = by_user.identifier
    left join customer_map as by_device
        on by_device.identifier_type = 'anonymous_id'
        and sessions.anonymous_id = by_device.identifier
),

pageviews as (
    select
        coalesce(by_user.customer_uid, by_device.customer_uid) as customer_uid,
        pageviews.occurred_at,
    from intermediate.int_web__pageviews as pageviews
    left join customer_map as by_user
        on by_user.identifier_type = 'user_id' and pageviews.user_id = by_user.identifier
    left join customer_map as by_device
        on by_device.identifier_type = 'anonymous_id'
        and pageviews.anonymous_id = by_device.identifier
),

web as (
    select
        population.scored_at,
        population.customer_uid,
        count(*) as sessions,
        count(*) filter (where s.started_at >= population.scored_at - interval 7 day)
            as sessions_7d,
        count(*) filter (where s.started_at >= population.scored_at - interval 30 day)
            as sessions_30d,
        {since_first_session} as days_since_first_session,
        {since_last_session} as days_since_last_session,
        arg_min(s.channel, {{'at': s.started_at, 'id': s.session_id}}) as first_channel,
        arg_max(s.channel, {{'at': s.started_at, 'id': s.session_id}}) as last_channel,
    from population
    inner join sessions as s
        on s.customer_uid = population.customer_uid and s.started_at < population.scored_at
    group by population.scored_at, population.customer_uid
),

views as (
    select
        population.scored_at,
        population.customer_uid,
        count(*) as page_views,
        count(*) filter (where v.occurred_at >= population.scored_at - interval 30 day)
            as page_views_30d,
    from population
    inner join pageviews as v
        on v.customer_uid = population.customer_uid and v.occurred_at < population.scored_at
    group by population.scored_at, population.customer_uid
),

touches as (
    select
        population.scored_at,
        population.customer_uid,
        count(*) filter (where t.touched_at >= population.scored_at - interval 30 day)
            as touches_30d,
        count(distinct t.channel) as distinct_channels,
        count(*) filter (where t.event = 'ad_click') as ad_clicks,
        count(*) filter (where t.event = 'email_open') as email_opens,
        count(*) filter (where t.event = 'email_click') as email_clicks,
        count(*) filter (
            where t.event_category = 'email'
            and t.touched_at >= population.scored_at - interval 30 day
        ) as email_touches_30d,
        count(*) filter (where t.event = 'demo_requested') as demo_requests,
        count(*) filter (where t.event = 'call') as sales_calls,
        count(*) filter (where t.event = 'meeting') as sales_meetings,
        {since_last_touch} as days_since_last_touch,
    from population
    inner join intermediate.int_marketing__touchpoints as t
        on t.customer_uid = population.customer_uid and t.touched_at < population.scored_at
    group by population.scored_at, population.customer_uid
),

signups as (
    select
        population.scored_at,
        population.customer_uid,
        {since_signup} as days_since_signup,
    from population
    inner join intermediate.int_growth__signups as s
        on s.customer_uid = population.customer_uid and s.signed_up_at < population.scored_at
    group by population.scored_at, population.customer_uid
),

lifecycle as (
    select
        population.scored_at,
        population.customer_uid,
        count(*) as hubspot_contacts,
        bool_or(c.reached_mql_at < population.scored_at) as is_mql,
        bool_or(c.reached_sql_at < population.scored_at) as is_sql,
        bool_or(c.reached_opportunity_at < population.scored_at) as is_opportunity,
        bool_or(c.reached_customer_at < population.scored_at) as is_hubspot_customer,
        {since_mql} as days_since_mql,
    from population
    inner join intermediate.int_growth__contact_lifecycle as c
        on c.customer_uid = population.customer_uid and c.created_at < population.scored_at
    group by population.scored_at, population.customer_uid
),

deals as (
    select
        population.scored_at,
        population.customer_uid,
        count(*) filter (where d.won_at < population.scored_at) as won_deals,
        count(*) filter (
            where d.deal_stage = 'closedlost' and d.close_date < population.scored_at
        ) as lost_deals,
        count(*) as created_deals,
        {since_deal} as days_since_deal_created,
    from population
    inner join intermediate.int_growth__deals as d
        on d.customer_uid = population.customer_uid and d.created_at < population.scored_at
    group by population.scored_at, population.customer_uid
),

-- A product day counts once it has ended (its events are all before t).
product as (
    select
        population.scored_at,
        population.customer_uid,
        count(*) as active_days,
        count(*) filter (where a.day_ends_at > population.scored_at - interval 7 day)
            as active_days_7d,
        count(*) filter (where a.day_ends_at > population.scored_at - interval 28 day)
            as active_days_28d,
        coalesce(
            sum(a.event_count) filter (
                where a.day_ends_at > population.scored_at - interval 28 day
            ),
            0
        ) as product_events_28d,
        {since_active} as days_since_last_active,
    from population
    inner join (
        select customer_uid, event_count, cast(activity_date as timestamp) + interval 1 day
            as day_ends_at,
        from intermediate.int_product__active_days
    ) as a
        on a.customer_uid = population.customer_uid and a.day_ends_at <= population.scored_at
    group by population.scored_at, population.customer_uid
),

support as (
    select
        population.scored_at,
        population.customer_uid,
        count(*) as tickets,
        count(*) filter (where t.created_at >= population.scored_at - interval 30 day)
            as tickets_30d,
    from population
    inner join intermediate.int_support__tickets as t
        on t.customer_uid = population.customer_uid and t.created_at < population.scored_at
    group by population.scored_at, population.customer_uid
),

-- Company size and industry of the person's oldest HubSpot contact with a company, both
-- created before t.
firmographics as (
    select
        population.scored_at,
        population.customer_uid,
        arg_min(
            companies.employee_count, {{'at': lifecycle.created_at, 'id': lifecycle.contact_id}}
        ) as company_employees,
        arg_min(
            companies.industry, {{'at': lifecycle.created_at, 'id': lifecycle.contact_id}}
        ) as company_industry,
    from population
    inner join intermediate.int_growth__contact_lifecycle as lifecycle
        on lifecycle.customer_uid = population.customer_uid
        and lifecycle.created_at < population.scored_at
    inner join staging.stg_hubspot__contact as contacts
        on lifecycle.contact_id = contacts.contact_id
    inner join staging.stg_hubspot__company as companies
        on contacts.company_id = companies.company_id
        and companies.created_at < population.scored_at
    group by population.scored_at, population.customer_uid
)

select
    population.scored_at,
    population.customer_uid,
    {label} as label,
    coalesce(web.sessions, 0) as sessions,
    coalesce(web.sessions_7d, 0) as sessions_7d,
    coalesce(web.sessions_30d, 0) as sessions_30d,
    coalesce(views.page_views, 0) as page_views,
    coalesce(views.page_views_30d, 0) as page_views_30d,
    web.days_since_first_session,
    web.days_since_last_session,
    coalesce(touches.touches_30d, 0) as touches_30d,
    coalesce(touches.distinct_channels, 0) as distinct_channels,
    coalesce(touches.ad_clicks, 0) as ad_clicks,
    coalesce(touches.email_opens, 0) as email_opens,
    coalesce(touches.email_clicks, 0) as email_clicks,
    coalesce(touches.email_touches_30d, 0) as email_touches_30d,
    coalesce(touches.demo_requests, 0) as demo_requests,
    coalesce(touches.sales_calls, 0) as sales_calls,
    coalesce(touches.sales_meetings, 0) as sales_meetings,
    touches.days_since_last_touch,
    {since_identified} as days_since_identified,
    cast(signups.customer_uid is not null as integer) as is_signed_up,
    signups.days_since_signup,
    coalesce(lifecycle.hubspot_contacts, 0) as hubspot_contacts,
    cast(coalesce(lifecycle.is_mql, false) as integer) as is_mql,
    cast(coalesce(lifecycle.is_sql, false) as integer) as is_sql,
    cast(coalesce(lifecycle.is_opportunity, false) as integer) as is_opportunity,
    cast(coalesce(lifecycle.is_hubspot_customer, false) as integer) as is_hubspot_customer,
    lifecycle.days_since_mql,
    coalesce(deals.created_deals - deals.won_deals - deals.lost_deals, 0) as open_deals,
    coalesce(deals.won_deals, 0) as won_deals,
    coalesce(deals.lost_deals, 0) as lost_deals,
    deals.days_since_deal_created,
    coalesce(product.active_days, 0) as active_days,
    coalesce(product.active_days_7d, 0) as active_days_7d,
    coalesce(product.active_days_28d, 0) as active_days_28d,
    coalesce(product.product_events_28d, 0) as product_events_28d,
    product.days_since_last_active,
    coalesce(support.tickets, 0) as tickets,
    coalesce(support.tickets_30d, 0) as tickets_30d,
    firmographics.company_employees,
    web.first_channel,
    web.last_channel,
    firmographics.company_industry,
from population
left join web using (scored_at, customer_uid)
left join views using (scored_at, customer_uid)
left join touches using (scored_at, customer_uid)
left join signups using (scored_at, customer_uid)
left join lifecycle using (scored_at, customer_uid)
left join deals using (scored_at, customer_uid)
left join product using (scored_at, customer_uid)
left join support using (scored_at, customer_uid)
left join firmographics using (scored_at, customer_uid)
order by population.scored_at, population.customer_uid
"""


def _query(horizon_days: int | None) -> str:
    if horizon_days is None:
        label = "cast(null as integer)"
    else:
        label = (
            "cast(coalesce(population.first_paid_at < population.scored_at"
            f" + interval {horizon_days} day, false) as integer)"
        )
    return _QUERY.format(
        times=_TIMES_TABLE,
        label=label,
        since_first_session=_days_since("min(s.started_at)"),
        since_last_session=_days_since("max(s.started_at)"),
        since_last_touch=_days_since("max(t.touched_at)"),
        since_signup=_days_since("min(s.signed_up_at)"),
        since_mql=_days_since(
            "min(c.reached_mql_at) filter (where c.reached_mql_at < population.scored_at)"
        ),
        since_deal=_days_since("max(d.created_at)"),
        since_active=_days_since("max(a.day_ends_at)"),
        since_identified=_days_since("population.identified_at"),
    )


def build_rows(
    con: duckdb.DuckDBPyConnection,
    scored_at: Sequence[datetime],
    horizon_days: int | None = None,
) -> pd.DataFrame:
    """One row per (scoring time, person in the population then): keys ``scored_at`` and
    ``customer_uid``, ``label`` (1 when the first paid invoice falls in
    [scored_at, scored_at + horizon_days); null without a horizon, when scoring the present),
    then :data:`FEATURES`. Sorted by scored_at, customer_uid.

    ``scored_at`` are naive UTC times, like the warehouse's timestamps.
    """
    if horizon_days is not None and (
        isinstance(horizon_days, bool) or not isinstance(horizon_days, int) or horizon_days < 1
    ):
        raise ValueError(f"horizon_days must be a positive integer, got {horizon_days!r}")
    if not scored_at:
        raise ValueError("scored_at is empty: give at least one scoring time")
    times = pd.DataFrame({"scored_at": pd.to_datetime(list(scored_at))})
    con.register("_lead_scoring_times_df", times)
    try:
        con.execute(
            f"create or replace temp table {_TIMES_TABLE} as "
            "select distinct cast(scored_at as timestamp) as scored_at from _lead_scoring_times_df"
        )
    finally:
        con.unregister("_lead_scoring_times_df")
    rows = con.execute(_query(horizon_days)).df()
    con.execute(f"drop table {_TIMES_TABLE}")
    return rows
