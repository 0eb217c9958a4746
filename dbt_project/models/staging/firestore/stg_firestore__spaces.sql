with

source as (

    select * from {{ source('firestore', 'spaces') }}

),

live as (

    {{ fivetran_live_latest('source', '_id') }}

),

renamed as (

    select
        _id as space_id,
        {{ json_text('data', '$.name') }} as space_name,
        {{ json_text('data', '$.owner_id') }} as owner_user_id,
        {{ json_text('data', '$.plan') }} as plan,
        cast({{ json_text('data', '$.member_count') }} as integer) as member_count,
        cast({{ json_text('data', '$.created_at') }} as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from live

)

select * from renamed
