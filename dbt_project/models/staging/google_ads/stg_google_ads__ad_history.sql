with

source as (

    select * from {{ source('google_ads', 'ad_history') }}

),

latest as (

    {{ dedupe('source', 'id', 'updated_at desc') }}

),

renamed as (

    select
        cast(id as bigint) as ad_id,
        cast(ad_group_id as bigint) as ad_group_id,
        name as ad_name,
        status,
        type as ad_type,
        {{ json_text('final_urls', '$[0]') }} as final_url,
        display_url,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from latest

)

select * from renamed
