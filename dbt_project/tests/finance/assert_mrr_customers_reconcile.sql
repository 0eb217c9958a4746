{#-
    Customers per month reconcile: the customers paying at a month's end are those paying the
    month before, plus new and reactivated, minus churned (from fct_mrr and fct_mrr_movements),
    and fct_mrr_monthly's counts are the same. Returns the months where they do not.
-#}
with

mrr as (

    select * from {{ ref('fct_mrr') }}

),

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

bridge as (

    select * from {{ ref('fct_mrr_monthly') }}

),

active as (

    select
        month_start,
        sum(case when mrr > 0 then 1 else 0 end) as active_customers,
    from mrr
    group by month_start

),

flows as (

    select
        month_start,
        sum(case when movement_type = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement_type = 'reactivation' then 1 else 0 end)
            as reactivated_customers,
        sum(case when movement_type = 'churned' then 1 else 0 end) as churned_customers,
    from movements
    group by month_start

),

compared as (

    select
        bridge.month_start,
        coalesce(active.active_customers, 0) as active_customers,
        coalesce(lag(active.active_customers) over (order by bridge.month_start), 0)
        + coalesce(flows.new_customers, 0)
        + coalesce(flows.reactivated_customers, 0)
        - coalesce(flows.churned_customers, 0) as expected_active_customers,
        bridge.active_customers as bridge_active_customers,
        bridge.previous_active_customers
        + bridge.new_customers
        + bridge.reactivated_customers
        - bridge.churned_customers as bridge_expected_active_customers,
    from bridge
    left join active
        on bridge.month_start = active.month_start
    left join flows
        on bridge.month_start = flows.month_start

)

select *
from compared
where
    active_customers <> expected_active_customers
    or bridge_active_customers <> active_customers
    or bridge_expected_active_customers <> bridge_active_customers
