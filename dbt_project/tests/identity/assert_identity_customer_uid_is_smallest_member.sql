-- Every node is mapped, and each customer_uid is the smallest node_id among its members (so it
-- names a member and does not depend on load order). Returns the nodes or customers that break
-- either rule.
with

members as (
    select
        nodes.node_id,
        customer_map.customer_uid,
    from {{ ref('int_identity__nodes') }} as nodes
    left join {{ ref('int_identity__customer_map') }} as customer_map
        on
            nodes.identifier_type = customer_map.identifier_type
            and nodes.identifier = customer_map.identifier
),

customers as (
    select
        customer_uid,
        min(node_id) as smallest_node_id,
    from members
    where customer_uid is not null
    group by customer_uid
)

select
    node_id as failing_key,
    'node missing from the customer map' as problem,
from members
where customer_uid is null
union all
select
    customer_uid as failing_key,
    'customer_uid is not its smallest member' as problem,
from customers
where customer_uid != smallest_node_id
