with

source as (

    select * from {{ source('hubspot', 'owner') }}

),

renamed as (

    select
        cast(owner_id as bigint) as owner_id,
        {{ clean_text('email') }} as email,
        first_name,
        last_name,
        trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) as full_name,
        type as owner_type,
        cast(user_id as bigint) as user_id,
        coalesce(is_active, true) as is_active,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from source

)

select * from renamed
