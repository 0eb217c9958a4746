{#-
    The customers with product activity in the trailing month (active_days_28d > 0) are the
    monthly active users of fct_active_users_daily on the as-of day (same window, var
    active_users_month_days). Returns one row when they differ.
-#}
with

as_of_mau as (

    select facts.monthly_active_users
    from {{ ref('fct_active_users_daily') }} as facts
    inner join {{ ref('int_calendar__days') }} as calendar
        on facts.date_day = calendar.date_day
    where calendar.is_as_of_day

),

active_customers as (

    select count(*) as active_customers
    from {{ ref('dim_customers') }}
    where active_days_28d > 0

)

select
    as_of_mau.monthly_active_users,
    active_customers.active_customers,
from as_of_mau
cross join active_customers
where as_of_mau.monthly_active_users != active_customers.active_customers
