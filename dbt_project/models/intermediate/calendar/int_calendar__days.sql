{#-
    The calendar every daily and monthly model joins to: one row per day from the first day
    any tracked activity happened to the as-of date. The as-of date is the var `as_of_date`
    when set, otherwise the day of the latest event the warehouse has received — the data's
    "today", which is not the wall clock's (a warehouse loaded yesterday must not show today
    as a day with no activity).
-#}
with

activity_bounds as (
    select
        min(occurred_at) as first_activity_at,
        max(received_at) as last_received_at
    from {{ ref('stg_events__pages') }}
),

bounds as (
    select
        cast(first_activity_at as date) as first_day,
        {% if var('as_of_date', none) -%}
            cast('{{ var("as_of_date") }}' as date) as as_of_day
        {%- else -%}
            cast(last_received_at as date) as as_of_day
        {%- endif %}
    from activity_bounds
),

days as (
    {{ date_spine('(select first_day from bounds)', '(select as_of_day from bounds)') }}
)

select
    days.date_day,
    cast(date_trunc('week', days.date_day) as date) as week_start,
    cast(date_trunc('month', days.date_day) as date) as month_start,
    days.date_day = bounds.as_of_day as is_as_of_day
from days
cross join bounds
