with

source as (

    select * from {{ source('facebook_ads', 'basic_ad') }}

),

deduped as (

    {{ dedupe('source', ['ad_id', 'date'], '_fivetran_synced desc') }}

),

renamed as (

    select
        {{ surrogate_key(['ad_id', 'date']) }} as ad_day_id,
        cast(ad_id as bigint) as ad_id,
        cast(date as date) as date_day,
        cast(account_id as bigint) as account_id,
        ad_name,
        adset_name as ad_set_name,
        cast(impressions as bigint) as impressions,
        cast(inline_link_clicks as bigint) as clicks,
        cast(spend as {{ dbt.type_numeric() }}) as spend,
        cast(reach as bigint) as reach,
        cast(frequency as double) as frequency,
        _fivetran_synced as synced_at,
    from deduped

)

select * from renamed
