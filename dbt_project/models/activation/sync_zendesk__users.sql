{#-
    What the Zendesk users sync upserts (create_or_update_many, matched by email): the people
    who already are Zendesk end-users, with what support wants beside a ticket (their company's
    industry, plan and current MRR), one row per email.

    The email is the Zendesk user's own (not the person's preferred one in dim_customers):
    Zendesk matches on it, and another of the person's emails would create a second user.
    name is the name Zendesk has (required to create a user), else the email's local part; the
    column is called as the sync's mapping names it, a keyword or not.
-#}

with

customers as (
    select
        customer_uid,
        zendesk_user_id,
        industry,
        plan,
        current_mrr,
    from {{ ref('dim_customers') }}
    where zendesk_user_id is not null
),

zendesk_users as (
    select
        user_id,
        email,
        user_name,
    from {{ ref('stg_zendesk__user') }}
    where
        not is_agent
        and email is not null
),

joined as (
    select
        zendesk_users.email,
        coalesce(
            nullif(trim(zendesk_users.user_name), ''),
            split_part(zendesk_users.email, '@', 1)
        ) as name,  -- noqa: RF04
        customers.industry,
        customers.plan,
        customers.current_mrr as mrr,
        customers.customer_uid,
    from customers
    inner join zendesk_users
        on customers.zendesk_user_id = zendesk_users.user_id
),

one_per_email as (
    select * from joined
    qualify row_number() over (partition by email order by customer_uid) = 1
)

select
    cast(email as varchar) as email,
    cast(name as varchar) as name,  -- noqa: RF04
    cast(industry as varchar) as industry,
    cast(plan as varchar) as plan,
    cast(mrr as decimal(18, 2)) as mrr,
from one_per_email
