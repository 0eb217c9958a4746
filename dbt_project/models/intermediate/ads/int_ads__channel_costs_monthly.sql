{#-
    What each channel cost per month, dense over months × channels: the ad platforms' actual
    spend and the budget typed in the Google Sheet, side by side, so the budget and CAC marts
    apply their rules to the same numbers.

    - Months run from the first month with spend or a budget to the later of the as-of month
      (the calendar's last day, the data's "today") and the sheet's last planned month.
    - has_ad_platform: some ad platform campaign belongs to the channel (its spend is known; a
      month without delivery then spent 0, not "unknown"). Other channels' ad_spend is null.
    - The sheet is typed by hand: its channel is lower-cased with runs of other characters as
      '_' ('Paid Search' → paid_search), and the world's 'video' is the contract's paid_video.
    - budget_to_date: the share of the month's budget that belongs to the days up to the as-of
      day: the whole budget for closed months, budget × elapsed days ÷ days in month for the
      as-of month, 0 for planned (future) months.
-#}
with

spend_daily as (
    select * from {{ ref('int_ads__spend_daily') }}
),

campaigns as (
    select * from {{ ref('int_ads__campaigns') }}
),

budgets as (
    select
        budget_month,
        budget_amount,
        -- 'paid search' / 'paid-search' typed by hand → the channel key paid_search
        trim(regexp_replace(lower(channel), '[^a-z0-9]+', '_', 'g'), '_') as channel_key,
    from {{ ref('stg_google_sheets__marketing_budget') }}
),

calendar as (
    select * from {{ ref('int_calendar__days') }}
),

as_of as (
    select
        date_day as as_of_day,
        month_start as as_of_month,
    from calendar
    where is_as_of_day
),

budget_rows as (
    select
        cast({{ dbt.date_trunc('month', 'budget_month') }} as date) as month_start,
        case channel_key when 'video' then 'paid_video' else channel_key end as channel,
        budget_amount,
    from budgets
    where budget_month is not null
),

budget_months as (
    select
        month_start,
        channel,
        sum(budget_amount) as budget,
    from budget_rows
    group by month_start, channel
),

spend_months as (
    select
        month_start,
        channel,
        sum(spend) as ad_spend,
    from spend_daily
    group by month_start, channel
),

platform_channels as (
    select distinct channel from campaigns
),

channels as (
    select channel from platform_channels
    union
    select channel from budget_months
),

bounds as (
    select
        least(
            (select min(month_start) from spend_months),
            (select min(month_start) from budget_months),
            (select as_of_month from as_of)
        ) as first_month,
        greatest(
            (select max(month_start) from spend_months),
            (select max(month_start) from budget_months),
            (select as_of_month from as_of)
        ) as last_month
),

months as (
    {{ date_spine('(select first_month from bounds)', '(select last_month from bounds)', 'month') }}
),

grid as (
    select
        months.date_month as month_start,
        channels.channel,
    from months
    cross join channels
),

sized as (
    select
        grid.month_start,
        grid.channel,
        as_of.as_of_day,
        as_of.as_of_month,
        {{ dbt.datediff('grid.month_start', dbt.dateadd('month', 1, 'grid.month_start'), 'day') }}
            as days_in_month,
    from grid
    cross join as_of
),

costs as (
    select
        sized.month_start,
        sized.channel,
        case
            when sized.month_start < sized.as_of_month then 'closed'
            when sized.month_start = sized.as_of_month then 'in_progress'
            else 'planned'
        end as period_status,
        sized.days_in_month,
        case
            when sized.month_start < sized.as_of_month then sized.days_in_month
            when sized.month_start = sized.as_of_month
                then extract(day from sized.as_of_day)
            else 0
        end as days_elapsed,
        platform_channels.channel is not null as has_ad_platform,
        case
            when platform_channels.channel is not null then coalesce(spend_months.ad_spend, 0)
        end as ad_spend,
        budget_months.budget,
    from sized
    left join platform_channels
        on sized.channel = platform_channels.channel
    left join spend_months
        on
            sized.month_start = spend_months.month_start
            and sized.channel = spend_months.channel
    left join budget_months
        on
            sized.month_start = budget_months.month_start
            and sized.channel = budget_months.channel
)

select
    month_start,
    channel,
    period_status,
    cast(days_in_month as integer) as days_in_month,
    cast(days_elapsed as integer) as days_elapsed,
    has_ad_platform,
    cast(ad_spend as decimal(18, 6)) as ad_spend,
    cast(budget as decimal(18, 6)) as budget,
    cast(budget * days_elapsed / days_in_month as decimal(18, 6)) as budget_to_date,
from costs
