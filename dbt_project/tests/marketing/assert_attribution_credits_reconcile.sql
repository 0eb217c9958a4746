-- Per model, credited conversions sum to the number of converted journeys (±1e-6) and
-- credited revenue to the revenue of their conversions (int_marketing__conversions), to the
-- cent. A journey dropped or counted twice by any model fails here.
with

converted as (
    select distinct conversion_id
    from {{ ref('fct_user_journeys') }}
    where is_converted
),

conversion_totals as (
    select
        count(*) as conversions,
        coalesce(sum(conversions.revenue), 0) as revenue,
    from {{ ref('int_marketing__conversions') }} as conversions
    inner join converted
        on conversions.conversion_id = converted.conversion_id
),

model_totals as (
    select
        model,
        sum(credited_conversions) as credited_conversions,
        sum(credited_revenue) as credited_revenue,
    from {{ ref('fct_attribution_rule_based') }}
    group by model
)

select
    model_totals.model,
    model_totals.credited_conversions,
    conversion_totals.conversions,
    model_totals.credited_revenue,
    conversion_totals.revenue,
from model_totals
cross join conversion_totals
where
    abs(model_totals.credited_conversions - conversion_totals.conversions) > 1e-6
    or abs(round(model_totals.credited_revenue, 2) - conversion_totals.revenue) >= 0.01
