{#-
    Cash-basis revenue as a ledger: one row per payment (a paid invoice's amount_paid, on the
    day it was paid) and per refund (minus its amount, on the day it was created). A refund
    reaches its invoice through its charge; refunds that did not succeed move no money and are
    left out. Summing `amount` over any time range gives the net revenue recognised in it.
-#}
with

invoices as (

    select * from {{ ref('stg_stripe__invoice') }}

),

charges as (

    select * from {{ ref('stg_stripe__charge') }}

),

refunds as (

    select * from {{ ref('stg_stripe__refund') }}

),

payments as (

    select
        invoice_id as revenue_event_id,
        'payment' as event_type,
        invoice_id,
        cast(null as {{ dbt.type_string() }}) as refund_id,
        charge_id,
        customer_id,
        subscription_id,
        currency,
        coalesce(paid_at, finalized_at, created_at) as recognized_at,
        amount_paid as amount,
    from invoices
    where status = 'paid'

),

refunded as (

    select
        refunds.refund_id as revenue_event_id,
        'refund' as event_type,
        charges.invoice_id,
        refunds.refund_id,
        refunds.charge_id,
        coalesce(charges.customer_id, invoices.customer_id) as customer_id,
        invoices.subscription_id,
        refunds.currency,
        refunds.created_at as recognized_at,
        -refunds.amount as amount,
    from refunds
    left join charges
        on refunds.charge_id = charges.charge_id
    left join invoices
        on charges.invoice_id = invoices.invoice_id
    where refunds.status = 'succeeded'

)

select * from payments
union all
select * from refunded
