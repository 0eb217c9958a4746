-- One row per Stripe product.
with

source as (

    select * from {{ source('stripe', 'product') }}

),

renamed as (

    select
        id as product_id,
        name as product_name,
        description,
        type as product_type,
        unit_label,
        coalesce(active, false) as is_active,
        coalesce(is_deleted, false) as is_deleted,
        cast(created as timestamp) as created_at,
        cast(updated as timestamp) as updated_at,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'product_id', 'synced_at desc') }}

)

select * from deduped
