{#-
    One row per HubSpot deal: when it was created, whether and when it was won, its amount,
    and the person (customer_uid) it is for.

    A deal is won when its current stage is a closed-won stage of its pipeline; it was won
    when it last entered such a stage (the stage history), or at its close date when the
    history does not have the entry. A deal that was won and then reopened is not won.
    A deal can be associated with several contacts: its contact is the lowest contact id
    (deterministic), and its person that contact's customer_uid.
-#}
with

deals as (
    select * from {{ ref('stg_hubspot__deal') }}
),

stage_history as (
    select * from {{ ref('stg_hubspot__deal_stage') }}
),

pipeline_stages as (
    select * from {{ ref('stg_hubspot__deal_pipeline_stage') }}
),

deal_contacts as (
    select * from {{ ref('stg_hubspot__deal_contact') }}
),

identity_map as (
    select * from {{ ref('int_identity__customer_map') }}
    where identifier_type = 'hubspot_contact_id'
),

primary_contact as (
    select
        deal_id,
        min(contact_id) as contact_id,
        count(distinct contact_id) as contact_count,
    from deal_contacts
    group by deal_id
),

won_entries as (
    select
        stage_history.deal_id,
        max(stage_history.entered_at) as last_won_entry_at,
    from stage_history
    inner join deals
        on stage_history.deal_id = deals.deal_id
    inner join pipeline_stages
        on
            stage_history.deal_stage = pipeline_stages.deal_stage
            and deals.pipeline_id = pipeline_stages.pipeline_id
    where pipeline_stages.is_closed_won
    group by stage_history.deal_id
),

final as (
    select
        deals.deal_id,
        deals.deal_name,
        deals.pipeline_id,
        deals.deal_stage,
        primary_contact.contact_id,
        coalesce(primary_contact.contact_count, 0) as contact_count,
        identity_map.customer_uid,
        deals.amount,
        deals.created_at,
        coalesce(pipeline_stages.is_closed_won, false) as is_won,
        case
            when pipeline_stages.is_closed_won
                then coalesce(won_entries.last_won_entry_at, deals.close_date)
        end as won_at,
        deals.close_date,
    from deals
    left join pipeline_stages
        on
            deals.deal_stage = pipeline_stages.deal_stage
            and deals.pipeline_id = pipeline_stages.pipeline_id
    left join won_entries
        on deals.deal_id = won_entries.deal_id
    left join primary_contact
        on deals.deal_id = primary_contact.deal_id
    left join identity_map
        on cast(primary_contact.contact_id as {{ dbt.type_string() }}) = identity_map.identifier
)

select * from final
