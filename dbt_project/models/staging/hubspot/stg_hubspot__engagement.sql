with

source as (

    select * from {{ source('hubspot', 'engagement') }}

),

renamed as (

    select
        cast(id as bigint) as engagement_id,
        type as engagement_type,
        activity_type,
        cast(owner_id as bigint) as owner_id,
        cast(timestamp as timestamp) as occurred_at,
        cast(created_at as timestamp) as created_at,
        cast(last_updated as timestamp) as updated_at,
        active as is_active,
        cast(portal_id as bigint) as portal_id,
        _fivetran_synced as synced_at,
    from source

)

select * from renamed
