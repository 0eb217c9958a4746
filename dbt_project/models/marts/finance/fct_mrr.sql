{#-
    MRR per Stripe customer and month (month-end), with the month's movement against the month
    before: new (first MRR ever), expansion, contraction, churned (MRR falls to 0),
    reactivation (MRR again after a churn), retained (unchanged and > 0) or inactive (0 → 0).
    mrr_change = mrr - previous_mrr, so the changes of a month's rows sum to its change in
    total MRR.
-#}
with

customer_months as (

    select * from {{ ref('int_finance__customer_mrr_monthly') }}

),

compared as (

    select
        *,
        coalesce(
            lag(mrr) over (partition by customer_id order by month_start),
            0
        ) as previous_mrr,
        coalesce(
            max(case when mrr > 0 then 1 else 0 end) over (
                partition by customer_id
                order by month_start
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) = 1 as had_mrr_before,
    from customer_months

)

select
    customer_month_id,
    customer_id,
    customer_uid,
    month_start,
    measured_at,
    is_as_of_month,
    mrr,
    cast(previous_mrr as decimal(18, 2)) as previous_mrr,
    cast(mrr - previous_mrr as decimal(18, 2)) as mrr_change,
    active_subscriptions,
    quantity,
    mrr > 0 as is_active,
    case
        when previous_mrr = 0 and mrr > 0 and not had_mrr_before then 'new'
        when previous_mrr = 0 and mrr > 0 then 'reactivation'
        when previous_mrr > 0 and mrr = 0 then 'churned'
        when mrr > previous_mrr then 'expansion'
        when mrr < previous_mrr then 'contraction'
        when mrr > 0 then 'retained'
        else 'inactive'
    end as movement_type,
from compared
