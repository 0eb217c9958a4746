with

source as (

    select * from {{ source('zendesk', 'user') }}

),

live as (

    {{ fivetran_live_latest('source', 'id') }}

),

renamed as (

    select
        cast(id as bigint) as user_id,
        name as user_name,
        {{ clean_text('email') }} as email,
        email as email_as_typed,
        role,
        role = 'agent' or role = 'admin' as is_agent,
        cast(organization_id as bigint) as organization_id,
        external_id,
        locale,
        time_zone,
        coalesce(active, true) as is_active,
        coalesce(suspended, false) as is_suspended,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(last_login_at as timestamp) as last_login_at,
        _fivetran_synced as synced_at,
    from live

)

select * from renamed
