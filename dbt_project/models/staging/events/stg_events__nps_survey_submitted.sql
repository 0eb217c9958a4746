-- One row per NPS survey answer (message id); score is 0-10.
with

source as (

    select * from {{ source('events', 'nps_survey_submitted') }}

),

renamed as (

    select
        id as message_id,
        anonymous_id,
        user_id,
        cast(score as integer) as score,
        channel as sdk_channel,
        cast(timestamp as timestamp) as occurred_at,
        cast(received_at as timestamp) as received_at,
        cast(uuid_ts as timestamp) as loaded_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'message_id', 'received_at') }}

)

select * from deduped
