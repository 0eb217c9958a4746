{#-
    Every person the identity map gives a Stripe customer has one in dim_customers: the count of
    customers with a stripe_customer_id equals the distinct customer_uids of the map's Stripe
    customer ids, and the Stripe customers counted per person sum to the map's Stripe customers.
    Returns one row when they differ.
-#}
with

mapped as (

    select
        count(distinct customer_uid) as people,
        count(*) as stripe_customers,
    from {{ ref('int_identity__customer_map') }}
    where identifier_type = 'stripe_customer_id'

),

customers as (

    select
        count(stripe_customer_id) as people,
        coalesce(sum(stripe_customer_count), 0) as stripe_customers,
    from {{ ref('dim_customers') }}

)

select
    mapped.people as mapped_people,
    customers.people as customers_with_stripe_id,
    mapped.stripe_customers as mapped_stripe_customers,
    customers.stripe_customers as counted_stripe_customers,
from mapped
cross join customers
where
    mapped.people != customers.people
    or mapped.stripe_customers != customers.stripe_customers
