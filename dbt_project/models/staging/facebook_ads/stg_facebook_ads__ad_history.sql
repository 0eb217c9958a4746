with

source as (

    select * from {{ source('facebook_ads', 'ad_history') }}

),

latest as (

    {{ dedupe('source', 'id', 'updated_time desc') }}

),

renamed as (

    select
        cast(id as bigint) as ad_id,
        cast(account_id as bigint) as account_id,
        cast(ad_set_id as bigint) as ad_set_id,
        cast(campaign_id as bigint) as campaign_id,
        cast(creative_id as bigint) as creative_id,
        name as ad_name,
        status,
        cast(updated_time as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from latest

)

select * from renamed
