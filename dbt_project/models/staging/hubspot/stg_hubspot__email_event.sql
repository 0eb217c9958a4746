with

source as (

    select * from {{ source('hubspot', 'email_event') }}

),

renamed as (

    select
        id as email_event_id,
        type as event_type,
        cast(created as timestamp) as occurred_at,
        {{ clean_text('recipient') }} as recipient_email,
        cast(email_campaign_id as bigint) as email_campaign_id,
        sent_by_id as sent_by_event_id,
        cast(sent_by_created as timestamp) as sent_by_created_at,
        caused_by_id as caused_by_event_id,
        cast(caused_by_created as timestamp) as caused_by_created_at,
        obsoleted_by_id as obsoleted_by_event_id,
        cast(obsoleted_by_created as timestamp) as obsoleted_by_created_at,
        coalesce(filtered_event, false) as is_filtered_event,
        cast(portal_id as bigint) as portal_id,
        cast(app_id as bigint) as app_id,
        _fivetran_synced as synced_at,
    from source

)

select * from renamed
