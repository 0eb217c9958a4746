-- No activity falls outside fct_funnel_daily's days: the daily columns add up to their
-- sources' totals (ad impressions and clicks of both ad platforms, sessions, and each
-- person-stage of int_growth__customer_funnel). Fails with one row of both totals.
with

daily as (
    select
        sum(ad_impressions) as ad_impressions,
        sum(ad_clicks) as ad_clicks,
        sum(sessions) as sessions,
        sum(leads) as leads,
        sum(mqls) as mqls,
        sum(sqls) as sqls,
        sum(opportunities) as opportunities,
        sum(new_paying_customers) as new_paying_customers,
    from {{ ref('fct_funnel_daily') }}
),

ad_stats as (
    select
        impressions,
        clicks,
    from {{ ref('stg_facebook_ads__basic_ad') }}
    union all
    select
        impressions,
        clicks,
    from {{ ref('stg_google_ads__campaign_stats') }}
),

ads as (
    select
        coalesce(sum(impressions), 0) as ad_impressions,
        coalesce(sum(clicks), 0) as ad_clicks,
    from ad_stats
),

sessions as (
    select count(*) as sessions
    from {{ ref('int_web__sessions') }}
),

people as (
    select
        count(lead_at) as leads,
        count(mql_at) as mqls,
        count(sql_at) as sqls,
        count(opportunity_at) as opportunities,
        count(first_paid_at) as new_paying_customers,
    from {{ ref('int_growth__customer_funnel') }}
)

select
    daily.ad_impressions as daily_ad_impressions,
    ads.ad_impressions as source_ad_impressions,
    daily.ad_clicks as daily_ad_clicks,
    ads.ad_clicks as source_ad_clicks,
    daily.sessions as daily_sessions,
    sessions.sessions as source_sessions,
    daily.leads as daily_leads,
    people.leads as source_leads,
    daily.mqls as daily_mqls,
    people.mqls as source_mqls,
    daily.sqls as daily_sqls,
    people.sqls as source_sqls,
    daily.opportunities as daily_opportunities,
    people.opportunities as source_opportunities,
    daily.new_paying_customers as daily_new_paying_customers,
    people.new_paying_customers as source_new_paying_customers,
from daily
cross join ads
cross join sessions
cross join people
where
    daily.ad_impressions != ads.ad_impressions
    or daily.ad_clicks != ads.ad_clicks
    or daily.sessions != sessions.sessions
    or daily.leads != people.leads
    or daily.mqls != people.mqls
    or daily.sqls != people.sqls
    or daily.opportunities != people.opportunities
    or daily.new_paying_customers != people.new_paying_customers
