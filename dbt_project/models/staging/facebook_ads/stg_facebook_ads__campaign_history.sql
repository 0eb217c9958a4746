with

source as (

    select * from {{ source('facebook_ads', 'campaign_history') }}

),

latest as (

    {{ dedupe('source', 'id', 'updated_time desc') }}

),

renamed as (

    select
        cast(id as bigint) as campaign_id,
        cast(account_id as bigint) as account_id,
        name as campaign_name,
        objective,
        status,
        {{ cents_to_currency('daily_budget') }} as daily_budget,
        {{ cents_to_currency('lifetime_budget') }} as lifetime_budget,
        cast(created_time as timestamp) as created_at,
        cast(start_time as timestamp) as started_at,
        cast(stop_time as timestamp) as stopped_at,
        cast(updated_time as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from latest

)

select * from renamed
