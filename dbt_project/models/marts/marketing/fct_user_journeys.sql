{#-
    Each customer's path to conversion, one row per touch: the touches of
    int_marketing__touchpoints that fall inside the customer's journey window, numbered in time
    order (row_id 1..n; ties broken by touchpoint_id, so the numbering is the same every run and
    incremental syncs can key on (user_id, row_id)).

    Window: the var attribution_lookback_days days before the journey's end, end excluded.
    - A converted customer's journey ends at the conversion (int_marketing__conversions): only
      touches strictly before it count (a touch at the conversion instant is part of the
      conversion, not a cause of it); touches after it are not part of any journey.
    - A customer who has not converted by the as-of day keeps a non-converting journey ending at
      the end of the as-of day (conversion_time null, revenue 0): Markov and Shapley models
      need the paths that did not convert as much as those that did.
    A converted customer with no touch in the window has no journey row (an unattributable
    conversion); fct_attribution_rule_based credits only journeys that have touches.
    Columns user_id, event_category, event, channel, timestamp, conversion_time, revenue and
    row_id follow the common journey-dataset layout attribution tools read.
-#}

{%- set lookback_days = var('attribution_lookback_days', 90) %}

with

touchpoints as (
    select * from {{ ref('int_marketing__touchpoints') }}
),

conversions as (
    select * from {{ ref('int_marketing__conversions') }}
),

as_of as (
    select {{ dbt.dateadd('day', 1, 'max(date_day)') }} as as_of_end
    from {{ ref('int_calendar__days') }}
),

windowed as (
    select
        touchpoints.*,
        conversions.conversion_id,
        conversions.converted_at,
        coalesce(conversions.revenue, 0) as revenue,
        coalesce(conversions.converted_at, as_of.as_of_end) as journey_ends_at,
    from touchpoints
    cross join as_of
    left join conversions
        on touchpoints.customer_uid = conversions.customer_uid
    where
        touchpoints.touched_at < coalesce(conversions.converted_at, as_of.as_of_end)
        and touchpoints.touched_at >= {{ dbt.dateadd(
            'day', -lookback_days, 'coalesce(conversions.converted_at, as_of.as_of_end)'
        ) }}
)

select
    customer_uid as user_id,
    row_number() over (
        partition by customer_uid
        order by touched_at, touchpoint_id
    ) as row_id,
    touchpoint_id,
    event_category,
    event,
    channel,
    campaign,
    ad_platform,
    ad_campaign_id,
    touched_at as timestamp,
    converted_at as conversion_time,
    cast(revenue as decimal(18, 2)) as revenue,
    conversion_id is not null as is_converted,
    conversion_id,
    journey_ends_at,
from windowed
