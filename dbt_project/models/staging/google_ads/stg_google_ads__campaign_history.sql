with

source as (

    select * from {{ source('google_ads', 'campaign_history') }}

),

latest as (

    {{ dedupe('source', 'id', 'updated_at desc') }}

),

renamed as (

    select
        cast(id as bigint) as campaign_id,
        cast(customer_id as bigint) as customer_id,
        name as campaign_name,
        status,
        advertising_channel_type,
        advertising_channel_subtype,
        serving_status,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        tracking_url_template,
        {{ url_tag('tracking_url_template', 'utm_source') }} as utm_source,
        {{ url_tag('tracking_url_template', 'utm_medium') }} as utm_medium,
        {{ url_tag('tracking_url_template', 'utm_campaign') }} as utm_campaign,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from latest

)

select * from renamed
