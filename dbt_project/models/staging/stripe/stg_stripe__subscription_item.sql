-- One row per subscription item: which price a subscription bills, and how many seats.
with

source as (

    select * from {{ source('stripe', 'subscription_item') }}

),

renamed as (

    select
        id as subscription_item_id,
        subscription_id,
        plan_id as price_id,
        quantity,
        cast(created as timestamp) as created_at,
        cast(current_period_start as timestamp) as current_period_start,
        cast(current_period_end as timestamp) as current_period_end,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'subscription_item_id', 'synced_at desc') }}

)

select * from deduped
