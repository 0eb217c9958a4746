-- The customer map is a partition into connected components: both ends of every edge of the
-- identity graph must carry the same customer_uid. Returns the edges that do not.
select
    edges.edge_id,
    map_a.customer_uid as node_a_customer_uid,
    map_b.customer_uid as node_b_customer_uid,
from {{ ref('int_identity__edges') }} as edges
inner join {{ ref('int_identity__customer_map') }} as map_a
    on
        edges.node_a_type = map_a.identifier_type
        and edges.node_a_identifier = map_a.identifier
inner join {{ ref('int_identity__customer_map') }} as map_b
    on
        edges.node_b_type = map_b.identifier_type
        and edges.node_b_identifier = map_b.identifier
where map_a.customer_uid != map_b.customer_uid
