{#-
    The monthly actual spend is the daily spend summed: per month and channel,
    fct_spend_vs_budget_monthly.actual_spend equals fct_ad_spend_daily's total rounded to the
    cent, and every month × channel with delivery has a row. Returns the rows that differ.
-#}
with

daily as (
    select
        month_start,
        channel,
        sum(spend) as spend,
    from {{ ref('fct_ad_spend_daily') }}
    group by month_start, channel
),

monthly as (
    select
        month_start,
        channel,
        actual_spend,
    from {{ ref('fct_spend_vs_budget_monthly') }}
)

select
    daily.month_start,
    daily.channel,
    daily.spend as daily_spend,
    monthly.actual_spend as monthly_spend,
from daily
left join monthly
    on
        daily.month_start = monthly.month_start
        and daily.channel = monthly.channel
where
    monthly.actual_spend is null
    or abs(daily.spend - monthly.actual_spend) >= 0.005
