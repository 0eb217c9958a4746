{#-
    The whole funnel, one row per day, zero-filled: awareness
    (ad impressions and clicks, web sessions, unique visitors), nurture (signups, leads, MQLs,
    email engagement), sales (SQLs, opportunities, deals created, wins, won amount), product
    use (daily active users) and revenue (paid invoices net of refunds, cash basis).

    People are counted once per stage, by customer_uid (int_growth__customer_funnel) on the
    day they first reached it; signups count accounts (int_growth__signups); deals count
    deals. Visitors and active users are distinct stitched people that day; active users are
    the product domain's (int_product__active_days: Amplitude events of stitched user ids), so
    DAU here is fct_active_users_daily's.

    The days are int_calendar__days (first page view to the as-of day), reaching further back
    when funnel activity started before the first tracked page view (ad campaigns and email
    sends running before the site's tracking), so no ad impression, lead or email engagement
    is dropped: sum over the days = the source totals.
-#}
with

calendar as (
    select * from {{ ref('int_calendar__days') }}
),

identity_map as (
    select * from {{ ref('int_identity__customer_map') }}
),

ad_stats as (
    select
        date_day,
        impressions,
        clicks,
    from {{ ref('stg_facebook_ads__basic_ad') }}
    union all
    select
        date_day,
        impressions,
        clicks,
    from {{ ref('stg_google_ads__campaign_stats') }}
),

ads_daily as (
    select
        date_day,
        cast(sum(impressions) as {{ dbt.type_bigint() }}) as ad_impressions,
        cast(sum(clicks) as {{ dbt.type_bigint() }}) as ad_clicks,
    from ad_stats
    group by date_day
),

session_days as (
    select
        cast(started_at as date) as date_day,
        anonymous_id,
        count(*) as sessions,
    from {{ ref('int_web__sessions') }}
    group by cast(started_at as date), anonymous_id
),

sessions_daily as (
    select
        session_days.date_day,
        cast(sum(session_days.sessions) as {{ dbt.type_bigint() }}) as sessions,
        count(
            distinct coalesce(identity_map.customer_uid, session_days.anonymous_id)
        ) as unique_visitors,
    from session_days
    left join identity_map
        on
            session_days.anonymous_id = identity_map.identifier
            and identity_map.identifier_type = 'anonymous_id'
    group by session_days.date_day
),

signups_daily as (
    select
        cast(signed_up_at as date) as date_day,
        count(*) as signups,
    from {{ ref('int_growth__signups') }}
    group by cast(signed_up_at as date)
),

funnel as (
    select * from {{ ref('int_growth__customer_funnel') }}
),

stage_reached as (
    select
        'lead' as funnel_stage,
        cast(lead_at as date) as date_day,
    from funnel
    where lead_at is not null
    union all
    select
        'mql' as funnel_stage,
        cast(mql_at as date) as date_day,
    from funnel
    where mql_at is not null
    union all
    select
        'sql' as funnel_stage,
        cast(sql_at as date) as date_day,
    from funnel
    where sql_at is not null
    union all
    select
        'opportunity' as funnel_stage,
        cast(opportunity_at as date) as date_day,
    from funnel
    where opportunity_at is not null
    union all
    select
        'paying' as funnel_stage,
        cast(first_paid_at as date) as date_day,
    from funnel
    where first_paid_at is not null
),

stages_daily as (
    select
        date_day,
        count(case when funnel_stage = 'lead' then 1 end) as leads,
        count(case when funnel_stage = 'mql' then 1 end) as mqls,
        count(case when funnel_stage = 'sql' then 1 end) as sqls,
        count(case when funnel_stage = 'opportunity' then 1 end) as opportunities,
        count(case when funnel_stage = 'paying' then 1 end) as new_paying_customers,
    from stage_reached
    group by date_day
),

email_daily as (
    select
        cast(occurred_at as date) as date_day,
        count(distinct case when event_type = 'OPEN' then recipient_email end) as email_openers,
        count(distinct case when event_type = 'CLICK' then recipient_email end) as email_clickers,
        count(distinct recipient_email) as email_engaged_recipients,
    from {{ ref('stg_hubspot__email_event') }}
    where
        event_type in ('OPEN', 'CLICK')
        and not is_filtered_event
        and recipient_email is not null
    group by cast(occurred_at as date)
),

deals as (
    select * from {{ ref('int_growth__deals') }}
),

deals_created_daily as (
    select
        cast(created_at as date) as date_day,
        count(*) as deals_created,
    from deals
    group by cast(created_at as date)
),

deals_won_daily as (
    select
        cast(won_at as date) as date_day,
        count(*) as deals_won,
        sum(amount) as won_amount,
    from deals
    where won_at is not null
    group by cast(won_at as date)
),

active_daily as (
    select
        activity_date as date_day,
        count(distinct customer_uid) as daily_active_users,
    from {{ ref('int_product__active_days') }}
    group by activity_date
),

paid_invoices as (
    select
        amount_paid,
        cast(coalesce(paid_at, finalized_at, created_at) as date) as date_day,
    from {{ ref('stg_stripe__invoice') }}
    where status = 'paid'
),

paid_daily as (
    select
        date_day,
        sum(amount_paid) as invoices_paid_amount,
    from paid_invoices
    group by date_day
),

refunds_daily as (
    select
        cast(created_at as date) as date_day,
        sum(amount) as refunded_amount,
    from {{ ref('stg_stripe__refund') }}
    where status = 'succeeded'
    group by cast(created_at as date)
),

activity_days as (
    select date_day from ads_daily
    union all
    select date_day from sessions_daily
    union all
    select date_day from signups_daily
    union all
    select date_day from stages_daily
    union all
    select date_day from email_daily
    union all
    select date_day from deals_created_daily
    union all
    select date_day from deals_won_daily
    union all
    select date_day from active_daily
    union all
    select date_day from paid_daily
    union all
    select date_day from refunds_daily
),

calendar_bounds as (
    select
        min(date_day) as first_day,
        max(date_day) as as_of_day,
    from calendar
),

activity_bounds as (
    select min(date_day) as first_activity_day
    from activity_days
),

bounds as (
    select
        least(
            calendar_bounds.first_day,
            coalesce(activity_bounds.first_activity_day, calendar_bounds.first_day)
        ) as first_day,
        calendar_bounds.as_of_day,
    from calendar_bounds
    cross join activity_bounds
),

spine as (
    {{ date_spine('(select first_day from bounds)', '(select as_of_day from bounds)') }}
),

days as (
    select
        date_day,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
    from spine
),

final as (
    select
        days.date_day,
        days.week_start,
        days.month_start,
        coalesce(ads_daily.ad_impressions, 0) as ad_impressions,
        coalesce(ads_daily.ad_clicks, 0) as ad_clicks,
        coalesce(sessions_daily.sessions, 0) as sessions,
        coalesce(sessions_daily.unique_visitors, 0) as unique_visitors,
        coalesce(signups_daily.signups, 0) as signups,
        coalesce(stages_daily.leads, 0) as leads,
        coalesce(stages_daily.mqls, 0) as mqls,
        coalesce(email_daily.email_openers, 0) as email_openers,
        coalesce(email_daily.email_clickers, 0) as email_clickers,
        coalesce(email_daily.email_engaged_recipients, 0) as email_engaged_recipients,
        coalesce(stages_daily.sqls, 0) as sqls,
        coalesce(stages_daily.opportunities, 0) as opportunities,
        coalesce(deals_created_daily.deals_created, 0) as deals_created,
        coalesce(deals_won_daily.deals_won, 0) as deals_won,
        cast(coalesce(deals_won_daily.won_amount, 0) as decimal(18, 2)) as won_amount,
        coalesce(active_daily.daily_active_users, 0) as daily_active_users,
        coalesce(stages_daily.new_paying_customers, 0) as new_paying_customers,
        cast(
            coalesce(paid_daily.invoices_paid_amount, 0) as decimal(18, 2)
        ) as invoices_paid_amount,
        cast(coalesce(refunds_daily.refunded_amount, 0) as decimal(18, 2)) as refunded_amount,
        cast(
            coalesce(paid_daily.invoices_paid_amount, 0)
            - coalesce(refunds_daily.refunded_amount, 0) as decimal(18, 2)
        ) as net_revenue,
    from days
    left join ads_daily
        on days.date_day = ads_daily.date_day
    left join sessions_daily
        on days.date_day = sessions_daily.date_day
    left join signups_daily
        on days.date_day = signups_daily.date_day
    left join stages_daily
        on days.date_day = stages_daily.date_day
    left join email_daily
        on days.date_day = email_daily.date_day
    left join deals_created_daily
        on days.date_day = deals_created_daily.date_day
    left join deals_won_daily
        on days.date_day = deals_won_daily.date_day
    left join active_daily
        on days.date_day = active_daily.date_day
    left join paid_daily
        on days.date_day = paid_daily.date_day
    left join refunds_daily
        on days.date_day = refunds_daily.date_day
)

select * from final
