-- One row per deal ↔ contact link.
with

source as (

    select * from {{ source('hubspot', 'deal_contact') }}

),

renamed as (

    select
        {{ hubspot_deal_association('contact') }}
    from source

)

select * from renamed
