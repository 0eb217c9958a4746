{#-
    The attribution file (mirror: rewritten whole on every run): one row per (model, channel)
    with the conversions and revenue the model credits the channel, for the finance and
    marketing teams' own tools. The five rule-based models come from fct_attribution_rule_based
    (summed over its touches), Markov and Shapley from the analytics package's tables. Each
    model's credited conversions sum to the converted journeys it credits (a journey with no
    touch in the window is credited by none).
    attribution_key = model || ':' || channel, the file's key.
-#}

with

rule_based as (
    select
        model,
        channel,
        sum(credited_conversions) as credited_conversions,
        sum(credited_revenue) as credited_revenue,
    from {{ ref('fct_attribution_rule_based') }}
    group by model, channel
),

markov as (
    select
        'markov' as model,
        channel,
        conversions as credited_conversions,
        revenue as credited_revenue,
    from {{ source('analytics', 'markov_attribution') }}
),

shapley as (
    select
        'shapley' as model,
        channel,
        conversions as credited_conversions,
        revenue as credited_revenue,
    from {{ source('analytics', 'shapley_attribution') }}
),

credits as (
    select * from rule_based
    union all
    select * from markov
    union all
    select * from shapley
),

shares as (
    select
        *,
        credited_conversions
        / nullif(sum(credited_conversions) over (partition by model), 0) as conversion_share,
        credited_revenue
        / nullif(sum(credited_revenue) over (partition by model), 0) as revenue_share,
    from credits
)

select
    cast(model || ':' || channel as varchar) as attribution_key,
    cast(model as varchar) as model,
    cast(channel as varchar) as channel,
    -- Rounded: sums of doubles differ in their last bits from run to run (parallel
    -- aggregation), and the sync would rewrite the file for noise.
    cast(round(credited_conversions, 9) as double) as credited_conversions,
    cast(round(credited_revenue, 6) as double) as credited_revenue,
    cast(round(conversion_share, 9) as double) as conversion_share,
    cast(round(revenue_share, 9) as double) as revenue_share,
from shares
