{#-
    fct_cac_by_channel_monthly counts every first-touch conversion once and every ad dollar once:
    its new_customers total equals the first-touch credited conversions of fct_attribution_rule_based
    (to 1e-6), and the cost of its ad_platforms rows equals fct_ad_spend_daily's spend in the same
    months (to the cent per month and channel). Returns one row per check that fails.
-#}
with

cac as (
    select * from {{ ref('fct_cac_by_channel_monthly') }}
),

first_touch as (
    select coalesce(sum(credited_conversions), 0) as conversions,
    from {{ ref('fct_attribution_rule_based') }}
    where model = 'first_touch'
),

daily_spend as (
    select
        month_start,
        channel,
        sum(spend) as spend,
    from {{ ref('fct_ad_spend_daily') }}
    group by month_start, channel
),

cac_customers as (
    select coalesce(sum(new_customers), 0) as conversions,
    from cac
),

customer_check as (
    select
        'new_customers' as check_name,
        cast(cac_customers.conversions as double) as mart_value,
        cast(first_touch.conversions as double) as expected_value,
    from cac_customers
    cross join first_touch
    where abs(cac_customers.conversions - first_touch.conversions) > 1e-6
),

cost_check as (
    select
        'ad cost ' || cast(cac.month_start as {{ dbt.type_string() }}) || ' ' || cac.channel
            as check_name,
        cast(cac.acquisition_cost as double) as mart_value,
        cast(coalesce(daily_spend.spend, 0) as double) as expected_value,
    from cac
    left join daily_spend
        on
            cac.month_start = daily_spend.month_start
            and cac.channel = daily_spend.channel
    where
        cac.cost_source = 'ad_platforms'
        and abs(cac.acquisition_cost - coalesce(daily_spend.spend, 0)) >= 0.005
)

select * from customer_check
union all
select * from cost_check
