with

source as (

    select * from {{ source('facebook_ads', 'ad_set_history') }}

),

latest as (

    {{ dedupe('source', 'id', 'updated_time desc') }}

),

renamed as (

    select
        cast(id as bigint) as ad_set_id,
        cast(account_id as bigint) as account_id,
        cast(campaign_id as bigint) as campaign_id,
        name as ad_set_name,
        status,
        bid_strategy,
        {{ cents_to_currency('daily_budget') }} as daily_budget,
        cast(start_time as timestamp) as started_at,
        cast(end_time as timestamp) as ended_at,
        cast(updated_time as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from latest

)

select * from renamed
