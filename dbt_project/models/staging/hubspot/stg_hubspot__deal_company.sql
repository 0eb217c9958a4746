-- One row per deal ↔ company link.
with

source as (

    select * from {{ source('hubspot', 'deal_company') }}

),

renamed as (

    select
        {{ hubspot_deal_association('company') }}
    from source

)

select * from renamed
