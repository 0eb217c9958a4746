-- No signup is dropped from the cohorts: the cohorts' signups add up to the distinct user ids
-- that signed up in the event stream as it landed, and the known-channel cohorts hold exactly
-- the signups whose person has a first session channel (the rest are in the 'unknown' bucket).
with

cohorts as (
    select
        sum(signups) as signups,
        sum(case when first_channel != 'unknown' then signups else 0 end) as known_channel,
    from {{ ref('fct_funnel_cohorts') }}
),

landed as (
    select count(distinct user_id) as signups
    from {{ source('events', 'signed_up') }}
),

with_channel as (
    select count(*) as signups
    from {{ ref('int_growth__signups') }} as signups
    inner join {{ ref('int_growth__customer_funnel') }} as funnel
        on signups.customer_uid = funnel.customer_uid
    where funnel.first_channel is not null
)

select
    cohorts.signups as cohort_signups,
    landed.signups as landed_signups,
    cohorts.known_channel as cohort_known_channel,
    with_channel.signups as signups_with_channel,
from cohorts
cross join landed
cross join with_channel
where
    cohorts.signups != landed.signups
    or cohorts.known_channel != with_channel.signups
