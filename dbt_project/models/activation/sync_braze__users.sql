{#-
    What the Braze users sync upserts: every account of the product (Firestore's users, the
    app's own user database), external_id = the app's user id, as the app's Braze SDK
    identifies it. A person with two accounts is two Braze users, each carrying the person's
    plan, lead score and lifecycle stage (dim_customers, analytics.lead_scores).

    email and signed_up_at are the account's own; an account the identity map does not know
    (none should exist) still syncs, without the person's attributes.
-#}

with

accounts as (
    select
        user_id,
        email,
        signed_up_at,
    from {{ ref('stg_firestore__users') }}
),

account_people as (
    select
        identifier as user_id,
        customer_uid,
    from {{ ref('int_identity__customer_map') }}
    where identifier_type = 'user_id'
),

customers as (
    select
        customer_uid,
        plan,
        lifecycle_stage,
    from {{ ref('dim_customers') }}
),

scores as (
    select
        customer_uid,
        score,
    from {{ source('analytics', 'lead_scores') }}
)

select
    cast(accounts.user_id as varchar) as external_id,
    cast(accounts.email as varchar) as email,
    cast(customers.plan as varchar) as plan,
    cast(scores.score as double) as lead_score,
    cast(customers.lifecycle_stage as varchar) as lifecycle_stage,
    cast(accounts.signed_up_at as timestamp) as signed_up_at,
from accounts
left join account_people
    on accounts.user_id = account_people.user_id
left join customers
    on account_people.customer_uid = customers.customer_uid
left join scores
    on account_people.customer_uid = scores.customer_uid
