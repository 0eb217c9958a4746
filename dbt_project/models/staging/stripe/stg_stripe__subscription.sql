-- The latest version of each subscription from the history table (the row Fivetran's history
-- mode marks _fivetran_active): the version with the newest _fivetran_start.
with

source as (

    select * from {{ source('stripe', 'subscription_history') }}

),

renamed as (

    select
        id as subscription_id,
        customer_id,
        status,
        quantity,
        billing as collection_method,
        coalesce(cancel_at_period_end, false) as is_cancel_at_period_end,
        cast(created as timestamp) as created_at,
        cast(start_date as timestamp) as started_at,
        cast(current_period_start as timestamp) as current_period_start,
        cast(current_period_end as timestamp) as current_period_end,
        cast(cancel_at as timestamp) as cancel_at,
        cast(canceled_at as timestamp) as canceled_at,
        cast(ended_at as timestamp) as ended_at,
        cast(trial_start as timestamp) as trial_start,
        cast(trial_end as timestamp) as trial_end,
        cast(_fivetran_start as timestamp) as valid_from,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

latest as (

    {{ dedupe('renamed', 'subscription_id', ['valid_from desc', 'synced_at desc']) }}

)

select * from latest
