-- One row per page view (message id): the page, the campaign the session's landing URL carried
-- (UTM, gclid, fbclid) and the skew-corrected time. A redelivered message keeps its first receipt.
with

source as (

    select * from {{ source('events', 'pages') }}

),

renamed as (

    select
        id as message_id,
        anonymous_id,
        user_id,
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
        cast(timestamp as timestamp) as occurred_at,
        cast(original_timestamp as timestamp) as client_occurred_at,
        cast(sent_at as timestamp) as sent_at,
        cast(received_at as timestamp) as received_at,
        cast(uuid_ts as timestamp) as loaded_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'message_id', 'received_at') }}

)

select * from deduped
