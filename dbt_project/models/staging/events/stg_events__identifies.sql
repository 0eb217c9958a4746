-- One row per identify call: the edge anonymous id ↔ user id that identity stitching walks.
-- `email` is cleaned (lower, trimmed); `email_as_typed` keeps what the person typed.
with

source as (

    select * from {{ source('events', 'identifies') }}

),

renamed as (

    select
        id as message_id,
        anonymous_id,
        user_id,
        {{ clean_text('email') }} as email,
        email as email_as_typed,
        first_name,
        last_name,
        title as job_title,
        company as company_name,
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
