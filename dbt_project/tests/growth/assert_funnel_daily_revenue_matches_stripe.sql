-- Net revenue in fct_funnel_daily equals Stripe's paid invoices minus succeeded refunds in
-- staging, to the cent (nothing paid or refunded falls outside the calendar).
with

daily as (
    select sum(net_revenue) as net_revenue
    from {{ ref('fct_funnel_daily') }}
),

paid as (
    select coalesce(sum(amount_paid), 0) as amount
    from {{ ref('stg_stripe__invoice') }}
    where status = 'paid'
),

refunded as (
    select coalesce(sum(amount), 0) as amount
    from {{ ref('stg_stripe__refund') }}
    where status = 'succeeded'
)

select
    daily.net_revenue as daily_net_revenue,
    paid.amount - refunded.amount as stripe_net_revenue,
from daily
cross join paid
cross join refunded
where daily.net_revenue != paid.amount - refunded.amount
