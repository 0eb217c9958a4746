{#-
    The RudderStack/Segment warehouse schema gives every event table (identifies, pages, tracks
    and one table per track event) the same message columns. Staging renames them once, here,
    so every stg_events__* model speaks the same vocabulary and identity stitching, sessions and
    touchpoints can union and join them without per-table mapping. The column macros go inside
    a select list (lines after the first are indented for one, so the compiled SQL reads cleanly):

        select
            {{ rudderstack_ids() }}
            plan,
            {{ rudderstack_timestamps() }}
        from source
-#}

{#- The message's id and the two ids identity stitching walks (anonymous device ↔ known user). -#}
{% macro rudderstack_ids() -%}
    id as message_id,
        anonymous_id,
        user_id,
{%- endmacro %}

{#- The message's clocks: when it happened (server-corrected), when the collector received it
    and when the loader wrote it. `client_clock` adds the device's own time and send time,
    which only the core tables (identifies, pages, tracks) keep for clock-skew analysis. -#}
{% macro rudderstack_timestamps(client_clock=false) -%}
    cast(timestamp as timestamp) as occurred_at,
        {%- if client_clock %}
        cast(original_timestamp as timestamp) as client_occurred_at,
        cast(sent_at as timestamp) as sent_at,
        {%- endif %}
        cast(received_at as timestamp) as received_at,
        cast(uuid_ts as timestamp) as loaded_at,
{%- endmacro %}

{#- Delivery is at least once, so a message can land twice: keep one row per message id, its
    first receipt (a redelivery must not move an event later in time). Renders a full select,
    for a CTE body over a relation that has the rudderstack_ids/rudderstack_timestamps columns. -#}
{% macro dedupe_messages(relation) -%}
    {{ dedupe(relation, 'message_id', 'received_at') }}
{%- endmacro %}

{#- A per-event table: RudderStack writes one per track event, named after it, with the event's
    properties as columns. They differ only in those properties, so this renders the whole
    staging model (one row per message) and each stg_events__<event> file names just its
    properties, as select-list expressions:

        {{ rudderstack_event_model('trial_started', ['cast(trial_days as integer) as trial_days']) }}
-#}
{% macro rudderstack_event_model(event_name, properties) -%}
with

source as (

    select * from {{ source('events', event_name) }}
    {{ event_days_filter() }}

),

renamed as (

    select
        {{ rudderstack_ids() }}
        {%- for property in properties %}
        {{ property }},
        {%- endfor %}
        channel as sdk_channel,
        {{ rudderstack_timestamps() }}
    from source

),

deduped as (

    {{ dedupe_messages('renamed') }}

)

select * from deduped
{%- endmacro %}
