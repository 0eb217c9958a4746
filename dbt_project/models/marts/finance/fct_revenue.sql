{#-
    Recognised revenue, cash basis: one row per money movement from Stripe, a payment (a paid
    invoice's amount_paid, recognised when it was paid) or a refund (minus its amount,
    recognised when it was created), with the customer it belongs to. sum(amount) over any
    period is that period's net revenue; it equals raw Stripe's paid invoices minus succeeded
    refunds to the cent (tests/finance).
-#}
with

revenue_events as (

    select * from {{ ref('int_finance__revenue_events') }}

),

identity_map as (

    select * from {{ ref('int_identity__customer_map') }}
    where identifier_type = 'stripe_customer_id'

)

select
    revenue_events.revenue_event_id,
    revenue_events.event_type,
    revenue_events.invoice_id,
    revenue_events.refund_id,
    revenue_events.charge_id,
    revenue_events.customer_id,
    identity_map.customer_uid,
    revenue_events.subscription_id,
    revenue_events.currency,
    revenue_events.recognized_at,
    cast(revenue_events.recognized_at as date) as recognized_on,
    cast(revenue_events.amount as decimal(18, 2)) as amount,
from revenue_events
left join identity_map
    on revenue_events.customer_id = identity_map.identifier
