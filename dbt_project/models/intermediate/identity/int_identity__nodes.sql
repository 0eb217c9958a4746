{{ config(materialized='table') }}
{#-
    The identity graph's nodes: every identifier any source shows, one row per
    (identifier_type, identifier), singletons included (an anonymous visitor who never
    identified is a node with no edges, a customer of their own).

    Super-connector guard: an anonymous_id seen together with more than
    var identity_max_user_ids_per_anonymous_id distinct user ids is a shared or polluted device
    (a kiosk, a QA machine, a bot); it is flagged here and int_identity__edges drops all its
    edges, so it cannot merge those users into one customer.
-#}
with

observations as (
    select * from {{ ref('int_identity__observations') }}
),

anonymous_user_counts as (
    select
        anonymous_ids.node_id,
        count(distinct user_ids.identifier) as user_id_count,
    from observations as anonymous_ids
    inner join observations as user_ids
        on anonymous_ids.record_key = user_ids.record_key
    where
        anonymous_ids.identifier_type = 'anonymous_id'
        and user_ids.identifier_type = 'user_id'
    group by anonymous_ids.node_id
),

nodes as (
    select
        node_id,
        identifier_type,
        identifier,
        count(distinct source_name) as source_count,
        string_agg(distinct source_name, ',' order by source_name) as source_names,
    from observations
    group by
        node_id,
        identifier_type,
        identifier
)

select
    nodes.node_id,
    nodes.identifier_type,
    nodes.identifier,
    nodes.source_count,
    nodes.source_names,
    coalesce(anonymous_user_counts.user_id_count, 0) as user_id_count,
    coalesce(anonymous_user_counts.user_id_count, 0)
    > {{ var('identity_max_user_ids_per_anonymous_id', 3) }} as is_super_connector,
from nodes
left join anonymous_user_counts
    on nodes.node_id = anonymous_user_counts.node_id
