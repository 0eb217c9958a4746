{#-
    Two totals that must agree: sum(`column_name`) over `model` (optionally filtered by `filter`)
    against sum(`compare_column`) over `compare_model` (optionally filtered by `compare_filter`),
    within `tolerance` (default 0: to the cent for money). Fails with one row showing both sums.
-#}
{% test reconciles_to(
    model, column_name, compare_model, compare_column, filter=none, compare_filter=none,
    tolerance=0
) %}

with

left_total as (
    select coalesce(sum({{ column_name }}), 0) as total
    from {{ model }}
    {% if filter %}where {{ filter }}{% endif %}
),

right_total as (
    select coalesce(sum({{ compare_column }}), 0) as total
    from {{ compare_model }}
    {% if compare_filter %}where {{ compare_filter }}{% endif %}
)

select
    left_total.total as model_total,
    right_total.total as compare_total
from left_total
cross join right_total
where abs(left_total.total - right_total.total) > {{ tolerance }}

{% endtest %}
