-- One row per `signed_up` event (message id).
with

source as (

    select * from {{ source('events', 'signed_up') }}

),

renamed as (

    select
        id as message_id,
        anonymous_id,
        user_id,
        plan,
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
