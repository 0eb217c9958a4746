-- One row per Stripe customer, latest sync wins. The product's user id is in metadata.user_id.
with

source as (

    select * from {{ source('stripe', 'customer') }}

),

renamed as (

    select
        id as customer_id,
        {{ json_text('metadata', '$.user_id') }} as user_id,
        email,
        lower(trim(email)) as email_normalized,
        name as customer_name,
        description,
        address_country as country,
        currency,
        {{ cents_to_currency('balance') }} as balance,
        coalesce(delinquent, false) as is_delinquent,
        coalesce(is_deleted, false) as is_deleted,
        coalesce(livemode, false) as is_livemode,
        cast(created as timestamp) as created_at,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'customer_id', 'synced_at desc') }}

)

select * from deduped
