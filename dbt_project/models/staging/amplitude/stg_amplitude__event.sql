with

source as (

    select * from {{ source('amplitude', 'event') }}

),

deduped as (

    {{ dedupe('source', 'uuid', '_fivetran_synced desc') }}

),

renamed as (

    select
        id as event_id,
        uuid as event_uuid,
        _insert_id as amplitude_insert_id,
        event_type,
        cast(event_time as timestamp) as event_time,
        cast(client_event_time as timestamp) as client_event_time,
        cast(server_upload_time as timestamp) as server_upload_time,
        user_id,
        device_id,
        cast(amplitude_id as bigint) as amplitude_id,
        cast(session_id as bigint) as session_id,
        {{ surrogate_key(['amplitude_id', 'session_id']) }} as unique_session_id,
        cast(event_properties as varchar) as event_properties,
        cast(user_properties as varchar) as user_properties,
        platform,
        os_name,
        device_type,
        country,
        region,
        city,
        language as device_language,
        project_name,
        _fivetran_synced as synced_at,
    from deduped

)

select * from renamed
