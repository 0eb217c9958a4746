{#-
    One identifier of each type per person (customer_uid), for the customer 360. A person the
    identity graph stitched can have several emails, accounts, contacts, Stripe customers or
    Zendesk users; analysts and syncs need one, the same on every run, and never a placeholder
    or a staff address, so every value is picked among the person's identifiers in the map:

      hubspot_contact_id  a live contact before an id merged away, then the lowest id (oldest)
      user_id             an account Firestore knows, then the earliest Firestore signup, then
                          the lowest id
      stripe_customer_id  not deleted, then the highest MRR at the as-of month's end, then the
                          earliest created, then the lowest id
      zendesk_user_id     an active, unsuspended user, then the lowest id
      email               the chosen contact's email, else the chosen account's, the chosen
                          Stripe customer's, the chosen Zendesk user's, else the first of the
                          person's emails alphabetically
-#}
with

identity_map as (
    select
        customer_uid,
        identifier_type,
        identifier,
    from {{ ref('int_identity__customer_map') }}
),

customers as (
    select
        customer_uid,
        count(case when identifier_type = 'anonymous_id' then 1 end) as anonymous_id_count,
        count(case when identifier_type = 'email' then 1 end) as email_count,
        count(case when identifier_type = 'user_id' then 1 end) as user_id_count,
        count(case when identifier_type = 'hubspot_contact_id' then 1 end)
            as hubspot_contact_count,
        count(case when identifier_type = 'stripe_customer_id' then 1 end)
            as stripe_customer_count,
        count(case when identifier_type = 'zendesk_user_id' then 1 end) as zendesk_user_count,
    from identity_map
    group by customer_uid
),

person_contacts as (
    select
        identity_map.customer_uid,
        identity_map.identifier as contact_key,
        {{ dbt.safe_cast('identity_map.identifier', 'bigint') }} as contact_id,
        hubspot_contacts.contact_id is not null as is_live,
        lower(trim(hubspot_contacts.email)) as email,
    from identity_map
    left join {{ ref('stg_hubspot__contact') }} as hubspot_contacts
        on identity_map.identifier = cast(hubspot_contacts.contact_id as {{ dbt.type_string() }})
    where identity_map.identifier_type = 'hubspot_contact_id'
),

chosen_contact as (
    {{ dedupe('person_contacts', 'customer_uid', ['is_live desc', 'contact_id', 'contact_key']) }}
),

person_users as (
    select
        identity_map.customer_uid,
        identity_map.identifier as user_id,
        firestore_users.user_id is not null as has_account,
        lower(trim(firestore_users.email)) as email,
        firestore_users.signed_up_at,
    from identity_map
    left join {{ ref('stg_firestore__users') }} as firestore_users
        on identity_map.identifier = trim(firestore_users.user_id)
    where identity_map.identifier_type = 'user_id'
),

chosen_user as (
    {{ dedupe('person_users', 'customer_uid', ['has_account desc', 'signed_up_at', 'user_id']) }}
),

current_mrr as (
    select
        customer_id,
        mrr,
    from {{ ref('int_finance__customer_mrr_monthly') }}
    where is_as_of_month
),

person_stripe_customers as (
    select
        identity_map.customer_uid,
        identity_map.identifier as stripe_customer_id,
        coalesce(stripe_customers.is_deleted, false) as is_deleted,
        coalesce(current_mrr.mrr, 0) as current_mrr,
        coalesce(
            stripe_customers.email_normalized, lower(trim(stripe_customers.email))
        ) as email,
        stripe_customers.created_at,
    from identity_map
    left join {{ ref('stg_stripe__customer') }} as stripe_customers
        on identity_map.identifier = stripe_customers.customer_id
    left join current_mrr
        on identity_map.identifier = current_mrr.customer_id
    where identity_map.identifier_type = 'stripe_customer_id'
),

chosen_stripe_customer as (
    {{ dedupe(
        'person_stripe_customers',
        'customer_uid',
        ['is_deleted', 'current_mrr desc', 'created_at', 'stripe_customer_id'],
    ) }}
),

person_zendesk_users as (
    select
        identity_map.customer_uid,
        identity_map.identifier as zendesk_user_key,
        {{ dbt.safe_cast('identity_map.identifier', 'bigint') }} as zendesk_user_id,
        coalesce(zendesk_users.is_active and not zendesk_users.is_suspended, false)
            as is_active,
        lower(trim(zendesk_users.email)) as email,
    from identity_map
    left join {{ ref('stg_zendesk__user') }} as zendesk_users
        on identity_map.identifier = cast(zendesk_users.user_id as {{ dbt.type_string() }})
    where identity_map.identifier_type = 'zendesk_user_id'
),

chosen_zendesk_user as (
    {{ dedupe(
        'person_zendesk_users',
        'customer_uid',
        ['is_active desc', 'zendesk_user_id', 'zendesk_user_key'],
    ) }}
),

email_candidates as (
    select
        customer_uid,
        email,
        1 as priority,
    from chosen_contact
    union all
    select
        customer_uid,
        email,
        2 as priority,
    from chosen_user
    union all
    select
        customer_uid,
        email,
        3 as priority,
    from chosen_stripe_customer
    union all
    select
        customer_uid,
        email,
        4 as priority,
    from chosen_zendesk_user
    union all
    select
        customer_uid,
        identifier as email,
        5 as priority,
    from identity_map
    where identifier_type = 'email'
),

-- Only the person's own map emails: a placeholder or staff address never becomes the email.
person_emails as (
    select
        email_candidates.customer_uid,
        email_candidates.email,
        email_candidates.priority,
    from email_candidates
    inner join identity_map
        on
            email_candidates.customer_uid = identity_map.customer_uid
            and email_candidates.email = identity_map.identifier
            and identity_map.identifier_type = 'email'
),

chosen_email as (
    {{ dedupe('person_emails', 'customer_uid', ['priority', 'email']) }}
)

select
    customers.customer_uid,
    chosen_email.email is not null or chosen_user.user_id is not null as is_identified,
    chosen_email.email,
    chosen_user.user_id,
    chosen_contact.contact_id as hubspot_contact_id,
    chosen_stripe_customer.stripe_customer_id,
    chosen_zendesk_user.zendesk_user_id,
    customers.anonymous_id_count,
    customers.email_count,
    customers.user_id_count,
    customers.hubspot_contact_count,
    customers.stripe_customer_count,
    customers.zendesk_user_count,
from customers
left join chosen_email
    on customers.customer_uid = chosen_email.customer_uid
left join chosen_user
    on customers.customer_uid = chosen_user.customer_uid
left join chosen_contact
    on customers.customer_uid = chosen_contact.customer_uid
left join chosen_stripe_customer
    on customers.customer_uid = chosen_stripe_customer.customer_uid
left join chosen_zendesk_user
    on customers.customer_uid = chosen_zendesk_user.customer_uid
