with

source as (

    select * from {{ source('google_ads', 'click_view') }}

),

deduped as (

    {{ dedupe('source', 'gclid', '_fivetran_synced desc') }}

),

renamed as (

    select
        gclid,
        cast(date as date) as date_day,
        cast(customer_id as bigint) as customer_id,
        cast(campaign_id as bigint) as campaign_id,
        cast(ad_group_id as bigint) as ad_group_id,
        cast(split_part(ad_group_ad, '~', 2) as bigint) as ad_id,
        ad_network_type,
        device,
        click_type,
        _fivetran_synced as synced_at,
    from deduped

)

select * from renamed
