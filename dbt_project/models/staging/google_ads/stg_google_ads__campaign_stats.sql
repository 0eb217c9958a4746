with

source as (

    select * from {{ source('google_ads', 'campaign_stats') }}

),

deduped as (

    {{ dedupe('source', ['id', 'date', 'ad_network_type', 'device'], '_fivetran_synced desc') }}

),

renamed as (

    select
        {{ surrogate_key(['id', 'date', 'ad_network_type', 'device']) }} as campaign_day_id,
        cast(id as bigint) as campaign_id,
        cast(customer_id as bigint) as customer_id,
        cast(date as date) as date_day,
        ad_network_type,
        device,
        cast(clicks as bigint) as clicks,
        cast(impressions as bigint) as impressions,
        {{ micros_to_currency('cost_micros', 6) }} as spend,
        cast(conversions as double) as conversions,
        cast(conversions_value as double) as conversions_value,
        cast(interactions as bigint) as interactions,
        _fivetran_synced as synced_at,
    from deduped

)

select * from renamed
