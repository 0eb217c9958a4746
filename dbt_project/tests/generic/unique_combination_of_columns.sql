{#-
    The grain test for models keyed by several columns: no two rows share the same values in
    `combination_of_columns` (dbt_utils' test of the same name; hub packages cannot be installed).
    Nulls count as values, so a key with a null part is still checked.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

keys as (
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
)

select *
from keys
where occurrences > 1

{% endtest %}
