with

source as (

    select * from {{ source('facebook_ads', 'basic_ad_actions') }}

),

deduped as (

    {{ dedupe('source', ['ad_id', 'date', 'action_type'], '_fivetran_synced desc') }}

),

renamed as (

    select
        {{ surrogate_key(['ad_id', 'date', 'action_type']) }} as ad_day_action_id,
        cast(ad_id as bigint) as ad_id,
        cast(date as date) as date_day,
        action_type,
        cast(value as double) as action_count,
        _fivetran_synced as synced_at,
    from deduped

)

select * from renamed
