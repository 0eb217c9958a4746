{#-
    One row per live HubSpot contact with the date it reached each lifecycle stage, and the
    person (customer_uid) it belongs to.

    became_*_at are HubSpot's own hs_lifecyclestage_<stage>_date properties: a stage the
    contact skipped (set straight from lead to SQL, say) has no date of its own. The funnel
    counts a contact that reached a later stage as having passed the earlier ones, so
    reached_*_at is the earliest date of the stage or any later one (least() skips nulls),
    which keeps the stages in order: reached_lead_at <= reached_mql_at <= ... <= customer.
    A contact in a funnel stage with no stage date at all (imported before HubSpot kept the
    dates) is a lead from its creation.
-#}
with

contacts as (
    select * from {{ ref('stg_hubspot__contact') }}
),

identity_map as (
    select * from {{ ref('int_identity__customer_map') }}
    where identifier_type = 'hubspot_contact_id'
),

lifecycle as (
    select
        contact_id,
        email,
        lifecycle_stage,
        created_at,
        became_lead_at,
        became_mql_at,
        became_sql_at,
        became_opportunity_at,
        became_customer_at,
        coalesce(
            least(
                became_lead_at,
                became_mql_at,
                became_sql_at,
                became_opportunity_at,
                became_customer_at
            ),
            case
                when lifecycle_stage in (
                    'lead',
                    'marketingqualifiedlead',
                    'salesqualifiedlead',
                    'opportunity',
                    'customer'
                ) then created_at
            end
        ) as reached_lead_at,
        least(
            became_mql_at, became_sql_at, became_opportunity_at, became_customer_at
        ) as reached_mql_at,
        least(became_sql_at, became_opportunity_at, became_customer_at) as reached_sql_at,
        least(became_opportunity_at, became_customer_at) as reached_opportunity_at,
        became_customer_at as reached_customer_at,
    from contacts
),

final as (
    select
        lifecycle.contact_id,
        identity_map.customer_uid,
        lifecycle.email,
        lifecycle.lifecycle_stage,
        lifecycle.created_at,
        lifecycle.became_lead_at,
        lifecycle.became_mql_at,
        lifecycle.became_sql_at,
        lifecycle.became_opportunity_at,
        lifecycle.became_customer_at,
        lifecycle.reached_lead_at,
        lifecycle.reached_mql_at,
        lifecycle.reached_sql_at,
        lifecycle.reached_opportunity_at,
        lifecycle.reached_customer_at,
        coalesce(
            (lifecycle.reached_mql_at is not null and lifecycle.became_mql_at is null)
            or (lifecycle.reached_sql_at is not null and lifecycle.became_sql_at is null)
            or (
                lifecycle.reached_opportunity_at is not null
                and lifecycle.became_opportunity_at is null
            ),
            false
        ) as has_skipped_stage,
    from lifecycle
    left join identity_map
        on cast(lifecycle.contact_id as {{ dbt.type_string() }}) = identity_map.identifier
)

select * from final
