-- One row per track call (message id), website and backend. `event` is the snake_case name the
-- per-event tables are named after; `event_text` is the name as the SDK sent it.
with

source as (

    select * from {{ source('events', 'tracks') }}
    {{ event_days_filter() }}

),

renamed as (

    select
        {{ rudderstack_ids() }}
        event,
        event_text,
        channel as sdk_channel,
        context_campaign_source as utm_source,
        context_campaign_medium as utm_medium,
        context_campaign_name as utm_campaign,
        context_ip as ip,
        context_user_agent as user_agent,
        context_library_name as library_name,
        {{ rudderstack_timestamps(client_clock=true) }}
    from source

),

deduped as (

    {{ dedupe_messages('renamed') }}

)

select * from deduped
