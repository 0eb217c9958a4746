{#-
    The journey features file (mirror: rewritten whole on every run): one row per customer with
    a journey in fct_user_journeys (touches inside the attribution window; converted journeys
    end at the conversion, the others at the end of the as-of day), summarised for a data
    science team or a CDP that models paths: how many touches over how many channels, where the
    journey started and ended, and how long it took to convert.
-#}

with

journeys as (
    select * from {{ ref('fct_user_journeys') }}
),

features as (
    select
        user_id as customer_uid,
        count(*) as touch_count,
        count(distinct channel) as channel_count,
        sum(case when event_category = 'ad_click' then 1 else 0 end) as ad_click_count,
        max(case when row_id = 1 then channel end) as first_channel,
        max(timestamp) as last_touch_at,
        min(timestamp) as first_touch_at,
        bool_or(is_converted) as is_converted,
        max(conversion_time) as converted_at,
        max(revenue) as conversion_revenue,
        max(row_id) as last_row_id,
    from journeys
    group by user_id
),

last_touches as (
    select
        user_id as customer_uid,
        row_id,
        channel as last_channel,
    from journeys
)

select
    cast(features.customer_uid as varchar) as customer_uid,
    cast(features.touch_count as integer) as touch_count,
    cast(features.channel_count as integer) as channel_count,
    cast(features.ad_click_count as integer) as ad_click_count,
    cast(features.first_channel as varchar) as first_channel,
    cast(last_touches.last_channel as varchar) as last_channel,
    cast(features.first_touch_at as timestamp) as first_touch_at,
    cast(features.last_touch_at as timestamp) as last_touch_at,
    cast(features.is_converted as boolean) as is_converted,
    cast(features.converted_at as timestamp) as converted_at,
    cast(
        {{ dbt.datediff('features.first_touch_at', 'features.converted_at', 'second') }}
        / 86400.0 as double
    ) as days_to_conversion,
    cast(features.conversion_revenue as decimal(18, 2)) as conversion_revenue,
from features
inner join last_touches
    on
        features.customer_uid = last_touches.customer_uid
        and features.last_row_id = last_touches.row_id
