with

source as (

    select * from {{ source('hubspot', 'company') }}

),

renamed as (

    select
        cast(id as bigint) as company_id,
        property_name as company_name,
        {{ clean_text('property_domain') }} as website_domain,
        property_industry as industry,
        cast(property_numberofemployees as integer) as employee_count,
        property_country as country,
        property_lifecyclestage as lifecycle_stage,
        cast(property_annualrevenue as {{ dbt.type_numeric() }}) as annual_revenue,
        property_description as description,
        cast(property_createdate as timestamp) as created_at,
        cast(property_hs_lastmodifieddate as timestamp) as modified_at,
        _fivetran_synced as synced_at,
    from source
    where not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)

)

select * from renamed
