{#-
    The MRR bridge, one row per month: opening MRR (last month's), each movement's total, and
    closing MRR, with customer counts. mrr = previous_mrr + net_new_mrr and
    active_customers = previous_active_customers + new + reactivated - churned, exactly.
-#}
with

mrr as (

    select * from {{ ref('fct_mrr') }}

),

calendar as (

    select * from {{ ref('int_calendar__days') }}

),

-- Every month of the calendar, and any earlier month a customer was billed in.
months as (

    select
        month_start,
        max(case when is_as_of_day then 1 else 0 end) = 1 as is_as_of_month,
    from calendar
    group by month_start
    union
    select
        month_start,
        is_as_of_month,
    from mrr

),

monthly as (

    select
        month_start,
        sum(mrr) as mrr,
        sum(previous_mrr) as previous_mrr,
        sum(case when movement_type = 'new' then mrr_change else 0 end) as new_mrr,
        sum(case when movement_type = 'expansion' then mrr_change else 0 end)
            as expansion_mrr,
        sum(case when movement_type = 'contraction' then mrr_change else 0 end)
            as contraction_mrr,
        sum(case when movement_type = 'churned' then mrr_change else 0 end) as churned_mrr,
        sum(case when movement_type = 'reactivation' then mrr_change else 0 end)
            as reactivation_mrr,
        sum(mrr_change) as net_new_mrr,
        sum(case when mrr > 0 then 1 else 0 end) as active_customers,
        sum(case when previous_mrr > 0 then 1 else 0 end) as previous_active_customers,
        sum(case when movement_type = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement_type = 'expansion' then 1 else 0 end) as expanded_customers,
        sum(case when movement_type = 'contraction' then 1 else 0 end) as contracted_customers,
        sum(case when movement_type = 'churned' then 1 else 0 end) as churned_customers,
        sum(case when movement_type = 'reactivation' then 1 else 0 end) as reactivated_customers,
    from mrr
    group by month_start

)

select
    months.month_start,
    months.is_as_of_month,
    cast(coalesce(monthly.previous_mrr, 0) as decimal(18, 2)) as previous_mrr,
    cast(coalesce(monthly.new_mrr, 0) as decimal(18, 2)) as new_mrr,
    cast(coalesce(monthly.expansion_mrr, 0) as decimal(18, 2)) as expansion_mrr,
    cast(coalesce(monthly.contraction_mrr, 0) as decimal(18, 2)) as contraction_mrr,
    cast(coalesce(monthly.churned_mrr, 0) as decimal(18, 2)) as churned_mrr,
    cast(coalesce(monthly.reactivation_mrr, 0) as decimal(18, 2)) as reactivation_mrr,
    cast(coalesce(monthly.net_new_mrr, 0) as decimal(18, 2)) as net_new_mrr,
    cast(coalesce(monthly.mrr, 0) as decimal(18, 2)) as mrr,
    cast(coalesce(monthly.mrr, 0) * 12 as decimal(18, 2)) as arr,
    cast(coalesce(monthly.previous_active_customers, 0) as bigint) as previous_active_customers,
    cast(coalesce(monthly.new_customers, 0) as bigint) as new_customers,
    cast(coalesce(monthly.expanded_customers, 0) as bigint) as expanded_customers,
    cast(coalesce(monthly.contracted_customers, 0) as bigint) as contracted_customers,
    cast(coalesce(monthly.churned_customers, 0) as bigint) as churned_customers,
    cast(coalesce(monthly.reactivated_customers, 0) as bigint) as reactivated_customers,
    cast(coalesce(monthly.active_customers, 0) as bigint) as active_customers,
    cast(
        case
            when monthly.previous_mrr > 0 then -monthly.churned_mrr / monthly.previous_mrr
        end as double
    ) as gross_mrr_churn_rate,
from months
left join monthly
    on months.month_start = monthly.month_start
