{{ config(materialized='table') }}
{#-
    The customer-month spine (dbt-labs' mrr-playbook): one row per Stripe customer and month
    from the month of their first billing period to the as-of month, with the MRR in force at
    the month's end (0 when nothing was billing then). The as-of month is measured at the end
    of the as-of day (the data's "today", from int_calendar__days), never the wall clock. A
    stretch that starts and ends inside one month is never in force at a month's end, so it
    shows in no month's MRR (the usual month-end convention).
-#}
with

calendar as (

    select * from {{ ref('int_calendar__days') }}

),

periods as (

    select * from {{ ref('int_finance__subscription_periods') }}

),

identity_map as (

    select * from {{ ref('int_identity__customer_map') }}
    where identifier_type = 'stripe_customer_id'

),

customers as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'min(valid_from)') }} as date) as first_month,
    from periods
    group by customer_id

),

customer_bounds as (

    select min(first_month) as first_month from customers

),

calendar_bounds as (

    select
        min(month_start) as first_month,
        max(date_day) as as_of_day,
    from calendar

),

bounds as (

    select
        calendar_bounds.as_of_day,
        least(
            coalesce(customer_bounds.first_month, calendar_bounds.first_month),
            calendar_bounds.first_month
        ) as first_month,
    from calendar_bounds
    cross join customer_bounds

),

months as (

    {{ date_spine('(select first_month from bounds)', '(select as_of_day from bounds)', 'month') }}

),

snapshots as (

    select
        months.date_month as month_start,
        months.date_month = cast({{ dbt.date_trunc('month', 'bounds.as_of_day') }} as date)
            as is_as_of_month,
        cast(
            least(
                {{ dbt.dateadd('month', 1, 'months.date_month') }},
                {{ dbt.dateadd('day', 1, 'bounds.as_of_day') }}
            ) as timestamp
        ) as measured_at,
    from months
    cross join bounds

),

customer_months as (

    select
        customers.customer_id,
        snapshots.month_start,
        snapshots.is_as_of_month,
        snapshots.measured_at,
    from customers
    inner join snapshots
        on customers.first_month <= snapshots.month_start

),

in_force as (

    select
        customer_months.customer_id,
        customer_months.month_start,
        sum(periods.mrr) as mrr,
        count(distinct periods.subscription_id) as active_subscriptions,
        sum(periods.quantity) as quantity,
    from customer_months
    inner join periods
        on
            customer_months.customer_id = periods.customer_id
            and customer_months.measured_at > periods.valid_from
            and (customer_months.measured_at <= periods.valid_to or periods.valid_to is null)
    group by customer_months.customer_id, customer_months.month_start

)

select
    {{ surrogate_key(['customer_months.customer_id', 'customer_months.month_start']) }}
        as customer_month_id,
    customer_months.customer_id,
    identity_map.customer_uid,
    customer_months.month_start,
    customer_months.measured_at,
    customer_months.is_as_of_month,
    cast(coalesce(in_force.mrr, 0) as decimal(18, 2)) as mrr,
    cast(coalesce(in_force.active_subscriptions, 0) as bigint) as active_subscriptions,
    cast(coalesce(in_force.quantity, 0) as bigint) as quantity,
from customer_months
left join in_force
    on
        customer_months.customer_id = in_force.customer_id
        and customer_months.month_start = in_force.month_start
left join identity_map
    on customer_months.customer_id = identity_map.identifier
