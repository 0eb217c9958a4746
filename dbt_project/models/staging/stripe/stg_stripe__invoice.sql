-- One row per invoice in its latest state; amounts in currency units (Stripe sends cents).
with

source as (

    select * from {{ source('stripe', 'invoice') }}

),

renamed as (

    select
        id as invoice_id,
        customer_id,
        subscription_id,
        charge_id,
        payment_intent_id,
        number as invoice_number,
        status,
        billing_reason,
        currency,
        {{ cents_to_currency('amount_due') }} as amount_due,
        {{ cents_to_currency('amount_paid') }} as amount_paid,
        {{ cents_to_currency('amount_remaining') }} as amount_remaining,
        {{ cents_to_currency('subtotal') }} as subtotal,
        {{ cents_to_currency('tax') }} as tax,
        {{ cents_to_currency('total') }} as total,
        attempt_count,
        coalesce(paid, false) as is_paid,
        coalesce(is_deleted, false) as is_deleted,
        cast(created as timestamp) as created_at,
        cast(period_start as timestamp) as period_start,
        cast(period_end as timestamp) as period_end,
        cast(due_date as timestamp) as due_at,
        cast(status_transitions_finalized_at as timestamp) as finalized_at,
        cast(status_transitions_paid_at as timestamp) as paid_at,
        cast(status_transitions_voided_at as timestamp) as voided_at,
        cast(status_transitions_marked_uncollectible_at as timestamp)
            as marked_uncollectible_at,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'invoice_id', 'synced_at desc') }}

)

select * from deduped
