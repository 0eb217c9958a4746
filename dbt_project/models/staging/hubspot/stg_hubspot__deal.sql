-- HubSpot deal amounts are in currency units already (not cents).
with

source as (

    select * from {{ source('hubspot', 'deal') }}

),

renamed as (

    select
        cast(deal_id as bigint) as deal_id,
        property_dealname as deal_name,
        cast(property_amount as {{ dbt.type_numeric() }}) as amount,
        deal_pipeline_id as pipeline_id,
        deal_pipeline_stage_id as deal_stage,
        property_dealtype as deal_type,
        cast(owner_id as bigint) as owner_id,
        property_description as description,
        cast(property_closedate as timestamp) as close_date,
        cast(property_createdate as timestamp) as created_at,
        cast(property_hs_lastmodifieddate as timestamp) as modified_at,
        _fivetran_synced as synced_at,
    from source
    where not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)

)

select * from renamed
