with

source as (

    select * from {{ source('firestore', 'spaces_members') }}

),

live as (

    {{ fivetran_live_latest('source', '_path') }}

),

renamed as (

    select
        _path as space_member_id,
        {{ json_text('data', '$.space_id') }} as space_id,
        {{ json_text('data', '$.user_id') }} as user_id,
        {{ json_text('data', '$.role') }} as member_role,
        cast({{ json_text('data', '$.joined_at') }} as timestamp) as joined_at,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from live

)

select * from renamed
