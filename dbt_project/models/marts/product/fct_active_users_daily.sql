{{ config(materialized='table') }}
{#-
    Active users per day of the calendar: DAU (people active that day), WAU (active on any of the
    trailing `active_users_week_days` days, the day included; 7 by default) and MAU (trailing
    `active_users_month_days` days; 28 by default), counted as distinct customer_uids, and
    stickiness = DAU ÷ MAU. Every calendar day has a row (zeros when nobody was active).

    The windows are one range join: each calendar day meets the person-days of its trailing month
    (per person-day at most `active_users_month_days` rows), and DAU / WAU are the parts of that
    month that fall in the day / the week.
-#}
{%- set week_days = var('active_users_week_days', 7) -%}
{%- set month_days = var('active_users_month_days', 28) -%}
with

calendar as (

    select date_day from {{ ref('int_calendar__days') }}

),

active_days as (

    select
        customer_uid,
        activity_date,
    from {{ ref('int_product__active_days') }}

),

trailing_month as (

    select
        calendar.date_day,
        active_days.customer_uid,
        active_days.activity_date,
    from calendar
    inner join active_days
        on
            calendar.date_day >= active_days.activity_date
            and cast({{ dbt.dateadd('day', -month_days, 'calendar.date_day') }} as date)
            < active_days.activity_date

),

counts as (

    select
        date_day,
        count(distinct case when activity_date = date_day then customer_uid end)
            as daily_active_users,
        count(
            distinct case
                when activity_date > cast({{ dbt.dateadd('day', -week_days, 'date_day') }} as date)
                    then customer_uid
            end
        ) as weekly_active_users,
        count(distinct customer_uid) as monthly_active_users,
    from trailing_month
    group by date_day

),

final as (

    select
        calendar.date_day,
        coalesce(counts.daily_active_users, 0) as daily_active_users,
        coalesce(counts.weekly_active_users, 0) as weekly_active_users,
        coalesce(counts.monthly_active_users, 0) as monthly_active_users,
        cast(counts.daily_active_users as double)
        / nullif(counts.monthly_active_users, 0) as stickiness,
    from calendar
    left join counts
        on calendar.date_day = counts.date_day

)

select * from final
