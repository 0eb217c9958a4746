with

source as (

    select * from {{ source('google_ads', 'ad_group_history') }}

),

latest as (

    {{ dedupe('source', 'id', 'updated_at desc') }}

),

renamed as (

    select
        cast(id as bigint) as ad_group_id,
        cast(campaign_id as bigint) as campaign_id,
        campaign_name,
        name as ad_group_name,
        status,
        type as ad_group_type,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from latest

)

select * from renamed
