with

source as (

    select * from {{ source('facebook_ads', 'creative_history') }}

),

deduped as (

    {{ dedupe('source', 'id', '_fivetran_synced desc') }}

),

renamed as (

    select
        cast(id as bigint) as creative_id,
        cast(account_id as bigint) as account_id,
        name as creative_name,
        title,
        body,
        coalesce(link_url, page_link, template_page_link) as link_url,
        url_tags,
        {{ url_tag('url_tags', 'utm_source') }} as utm_source,
        {{ url_tag('url_tags', 'utm_medium') }} as utm_medium,
        {{ url_tag('url_tags', 'utm_campaign') }} as utm_campaign,
        {{ url_tag('url_tags', 'utm_content') }} as utm_content,
        object_type,
        status,
        _fivetran_synced as synced_at,
    from deduped

)

select * from renamed
