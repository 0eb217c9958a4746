-- The funnel's revenue is finance's: per month, fct_funnel_daily's net revenue equals
-- fct_revenue_monthly's (both cash basis from Stripe: paid invoices by paid date, succeeded
-- refunds by refund date). A month only one side has fails too.
with

funnel_monthly as (
    select
        month_start,
        sum(net_revenue) as net_revenue,
    from {{ ref('fct_funnel_daily') }}
    group by month_start
),

finance_monthly as (
    select
        month_start,
        net_revenue,
    from {{ ref('fct_revenue_monthly') }}
)

select
    coalesce(funnel_monthly.month_start, finance_monthly.month_start) as month_start,
    funnel_monthly.net_revenue as funnel_net_revenue,
    finance_monthly.net_revenue as finance_net_revenue,
from funnel_monthly
full outer join finance_monthly
    on funnel_monthly.month_start = finance_monthly.month_start
where coalesce(funnel_monthly.net_revenue, 0) != coalesce(finance_monthly.net_revenue, 0)
