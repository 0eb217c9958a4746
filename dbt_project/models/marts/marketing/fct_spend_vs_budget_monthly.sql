{#-
    Paid-media spend against the Google Sheets budget, one row per month and channel (every
    channel with an ad platform or a budget row, every month from the first spend or budget to
    the later of the as-of month and the last planned month).

    - budget: the sheet's amount for the month and channel (null: no row typed).
    - actual_spend: what the ad platforms report for the channel (null for channels no ad
      platform reports, e.g. email, sms, affiliates: their actual cost is unknown here).
    - variance = actual_spend − budget (positive: over budget); pct_used = actual_spend ÷ budget
      (null when either is missing or the budget is 0).
    - The as-of month is in progress: budget_to_date (the budget prorated to the elapsed days)
      and pacing_pct = actual_spend ÷ budget_to_date say whether spend is on track.
-#}
with

costs as (
    select * from {{ ref('int_ads__channel_costs_monthly') }}
)

select
    {{ surrogate_key(['month_start', 'channel']) }} as spend_budget_month_id,
    month_start,
    channel,
    period_status,
    days_in_month,
    days_elapsed,
    has_ad_platform,
    cast(round(budget, 2) as decimal(18, 2)) as budget,
    cast(round(budget_to_date, 2) as decimal(18, 2)) as budget_to_date,
    cast(round(ad_spend, 2) as decimal(18, 2)) as actual_spend,
    cast(round(ad_spend - budget, 2) as decimal(18, 2)) as variance,
    cast(ad_spend / nullif(budget, 0) as double) as pct_used,
    cast(ad_spend / nullif(budget_to_date, 0) as double) as pacing_pct,
from costs
