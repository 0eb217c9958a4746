-- One row per invoice line; amount in currency units (Stripe sends cents).
with

source as (

    select * from {{ source('stripe', 'invoice_line_item') }}

),

renamed as (

    select
        unique_id as invoice_line_item_id,
        id as line_item_id,
        invoice_id,
        subscription_id,
        subscription_item_id,
        coalesce(price_id, plan_id) as price_id,
        type as line_type,
        description,
        currency,
        {{ cents_to_currency('amount') }} as amount,
        quantity,
        coalesce(proration, false) as is_proration,
        cast(period_start as timestamp) as period_start,
        cast(period_end as timestamp) as period_end,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'invoice_line_item_id', 'synced_at desc') }}

)

select * from deduped
