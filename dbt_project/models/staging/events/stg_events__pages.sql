-- One row per page view (message id): the page, the campaign the session's landing URL carried
-- (UTM, gclid, fbclid) and the skew-corrected time. A redelivered message keeps its first receipt.
with

source as (

    select * from {{ source('events', 'pages') }}
    {{ event_days_filter() }}

),

renamed as (

    select
        {{ rudderstack_ids() }}
        name as page_name,
        url as page_url,
        path as page_path,
        title as page_title,
        search as page_search,
        nullif(referrer, '') as referrer,
        context_campaign_source as utm_source,
        context_campaign_medium as utm_medium,
        context_campaign_name as utm_campaign,
        context_campaign_content as utm_content,
        context_campaign_term as utm_term,
        nullif(regexp_extract(url, '[?&]gclid=([^&#]+)', 1), '') as gclid,
        nullif(regexp_extract(url, '[?&]fbclid=([^&#]+)', 1), '') as fbclid,
        context_ip as ip,
        context_user_agent as user_agent,
        {{ rudderstack_timestamps(client_clock=true) }}
    from source

),

deduped as (

    {{ dedupe_messages('renamed') }}

)

select * from deduped
