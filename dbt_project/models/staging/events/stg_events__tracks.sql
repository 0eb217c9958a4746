-- One row per track call (message id), website and backend. `event` is the snake_case name the
-- per-event tables are named after; `event_text` is the name as the SDK sent it.
with

source as (

    select * from {{ source('events', 'tracks') }}

),

renamed as (

    select
        id as message_id,
        anonymous_id,
        user_id,
        event,
        event_text,
        channel as sdk_channel,
        context_campaign_source as utm_source,
        context_campaign_medium as utm_medium,
        context_campaign_name as utm_campaign,
        context_ip as ip,
        context_user_agent as user_agent,
        context_library_name as library_name,
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
