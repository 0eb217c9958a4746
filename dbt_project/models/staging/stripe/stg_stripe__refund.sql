-- One row per refund; amount in currency units (Stripe sends cents).
with

source as (

    select * from {{ source('stripe', 'refund') }}

),

renamed as (

    select
        id as refund_id,
        charge_id,
        payment_intent_id,
        balance_transaction_id,
        status,
        reason,
        currency,
        {{ cents_to_currency('amount') }} as amount,
        description,
        cast(created as timestamp) as created_at,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'refund_id', 'synced_at desc') }}

)

select * from deduped
