{#-
    Revenue in raw Stripe equals revenue in the marts, to the cent: the amount_paid of raw
    invoices with status paid minus the amount of raw refunds that succeeded (both in cents),
    against the total of fct_revenue and of fct_revenue_monthly. Fails with one row showing
    the three totals.
-#}
with

raw_paid as (

    select coalesce(sum(amount_paid), 0) / 100.0 as total
    from {{ source('stripe', 'invoice') }}
    where status = 'paid'

),

raw_refunded as (

    select coalesce(sum(amount), 0) / 100.0 as total
    from {{ source('stripe', 'refund') }}
    where status = 'succeeded'

),

mart_events as (

    select coalesce(sum(amount), 0) as total
    from {{ ref('fct_revenue') }}

),

mart_monthly as (

    select coalesce(sum(net_revenue), 0) as total
    from {{ ref('fct_revenue_monthly') }}

),

totals as (

    select
        cast(raw_paid.total - raw_refunded.total as decimal(18, 2)) as raw_net_revenue,
        cast(mart_events.total as decimal(18, 2)) as fct_revenue_total,
        cast(mart_monthly.total as decimal(18, 2)) as fct_revenue_monthly_total,
    from raw_paid
    cross join raw_refunded
    cross join mart_events
    cross join mart_monthly

)

select *
from totals
where
    raw_net_revenue <> fct_revenue_total
    or raw_net_revenue <> fct_revenue_monthly_total
