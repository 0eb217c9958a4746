-- One row per live contact. Deleted and merged-away contacts are archived by HubSpot and land
-- with _fivetran_deleted. A duplicate merged before the connector read archived contacts (or
-- longer ago than HubSpot keeps them listed) still has its live row: the survivor lists it in
-- hs_merged_object_ids, so it is dropped by that as well.
with

source as (

    select * from {{ source('hubspot', 'contact') }}

),

merged as (

    select distinct
        cast(unnest(string_split(property_hs_merged_object_ids, ';')) as bigint)
            as merged_contact_id,
    from source
    where property_hs_merged_object_ids is not null

),

renamed as (

    select
        cast(id as bigint) as contact_id,
        {{ clean_text('property_email') }} as email,
        property_email as email_as_typed,
        property_firstname as first_name,
        property_lastname as last_name,
        property_jobtitle as job_title,
        property_company as company_name,
        cast(property_associatedcompanyid as bigint) as company_id,
        property_lifecyclestage as lifecycle_stage,
        cast(property_hubspot_owner_id as bigint) as owner_id,
        property_hs_merged_object_ids as merged_object_ids,
        cast(property_annualrevenue as {{ dbt.type_numeric() }}) as annual_revenue,
        property_phone as phone,
        cast(property_createdate as timestamp) as created_at,
        cast(property_lastmodifieddate as timestamp) as modified_at,
        cast(property_hs_lifecyclestage_lead_date as timestamp) as became_lead_at,
        cast(property_hs_lifecyclestage_marketingqualifiedlead_date as timestamp)
            as became_mql_at,
        cast(property_hs_lifecyclestage_salesqualifiedlead_date as timestamp) as became_sql_at,
        cast(property_hs_lifecyclestage_opportunity_date as timestamp) as became_opportunity_at,
        cast(property_hs_lifecyclestage_customer_date as timestamp) as became_customer_at,
        _fivetran_synced as synced_at,
    from source
    where
        not coalesce(_fivetran_deleted, false)
        and id not in (select merged.merged_contact_id from merged)

)

select * from renamed
