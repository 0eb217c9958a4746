-- Journey rows respect the window and the numbering: every touch is strictly before the
-- journey's end and no older than var attribution_lookback_days before it; a converted
-- journey ends at its conversion; row_id runs 1..n without gaps.
{%- set lookback_days = var('attribution_lookback_days', 90) %}

with

journeys as (
    select * from {{ ref('fct_user_journeys') }}
),

numbering as (
    select
        user_id,
        count(*) as touches,
        max(row_id) as max_row_id,
        min(row_id) as min_row_id,
        count(distinct journey_ends_at) as journey_ends,
    from journeys
    group by user_id
)

select
    user_id,
    'outside window' as problem,
from journeys
where
    timestamp >= journey_ends_at
    or timestamp < {{ dbt.dateadd('day', -lookback_days, 'journey_ends_at') }}
    or (is_converted and journey_ends_at != conversion_time)
    or (not is_converted and conversion_time is not null)
union all
select
    user_id,
    'row_id not 1..n' as problem,
from numbering
where min_row_id != 1 or max_row_id != touches or journey_ends != 1
