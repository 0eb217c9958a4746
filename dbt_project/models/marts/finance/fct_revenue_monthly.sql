{#-
    Recognised revenue per month (cash basis, from fct_revenue): payments, refunds and net
    revenue, with how many customers paid. Every calendar month appears, zero when nothing was
    paid or refunded.
-#}
with

revenue as (

    select * from {{ ref('fct_revenue') }}

),

calendar as (

    select * from {{ ref('int_calendar__days') }}

),

dated as (

    select
        *,
        cast({{ dbt.date_trunc('month', 'recognized_on') }} as date) as month_start,
    from revenue

),

months as (

    select month_start from calendar
    union
    select month_start from dated

),

monthly as (

    select
        month_start,
        sum(case when event_type = 'payment' then amount else 0 end) as gross_revenue,
        -sum(case when event_type = 'refund' then amount else 0 end) as refunded_amount,
        sum(amount) as net_revenue,
        sum(case when event_type = 'payment' then 1 else 0 end) as payments,
        sum(case when event_type = 'refund' then 1 else 0 end) as refunds,
        count(distinct case when event_type = 'payment' then customer_id end)
            as paying_customers,
    from dated
    group by month_start

)

select
    months.month_start,
    cast(coalesce(monthly.gross_revenue, 0) as decimal(18, 2)) as gross_revenue,
    cast(coalesce(monthly.refunded_amount, 0) as decimal(18, 2)) as refunded_amount,
    cast(coalesce(monthly.net_revenue, 0) as decimal(18, 2)) as net_revenue,
    cast(coalesce(monthly.payments, 0) as bigint) as payments,
    cast(coalesce(monthly.refunds, 0) as bigint) as refunds,
    cast(coalesce(monthly.paying_customers, 0) as bigint) as paying_customers,
from months
left join monthly
    on months.month_start = monthly.month_start
