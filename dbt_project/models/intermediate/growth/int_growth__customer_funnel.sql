{{ config(materialized='table') }}
{#-
    One row per person (customer_uid) who entered the funnel: signed up, is a HubSpot
    contact, has a deal, or paid an invoice. Each stage's date is the person's earliest across
    their accounts, contacts and deals (a duplicate contact not merged yet, or two accounts,
    still count once), and the stages stay in order: a person with a deal reached
    opportunity, SQL, MQL and lead no later than the deal's creation even when HubSpot's
    lifecycle dates skipped a stage.

    Stages: signed_up (product signup), lead / mql / sql / opportunity (HubSpot lifecycle,
    deals), won (first won deal), hubspot_customer (HubSpot's customer date), paying (first
    paid, not deleted Stripe invoice with money paid, as int_marketing__conversions has it).
    first_channel is the channel of the person's first web session (null when none is known).
-#}
with

identity_map as (
    select * from {{ ref('int_identity__customer_map') }}
),

signups as (
    select
        customer_uid,
        min(signed_up_at) as signed_up_at,
        count(*) as signup_accounts,
    from {{ ref('int_growth__signups') }}
    where customer_uid is not null
    group by customer_uid
),

contacts as (
    select
        customer_uid,
        min(reached_lead_at) as lead_at,
        min(reached_mql_at) as mql_at,
        min(reached_sql_at) as sql_at,
        min(reached_opportunity_at) as opportunity_at,
        min(reached_customer_at) as hubspot_customer_at,
        count(*) as hubspot_contacts,
    from {{ ref('int_growth__contact_lifecycle') }}
    where customer_uid is not null
    group by customer_uid
),

deals as (
    select
        customer_uid,
        min(created_at) as first_deal_created_at,
        min(won_at) as won_at,
        count(*) as deals,
        count(won_at) as won_deals,
    from {{ ref('int_growth__deals') }}
    where customer_uid is not null
    group by customer_uid
),

paid_invoices as (
    select
        identity_map.customer_uid,
        min(coalesce(invoices.paid_at, invoices.finalized_at, invoices.created_at))
            as first_paid_at,
    from {{ ref('stg_stripe__invoice') }} as invoices
    inner join identity_map
        on
            invoices.customer_id = identity_map.identifier
            and identity_map.identifier_type = 'stripe_customer_id'
    where
        invoices.status = 'paid'
        and invoices.amount_paid > 0
        and not coalesce(invoices.is_deleted, false)
    group by identity_map.customer_uid
),

people as (
    select customer_uid from signups
    union
    select customer_uid from contacts
    union
    select customer_uid from deals
    union
    select customer_uid from paid_invoices
),

sessions as (
    select
        identity_map.customer_uid,
        sessions.session_id,
        sessions.started_at,
        sessions.channel,
    from {{ ref('int_web__sessions') }} as sessions
    inner join identity_map
        on
            sessions.anonymous_id = identity_map.identifier
            and identity_map.identifier_type = 'anonymous_id'
    inner join people
        on identity_map.customer_uid = people.customer_uid
),

first_session as (
    {{ dedupe('sessions', 'customer_uid', ['started_at', 'session_id']) }}
),

staged as (
    select
        people.customer_uid,
        signups.signed_up_at,
        coalesce(signups.signup_accounts, 0) as signup_accounts,
        contacts.lead_at as contact_lead_at,
        contacts.mql_at as contact_mql_at,
        contacts.sql_at as contact_sql_at,
        least(
            contacts.opportunity_at, deals.first_deal_created_at, deals.won_at
        ) as opportunity_at,
        deals.won_at,
        contacts.hubspot_customer_at,
        paid_invoices.first_paid_at,
        coalesce(contacts.hubspot_contacts, 0) as hubspot_contacts,
        coalesce(deals.deals, 0) as deals,
        coalesce(deals.won_deals, 0) as won_deals,
        first_session.started_at as first_session_at,
        first_session.channel as first_channel,
    from people
    left join signups
        on people.customer_uid = signups.customer_uid
    left join contacts
        on people.customer_uid = contacts.customer_uid
    left join deals
        on people.customer_uid = deals.customer_uid
    left join paid_invoices
        on people.customer_uid = paid_invoices.customer_uid
    left join first_session
        on people.customer_uid = first_session.customer_uid
),

final as (
    select
        customer_uid,
        signed_up_at,
        least(contact_lead_at, contact_mql_at, contact_sql_at, opportunity_at) as lead_at,
        least(contact_mql_at, contact_sql_at, opportunity_at) as mql_at,
        least(contact_sql_at, opportunity_at) as sql_at,
        opportunity_at,
        won_at,
        hubspot_customer_at,
        first_paid_at,
        first_session_at,
        first_channel,
        signup_accounts,
        hubspot_contacts,
        deals,
        won_deals,
    from staged
)

select * from final
