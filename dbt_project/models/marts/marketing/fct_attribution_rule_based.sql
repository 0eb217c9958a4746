{#-
    Rule-based multi-touch attribution of every converted journey in fct_user_journeys: one
    row per touch × model, the touch's share (weight) of its conversion under that model. Per
    conversion and model the weights sum to 1, so credited_conversions summed over any slice
    counts conversions and credited_revenue (weight × the conversion's revenue) sums to revenue.

    Models (n = touches in the journey, i = the touch's row_id):
    - first_touch: the first touch gets 1.
    - last_non_direct_touch: the last touch whose channel is not direct gets 1; a journey of
      direct touches only credits its last touch.
    - linear: 1 / n each.
    - time_decay: 2^(-d / var attribution_half_life_days), d = days (fractional) from the touch
      to the conversion, normalised over the journey.
    - position_based: 40 % first, 40 % last, 20 % split evenly over the middle touches; one
      touch gets 100 %, two touches 50 % each.
    `model` is the column name downstream marts read.
-#}

{%- set half_life_days = var('attribution_half_life_days', 7) %}
{%- set models = [
    'first_touch', 'last_non_direct_touch', 'linear', 'time_decay', 'position_based'
] %}

with

converted_touches as (
    select
        user_id,
        row_id,
        touchpoint_id,
        event_category,
        channel,
        campaign,
        ad_platform,
        ad_campaign_id,
        timestamp as touched_at,
        conversion_time,
        conversion_id,
        revenue,
        {{ dbt.datediff('timestamp', 'conversion_time', 'second') }}
        / 86400.0 as days_before_conversion,
    from {{ ref('fct_user_journeys') }}
    where is_converted
),

positioned as (
    select
        *,
        count(*) over (partition by user_id) as touch_count,
        coalesce(
            max(case when channel != 'direct' then row_id end) over (partition by user_id),
            count(*) over (partition by user_id)
        ) as last_non_direct_row_id,
        power(2.0, -days_before_conversion / {{ half_life_days }}) as decay_factor,
    from converted_touches
),

weighted as (
    select
        *,
        case when row_id = 1 then 1.0 else 0.0 end as first_touch,
        case when row_id = last_non_direct_row_id then 1.0 else 0.0 end
            as last_non_direct_touch,
        1.0 / touch_count as linear,
        decay_factor / sum(decay_factor) over (partition by user_id) as time_decay,
        case
            when touch_count = 1 then 1.0
            when touch_count = 2 then 0.5
            when row_id = 1 or row_id = touch_count then 0.4
            else 0.2 / (touch_count - 2)
        end as position_based,
    from positioned
),

unpivoted as (
    {%- for model in models %}
        select
            user_id,
            conversion_id,
            touchpoint_id,
            '{{ model }}' as model,
            cast({{ model }} as double) as weight,
            row_id,
            touch_count,
            event_category,
            channel,
            campaign,
            ad_platform,
            ad_campaign_id,
            touched_at,
            conversion_time,
            days_before_conversion,
            revenue,
        from weighted
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    user_id,
    conversion_id,
    touchpoint_id,
    model,
    weight,
    weight as credited_conversions,
    weight * cast(revenue as double) as credited_revenue,
    row_id,
    touch_count,
    event_category,
    channel,
    campaign,
    ad_platform,
    ad_campaign_id,
    touched_at,
    conversion_time,
    days_before_conversion,
    revenue,
from unpivoted
