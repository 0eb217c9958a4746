-- Every day: DAU ≤ WAU ≤ MAU (a week is inside its month, a day inside its week), and the
-- DAU equals the people active that day in int_product__active_days. Rows returned fail.
with

daily as (

    select
        activity_date,
        count(distinct customer_uid) as active_people,
    from {{ ref('int_product__active_days') }}
    group by activity_date

)

select
    facts.date_day,
    facts.daily_active_users,
    facts.weekly_active_users,
    facts.monthly_active_users,
    daily.active_people,
from {{ ref('fct_active_users_daily') }} as facts
left join daily
    on facts.date_day = daily.activity_date
where
    facts.daily_active_users > facts.weekly_active_users
    or facts.weekly_active_users > facts.monthly_active_users
    or facts.daily_active_users != coalesce(daily.active_people, 0)
