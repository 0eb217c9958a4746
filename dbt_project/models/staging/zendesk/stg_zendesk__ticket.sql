with

source as (

    select * from {{ source('zendesk', 'ticket') }}

),

deduped as (

    {{ dedupe('source', 'id', ['updated_at desc', '_fivetran_synced desc']) }}

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
    from deduped
    where not coalesce(_fivetran_deleted, false)

)

select * from renamed
