-- One row per engagement ↔ contact link (the contacts a call or meeting was with).
with

source as (

    select * from {{ source('hubspot', 'engagement_contact') }}

),

renamed as (

    select
        {{ surrogate_key(['engagement_id', 'contact_id']) }} as engagement_contact_id,
        cast(engagement_id as bigint) as engagement_id,
        cast(contact_id as bigint) as contact_id,
        _fivetran_synced as synced_at,
    from source

)

select * from renamed
