-- One row per `demo_requested` event (message id).
with

source as (

    select * from {{ source('events', 'demo_requested') }}

),

renamed as (

    select
        id as message_id,
        anonymous_id,
        user_id,
        form as form_name,
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
