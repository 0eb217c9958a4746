{{ config(materialized='table') }}
{#-
    The identity graph's edges: one row per pair of identifiers seen together in at least one
    source record (int_identity__observations), stored once with node_a_id < node_b_id. A
    record with three identifiers gives three edges; the same pair in several sources is one
    edge listing them. Super-connectors (int_identity__nodes.is_super_connector) have no edges.
-#}
with

observations as (
    select * from {{ ref('int_identity__observations') }}
),

super_connectors as (
    select node_id
    from {{ ref('int_identity__nodes') }}
    where is_super_connector
),

guarded as (
    select observations.*
    from observations
    left join super_connectors
        on observations.node_id = super_connectors.node_id
    where super_connectors.node_id is null
),

pairs as (
    select
        node_a.node_id as node_a_id,
        node_a.identifier_type as node_a_type,
        node_a.identifier as node_a_identifier,
        node_b.node_id as node_b_id,
        node_b.identifier_type as node_b_type,
        node_b.identifier as node_b_identifier,
        node_a.source_name,
    from guarded as node_a
    inner join guarded as node_b
        on
            node_a.record_key = node_b.record_key
            and node_a.node_id < node_b.node_id
)

select
    {{ surrogate_key(['node_a_id', 'node_b_id']) }} as edge_id,
    node_a_id,
    node_a_type,
    node_a_identifier,
    node_b_id,
    node_b_type,
    node_b_identifier,
    count(distinct source_name) as source_count,
    string_agg(distinct source_name, ',' order by source_name) as source_names,
from pairs
group by
    node_a_id,
    node_a_type,
    node_a_identifier,
    node_b_id,
    node_b_type,
    node_b_identifier
