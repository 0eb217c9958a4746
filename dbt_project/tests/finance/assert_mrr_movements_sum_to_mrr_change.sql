{#-
    Per month, the MRR movements (fct_mrr_movements) sum exactly to the month-over-month change
    in total MRR (fct_mrr), and the bridge in fct_mrr_monthly agrees: its opening MRR is last
    month's closing, its movements add up to net_new_mrr = closing - opening, and its closing
    MRR is fct_mrr's total. Returns the months where any of these fails.
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

totals as (

    select
        month_start,
        sum(mrr) as total_mrr,
    from mrr
    group by month_start

),

changes as (

    select
        month_start,
        total_mrr,
        total_mrr - coalesce(
            lag(total_mrr) over (order by month_start), 0
        ) as total_mrr_change,
    from totals

),

movement_totals as (

    select
        month_start,
        sum(mrr_change) as movements_change,
    from movements
    group by month_start

),

compared as (

    select
        bridge.month_start,
        coalesce(changes.total_mrr, 0) as fct_mrr_total,
        coalesce(changes.total_mrr_change, 0) as fct_mrr_change,
        coalesce(movement_totals.movements_change, 0) as movements_change,
        bridge.mrr as bridge_mrr,
        bridge.previous_mrr as bridge_previous_mrr,
        coalesce(lag(bridge.mrr) over (order by bridge.month_start), 0)
            as bridge_last_month_mrr,
        bridge.net_new_mrr as bridge_net_new_mrr,
        bridge.new_mrr + bridge.expansion_mrr + bridge.contraction_mrr
        + bridge.churned_mrr + bridge.reactivation_mrr as bridge_movements,
    from bridge
    left join changes
        on bridge.month_start = changes.month_start
    left join movement_totals
        on bridge.month_start = movement_totals.month_start

)

select *
from compared
where
    movements_change <> fct_mrr_change
    or bridge_mrr <> fct_mrr_total
    or bridge_previous_mrr <> bridge_last_month_mrr
    or bridge_net_new_mrr <> bridge_mrr - bridge_previous_mrr
    or bridge_movements <> bridge_net_new_mrr
