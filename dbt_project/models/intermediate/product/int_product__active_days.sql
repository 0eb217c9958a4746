{{ config(materialized='table') }}
{#-
    The days each person used the product: one row per (customer_uid, activity_date) with the
    Amplitude events of that day. Events are attributed through the identity graph (the event's
    user_id → its customer_uid), so one person on two devices or with two user ids counts once.
    Events without a user_id, or whose user_id is not in the map, are not a stitched user and
    are left out. A table: every active-user window reads it many times over.
-#}
with

events as (

    select
        trim(user_id) as user_id,
        cast(event_time as date) as activity_date,
    from {{ ref('stg_amplitude__event') }}
    where user_id is not null

),

user_ids as (

    select
        identifier as user_id,
        customer_uid,
    from {{ ref('int_identity__customer_map') }}
    where identifier_type = 'user_id'

)

select
    user_ids.customer_uid,
    events.activity_date,
    count(*) as event_count,
from events
inner join user_ids
    on events.user_id = user_ids.user_id
group by
    user_ids.customer_uid,
    events.activity_date
