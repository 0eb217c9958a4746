-- Every converted journey is fully credited once under every model: its weights are
-- non-negative and sum to 1 (±1e-9) for each of the five rules, none missing.
{%- set models = [
    'first_touch', 'last_non_direct_touch', 'linear', 'time_decay', 'position_based'
] %}

with

journeys as (
    select distinct conversion_id
    from {{ ref('fct_user_journeys') }}
    where is_converted
),

models as (
    {%- for model in models %}
        select '{{ model }}' as model  -- noqa: RF04
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

expected as (
    select
        journeys.conversion_id,
        models.model,
    from journeys
    cross join models
),

sums as (
    select
        conversion_id,
        model,
        sum(weight) as total_weight,
        min(weight) as min_weight,
    from {{ ref('fct_attribution_rule_based') }}
    group by conversion_id, model
)

select
    coalesce(expected.conversion_id, sums.conversion_id) as conversion_id,
    coalesce(expected.model, sums.model) as model,  -- noqa: RF04
    sums.total_weight,
    sums.min_weight,
from expected
full outer join sums
    on
        expected.conversion_id = sums.conversion_id
        and expected.model = sums.model
where
    expected.conversion_id is null
    or sums.total_weight is null
    or abs(sums.total_weight - 1) > 1e-9
    or sums.min_weight < 0
