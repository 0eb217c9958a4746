with

source as (

    select * from {{ source('firestore', 'users') }}

),

live as (

    {{ fivetran_live_latest('source', '_id') }}

),

renamed as (

    select
        _id as user_id,
        {{ clean_text(json_text('data', '$.email')) }} as email,
        {{ json_text('data', '$.email') }} as email_as_typed,
        {{ json_text('data', '$.first_name') }} as first_name,
        {{ json_text('data', '$.last_name') }} as last_name,
        {{ json_text('data', '$.country') }} as country,
        cast({{ json_text('data', '$.signed_up_at') }} as timestamp) as signed_up_at,
        json_extract(data, '$.space_ids') as space_ids,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from live

)

select * from renamed
