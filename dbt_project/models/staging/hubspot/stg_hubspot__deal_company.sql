with

source as (

    select * from {{ source('hubspot', 'deal_company') }}

),

renamed as (

    select
        {{ surrogate_key(['deal_id', 'company_id']) }} as deal_company_id,
        cast(deal_id as bigint) as deal_id,
        cast(company_id as bigint) as company_id,
        cast(type_id as integer) as association_type_id,
        _fivetran_synced as synced_at,
    from source

)

select * from renamed
