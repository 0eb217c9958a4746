{#-
    Keep one row per key: the latest by `order_by` (e.g. `_fivetran_synced desc`,
    `_valid_from desc`). Used for history tables ("latest row") and for sources that can
    deliver a record twice. Renders a full select, so use it as a CTE body:

        deduped as (
            {{ dedupe('source', 'id', '_loaded_at desc') }}
        ),

    partition_by and order_by take SQL expressions (a list is joined with commas).
-#}
{% macro dedupe(relation, partition_by, order_by) -%}
    {%- set partition_sql = partition_by | join(', ') if partition_by is not string
        else partition_by -%}
    {%- set order_sql = order_by | join(', ') if order_by is not string else order_by -%}
    select *
    from {{ relation }}
    qualify row_number() over (partition by {{ partition_sql }} order by {{ order_sql }}) = 1
{%- endmacro %}
