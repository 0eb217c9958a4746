{#-
    fct_roas_by_campaign neither loses nor invents money: its spend per platform equals
    fct_ad_spend_daily's (to half a cent per campaign-month row), and its attributed revenue lies
    between the credited revenue of the model's touches that carry an ad campaign id (each of them
    must find its campaign) and the model's credited revenue on paid ad channels. Returns one
    row per check that fails.
-#}
{%- set attribution_model = var('roas_attribution_model', 'last_non_direct_touch') %}

with

roas as (
    select * from {{ ref('fct_roas_by_campaign') }}
),

campaign_channels as (
    select distinct channel from {{ ref('dim_campaigns') }}
),

roas_spend as (
    select
        ad_platform,
        sum(spend) as spend,
        count(*) as row_count,
    from roas
    group by ad_platform
),

daily_spend as (
    select
        ad_platform,
        sum(spend) as spend,
    from {{ ref('fct_ad_spend_daily') }}
    group by ad_platform
),

credits as (
    select
        coalesce(sum(case
            when attribution.ad_campaign_id is not null then attribution.credited_revenue
        end), 0) as with_campaign_id,
        coalesce(sum(case
            when campaign_channels.channel is not null then attribution.credited_revenue
        end), 0) as on_paid_channels,
    from {{ ref('fct_attribution_rule_based') }} as attribution
    left join campaign_channels
        on attribution.channel = campaign_channels.channel
    where attribution.model = '{{ attribution_model }}'
),

roas_revenue as (
    select coalesce(sum(attributed_revenue), 0) as revenue,
    from roas
),

spend_check as (
    select
        'spend ' || daily_spend.ad_platform as check_name,
        cast(roas_spend.spend as double) as mart_value,
        cast(daily_spend.spend as double) as expected_value,
    from daily_spend
    left join roas_spend
        on daily_spend.ad_platform = roas_spend.ad_platform
    where
        roas_spend.spend is null
        or abs(roas_spend.spend - daily_spend.spend) > 0.005 * roas_spend.row_count
),

revenue_check as (
    select
        'attributed revenue within credited bounds' as check_name,
        cast(roas_revenue.revenue as double) as mart_value,
        cast(credits.with_campaign_id as double) as expected_value,
    from roas_revenue
    cross join credits
    where
        roas_revenue.revenue < credits.with_campaign_id - 0.01
        or roas_revenue.revenue > credits.on_paid_channels + 0.01
)

select * from spend_check
union all
select * from revenue_check
