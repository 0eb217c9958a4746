{#-
    Customer acquisition cost per month and channel.

    new_customers: conversions (var conversion_event; default the first paid invoice, i.e. a new
    paying customer) credited to the channel by the first-touch model, by conversion month.

    acquisition_cost, per channel (the rule is by channel, not by month, so a paid channel's quiet month
    costs 0 rather than falling back to its plan):
    - a channel an ad platform reports (paid_search, paid_social, display, paid_video...): the
      platforms' actual spend in the month (cost_source 'ad_platforms');
    - otherwise, a channel the budget sheet plans (email, sms, affiliates): the sheet's budget,
      prorated to the days up to the as-of day in the in-progress month (cost_source
      'budget_sheet');
    - otherwise (organic, direct, referral...): no tracked cost, acquisition_cost and CAC null
      (cost_source 'none').
    cac = acquisition_cost ÷ new_customers, null when there are no new customers.
    Months: every month of the cost grid up to the as-of month (planned months are left out).
-#}
with

costs as (
    select * from {{ ref('int_ads__channel_costs_monthly') }}
),

attribution as (
    select * from {{ ref('fct_attribution_rule_based') }}
),

months as (
    select distinct
        month_start,
        period_status,
    from costs
    where period_status != 'planned'
),

first_touch as (
    select
        cast({{ dbt.date_trunc('month', 'conversion_time') }} as date) as month_start,
        channel,
        sum(credited_conversions) as new_customers,
        sum(credited_revenue) as new_customer_revenue,
    from attribution
    where model = 'first_touch'
    group by 1, 2
),

channels as (
    select channel from costs
    union
    select channel from first_touch
),

grid as (
    select
        months.month_start,
        months.period_status,
        channels.channel,
    from months
    cross join channels
),

joined as (
    select
        grid.month_start,
        grid.channel,
        grid.period_status,
        costs.ad_spend,
        costs.budget_to_date,
        case
            when costs.has_ad_platform then 'ad_platforms'
            when costs.budget_to_date is not null then 'budget_sheet'
            else 'none'
        end as cost_source,
        coalesce(first_touch.new_customers, 0) as new_customers,
        coalesce(first_touch.new_customer_revenue, 0) as new_customer_revenue,
    from grid
    left join costs
        on
            grid.month_start = costs.month_start
            and grid.channel = costs.channel
    left join first_touch
        on
            grid.month_start = first_touch.month_start
            and grid.channel = first_touch.channel
),

costed as (
    select
        *,
        case cost_source
            when 'ad_platforms' then ad_spend
            when 'budget_sheet' then budget_to_date
        end as acquisition_cost,
    from joined
)

select
    {{ surrogate_key(['month_start', 'channel']) }} as cac_month_id,
    month_start,
    channel,
    period_status,
    cost_source,
    cast(round(ad_spend, 2) as decimal(18, 2)) as ad_spend,
    cast(round(budget_to_date, 2) as decimal(18, 2)) as budget_to_date,
    cast(round(acquisition_cost, 2) as decimal(18, 2)) as acquisition_cost,
    cast(new_customers as double) as new_customers,
    cast(round(new_customer_revenue, 2) as decimal(18, 2)) as new_customer_revenue,
    cast(round(acquisition_cost / nullif(new_customers, 0), 2) as decimal(18, 2)) as cac,
from costed
