-- One row per Stripe price; unit_amount in currency units (Stripe sends cents).
with

source as (

    select * from {{ source('stripe', 'price') }}

),

renamed as (

    select
        id as price_id,
        product_id,
        nickname,
        currency,
        {{ cents_to_currency('unit_amount') }} as unit_amount,
        billing_scheme,
        type as price_type,
        recurring_interval,
        recurring_interval_count,
        recurring_usage_type,
        coalesce(active, false) as is_active,
        coalesce(is_deleted, false) as is_deleted,
        cast(created as timestamp) as created_at,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'price_id', 'synced_at desc') }}

)

select * from deduped
