-- One row per charge in its latest state; amounts in currency units (Stripe sends cents).
with

source as (

    select * from {{ source('stripe', 'charge') }}

),

renamed as (

    select
        id as charge_id,
        customer_id,
        invoice_id,
        payment_intent_id,
        balance_transaction_id,
        status,
        currency,
        {{ cents_to_currency('amount') }} as amount,
        {{ cents_to_currency('amount_refunded') }} as amount_refunded,
        failure_code,
        failure_message,
        outcome_type,
        outcome_risk_level,
        receipt_email,
        coalesce(paid, false) as is_paid,
        coalesce(captured, false) as is_captured,
        coalesce(refunded, false) as is_refunded,
        cast(created as timestamp) as created_at,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'charge_id', 'synced_at desc') }}

)

select * from deduped
