{#-
    The MRR movements: one row per customer and month whose MRR changed (new, expansion,
    contraction, churned, reactivation), from fct_mrr. Per month, sum(mrr_change) is the
    month-over-month change in total MRR.
-#}
with

mrr as (

    select * from {{ ref('fct_mrr') }}

)

select
    customer_month_id,
    customer_id,
    customer_uid,
    month_start,
    movement_type,
    previous_mrr,
    mrr,
    mrr_change,
from mrr
where movement_type in ('new', 'expansion', 'contraction', 'churned', 'reactivation')
