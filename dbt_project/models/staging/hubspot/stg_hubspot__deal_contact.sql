with

source as (

    select * from {{ source('hubspot', 'deal_contact') }}

),

renamed as (

    select
        {{ surrogate_key(['deal_id', 'contact_id']) }} as deal_contact_id,
        cast(deal_id as bigint) as deal_id,
        cast(contact_id as bigint) as contact_id,
        cast(type_id as integer) as association_type_id,
        _fivetran_synced as synced_at,
    from source

)

select * from renamed
