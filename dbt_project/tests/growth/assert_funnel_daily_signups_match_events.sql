-- Every account that signed up (a distinct user id on a signed_up event as the event stream
-- landed it) is counted once in fct_funnel_daily: a signup outside the calendar or lost on the
-- way (staging, identity, the calendar) fails.
with

daily as (
    select sum(signups) as signups
    from {{ ref('fct_funnel_daily') }}
),

landed as (
    select count(distinct user_id) as signups
    from {{ source('events', 'signed_up') }}
)

select
    daily.signups as daily_signups,
    landed.signups as landed_signups,
from daily
cross join landed
where daily.signups != landed.signups
