-- Every account that signed up (a distinct user id on a signed_up event in staging) is
-- counted once in fct_funnel_daily: a signup outside the calendar or lost on the way fails.
with

daily as (
    select sum(signups) as signups
    from {{ ref('fct_funnel_daily') }}
),

staged as (
    select count(distinct user_id) as signups
    from {{ ref('stg_events__signed_up') }}
)

select
    daily.signups as daily_signups,
    staged.signups as staging_signups,
from daily
cross join staged
where daily.signups != staged.signups
