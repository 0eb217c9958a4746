{#-
    dim_customers has one row for every person of the identity map and no other: the number of
    rows equals the number of distinct customer_uids in int_identity__customer_map. Returns one
    row when they differ.
-#}
with

people as (

    select count(distinct customer_uid) as people
    from {{ ref('int_identity__customer_map') }}

),

customers as (

    select count(*) as customers
    from {{ ref('dim_customers') }}

)

select
    people.people,
    customers.customers,
from people
cross join customers
where people.people != customers.customers
