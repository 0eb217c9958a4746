-- One row per identify call: the edge anonymous id ↔ user id that identity stitching walks.
-- `email` is cleaned (lower, trimmed); `email_as_typed` keeps what the person typed.
with

source as (

    select * from {{ source('events', 'identifies') }}
    {{ event_days_filter() }}

),

renamed as (

    select
        {{ rudderstack_ids() }}
        {{ clean_text('email') }} as email,
        email as email_as_typed,
        first_name,
        last_name,
        title as job_title,
        company as company_name,
        context_ip as ip,
        context_user_agent as user_agent,
        {{ rudderstack_timestamps(client_clock=true) }}
    from source

),

deduped as (

    {{ dedupe_messages('renamed') }}

)

select * from deduped
