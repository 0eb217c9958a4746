with

source as (

    select * from {{ source('zendesk', 'organization') }}

),

live as (

    {{ fivetran_live_latest('source', 'id') }}

),

renamed as (

    select
        cast(id as bigint) as organization_id,
        name as organization_name,
        external_id,
        cast(group_id as bigint) as group_id,
        coalesce(shared_tickets, false) as has_shared_tickets,
        coalesce(shared_comments, false) as has_shared_comments,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from live

)

select * from renamed
