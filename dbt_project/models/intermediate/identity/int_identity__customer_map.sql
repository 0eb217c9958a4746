{{ config(materialized='table') }}
{#-
    One row per identifier → its customer_uid: the connected component of the identity graph
    (int_identity__nodes, int_identity__edges) the identifier belongs to, named after its
    smallest member.

    Order: a member's node_id, the md5 surrogate key of (identifier_type, identifier). The
    customer_uid is the smallest node_id of the component, so it depends only on which
    identifiers are connected, never on load order or run, and carries no email in clear text.

    Components, in two steps:
    1. Three rounds of contraction (plain CTEs): every node hooks to the smallest of itself
       and its neighbours, and each edge becomes an edge between the hooks of its ends (dropped
       when they are the same). Hooks stay in their node's component, an edge's hooks stay
       connected, and a component's smallest node hooks to itself, so the contracted graph has
       the same components and the same minima. A star (one user id on many devices) collapses
       here, where label propagation alone would cost quadratic work; a sparse random graph
       shrinks by a factor of about 1.5-3 per round.
    2. Label propagation in a recursive CTE over the contracted graph: every hook starts
       labelled with itself; a label crosses an edge only towards a larger node. The smallest
       member is smaller than every other member, so it crosses every edge on any path and
       reaches every member; each node's customer_uid is the smallest label it received.
       `union` (not `union all`) keeps each (node, label) once and labels only move to larger
       nodes, so a cycle adds nothing new and the recursion stops whatever the chain length
       (after at most as many steps as the longest path has edges).
-#}
with recursive

nodes as (
    select
        node_id,
        identifier_type,
        identifier,
    from {{ ref('int_identity__nodes') }}
),

hooks_0 as (
    select
        node_id,
        node_id as hook_id,
    from nodes
),

members_0 as (
    select
        node_id,
        hook_id,
    from hooks_0
),

edges_0 as (
    select
        node_a_id,
        node_b_id,
    from {{ ref('int_identity__edges') }}
),

-- Contraction round 1: each node hooks to the smallest of itself and its neighbours.
candidates_1 as (
    select distinct
        hook_id as node_id,
        hook_id as candidate_id,
    from hooks_0
    union all
    select
        node_a_id as node_id,
        node_b_id as candidate_id,
    from edges_0
    union all
    select
        node_b_id as node_id,
        node_a_id as candidate_id,
    from edges_0
),

hooks_1 as (
    select
        node_id,
        min(candidate_id) as hook_id,
    from candidates_1
    group by node_id
),

edges_1 as (
    select distinct
        least(hooks_a.hook_id, hooks_b.hook_id) as node_a_id,
        greatest(hooks_a.hook_id, hooks_b.hook_id) as node_b_id,
    from edges_0
    inner join hooks_1 as hooks_a
        on edges_0.node_a_id = hooks_a.node_id
    inner join hooks_1 as hooks_b
        on edges_0.node_b_id = hooks_b.node_id
    where hooks_a.hook_id != hooks_b.hook_id
),

-- Each identifier's node in the contracted graph after this round.
members_1 as (
    select
        members_0.node_id,
        hooks_1.hook_id,
    from members_0
    inner join hooks_1
        on members_0.hook_id = hooks_1.node_id
),

-- Contraction round 2: the same over round 1's graph (its nodes are round 1's hooks).
candidates_2 as (
    select distinct
        hook_id as node_id,
        hook_id as candidate_id,
    from hooks_1
    union all
    select
        node_a_id as node_id,
        node_b_id as candidate_id,
    from edges_1
    union all
    select
        node_b_id as node_id,
        node_a_id as candidate_id,
    from edges_1
),

hooks_2 as (
    select
        node_id,
        min(candidate_id) as hook_id,
    from candidates_2
    group by node_id
),

edges_2 as (
    select distinct
        least(hooks_a.hook_id, hooks_b.hook_id) as node_a_id,
        greatest(hooks_a.hook_id, hooks_b.hook_id) as node_b_id,
    from edges_1
    inner join hooks_2 as hooks_a
        on edges_1.node_a_id = hooks_a.node_id
    inner join hooks_2 as hooks_b
        on edges_1.node_b_id = hooks_b.node_id
    where hooks_a.hook_id != hooks_b.hook_id
),

members_2 as (
    select
        members_1.node_id,
        hooks_2.hook_id,
    from members_1
    inner join hooks_2
        on members_1.hook_id = hooks_2.node_id
),

-- Contraction round 3: the same over round 2's graph.
candidates_3 as (
    select distinct
        hook_id as node_id,
        hook_id as candidate_id,
    from hooks_2
    union all
    select
        node_a_id as node_id,
        node_b_id as candidate_id,
    from edges_2
    union all
    select
        node_b_id as node_id,
        node_a_id as candidate_id,
    from edges_2
),

hooks_3 as (
    select
        node_id,
        min(candidate_id) as hook_id,
    from candidates_3
    group by node_id
),

edges_3 as (
    select distinct
        least(hooks_a.hook_id, hooks_b.hook_id) as node_a_id,
        greatest(hooks_a.hook_id, hooks_b.hook_id) as node_b_id,
    from edges_2
    inner join hooks_3 as hooks_a
        on edges_2.node_a_id = hooks_a.node_id
    inner join hooks_3 as hooks_b
        on edges_2.node_b_id = hooks_b.node_id
    where hooks_a.hook_id != hooks_b.hook_id
),

members_3 as (
    select
        members_2.node_id,
        hooks_3.hook_id,
    from members_2
    inner join hooks_3
        on members_2.hook_id = hooks_3.node_id
),

directed as (
    select
        node_a_id as from_node_id,
        node_b_id as to_node_id,
    from edges_3
    union all
    select
        node_b_id as from_node_id,
        node_a_id as to_node_id,
    from edges_3
),

labels (node_id, candidate_uid) as (
    select distinct
        hook_id as node_id,
        hook_id as candidate_uid,
    from hooks_3
    union
    select
        directed.to_node_id as node_id,
        labels.candidate_uid,
    from labels
    inner join directed
        on labels.node_id = directed.from_node_id
    where labels.candidate_uid < directed.to_node_id
),

components as (
    select
        node_id,
        min(candidate_uid) as customer_uid,
    from labels
    group by node_id
)

select
    components.customer_uid,
    nodes.identifier,
    nodes.identifier_type,
from nodes
inner join members_3
    on nodes.node_id = members_3.node_id
inner join components
    on members_3.hook_id = components.node_id
