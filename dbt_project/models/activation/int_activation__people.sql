{#-
    The people the CRM syncs (HubSpot contacts, Salesforce leads) choose from: every person of
    dim_customers with an email, with what sales wants to know about them. A building block of
    those sync models; it reads the lead scores, so it is built with them, after the analytics
    assets.

    - email: dim_customers' pick, the chosen HubSpot contact's email first, so an upsert by
      email lands on the contact HubSpot already has.
    - names: the chosen HubSpot contact's, else the chosen product account's (Firestore), both
      parts from the same record.
    - lead score and decile: analytics.lead_scores (people identified and not yet paying).
    - is_mql: the person reached MQL (or a later stage) in int_growth__customer_funnel.
    - gclid: of the person's latest Google Ads click (int_activation__gclid_clicks).
-#}

with

customers as (
    select
        customer_uid,
        email,
        hubspot_contact_id,
        user_id,
        company_name,
        industry,
        lifetime_revenue,
    from {{ ref('dim_customers') }}
    where email is not null
),

scores as (
    select
        customer_uid,
        score,
        decile,
    from {{ source('analytics', 'lead_scores') }}
),

funnel as (
    select
        customer_uid,
        mql_at,
    from {{ ref('int_growth__customer_funnel') }}
),

latest_gclids as (
    select
        customer_uid,
        gclid,
    from {{ ref('int_activation__gclid_clicks') }}
    qualify row_number() over (
        partition by customer_uid
        order by clicked_at desc, gclid desc
    ) = 1
),

contacts as (
    select
        contact_id,
        first_name,
        last_name,
    from {{ ref('stg_hubspot__contact') }}
),

accounts as (
    select
        user_id,
        first_name,
        last_name,
    from {{ ref('stg_firestore__users') }}
)

select
    customers.customer_uid,
    customers.email,
    customers.hubspot_contact_id is not null as is_hubspot_contact,
    scores.customer_uid is not null as is_scored,
    case
        when contacts.last_name is not null then contacts.first_name
        else accounts.first_name
    end as first_name,
    coalesce(contacts.last_name, accounts.last_name) as last_name,
    customers.company_name,
    scores.score as lead_score,
    scores.decile as lead_score_decile,
    funnel.mql_at is not null as is_mql,
    latest_gclids.gclid,
    customers.industry,
    customers.lifetime_revenue as lifetime_value,
from customers
left join scores
    on customers.customer_uid = scores.customer_uid
left join funnel
    on customers.customer_uid = funnel.customer_uid
left join latest_gclids
    on customers.customer_uid = latest_gclids.customer_uid
left join contacts
    on customers.hubspot_contact_id = contacts.contact_id
left join accounts
    on customers.user_id = accounts.user_id
