{#-
    Each model of the attribution file credits exactly the conversions
    fct_attribution_rule_based credits (the converted journeys with a touch): the rule-based
    models by construction, Markov and Shapley because they credit the same journeys. Returns
    the models whose credited conversions differ from that count.
-#}

with

credited as (
    select
        model,
        sum(credited_conversions) as credited_conversions,
    from {{ ref('sync_files__attribution') }}
    group by model
),

conversions as (
    select count(distinct conversion_id) as conversions
    from {{ ref('fct_attribution_rule_based') }}
)

select
    credited.model,
    credited.credited_conversions,
    conversions.conversions,
from credited
cross join conversions
where abs(credited.credited_conversions - conversions.conversions) > 1e-6
