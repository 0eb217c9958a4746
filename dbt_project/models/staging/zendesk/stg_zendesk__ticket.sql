with

source as (

    select * from {{ source('zendesk', 'ticket') }}

),

live as (

    {{ fivetran_live_latest('source', 'id') }}

),

renamed as (

    select
        cast(id as bigint) as ticket_id,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        status,
        priority,
        type as ticket_type,
        subject,
        description,
        via_channel,
        cast(requester_id as bigint) as requester_id,
        cast(submitter_id as bigint) as submitter_id,
        cast(assignee_id as bigint) as assignee_id,
        cast(organization_id as bigint) as organization_id,
        cast(group_id as bigint) as group_id,
        cast(brand_id as bigint) as brand_id,
        cast(due_at as timestamp) as due_at,
        coalesce(is_public, true) as is_public,
        url,
        _fivetran_synced as synced_at,
    from live

)

select * from renamed
