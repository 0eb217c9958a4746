{#-
    Keep one row per key: the latest by `order_by` (e.g. `_fivetran_synced desc`,
    `_valid_from desc`). Used for history tables ("latest row") and for sources that can
    deliver a record twice. Renders a full select, so use it as a CTE body:

        deduped as (
            {{ dedupe('source', 'id', '_loaded_at desc') }}
        ),

    partition_by and order_by take SQL expressions (a list is joined with commas). `keep_if`
    is a condition on the row kept, checked after it is picked: a key whose latest row fails
    it disappears rather than falling back to an older row.
-#}
{% macro dedupe(relation, partition_by, order_by, keep_if=none) -%}
    {%- set partition_sql = partition_by | join(', ') if partition_by is not string
        else partition_by -%}
    {%- set order_sql = order_by | join(', ') if order_by is not string else order_by -%}
    select *
    from {{ relation }}
    qualify row_number() over (partition by {{ partition_sql }} order by {{ order_sql }}) = 1
    {%- if keep_if is not none %}
        and {{ keep_if }}
    {%- endif %}
{%- endmacro %}

{#- The live state of each record of a Fivetran table that soft-deletes (`_fivetran_deleted`):
    its latest version by the source's `updated_at`, then by sync time, and no row at all when
    that version is a deletion (a deleted record must not come back as an older live version).
    Renders a full select, like dedupe. -#}
{% macro fivetran_live_latest(relation, key) -%}
    {{ dedupe(
        relation,
        key,
        ['updated_at desc', '_fivetran_synced desc'],
        keep_if='not coalesce(_fivetran_deleted, false)',
    ) }}
{%- endmacro %}
