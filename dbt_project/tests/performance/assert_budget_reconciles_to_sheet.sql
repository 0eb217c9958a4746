{#-
    fct_spend_vs_budget_monthly must carry the Google Sheets budget unchanged: per month and
    channel (normalised as the model does: 'Paid Search' → paid_search, 'video' → paid_video),
    its budget equals the sheet's to the cent, and no budget appears where the sheet has none.
    Returns the month × channel rows that differ.
-#}
with

sheet_rows as (
    select
        cast({{ dbt.date_trunc('month', 'budget_month') }} as date) as month_start,
        trim(regexp_replace(lower(channel), '[^a-z0-9]+', '_', 'g'), '_') as channel_key,
        budget_amount,
    from {{ ref('stg_google_sheets__marketing_budget') }}
    where budget_month is not null
),

sheet as (
    select
        month_start,
        case channel_key when 'video' then 'paid_video' else channel_key end as channel,
        sum(budget_amount) as budget,
    from sheet_rows
    group by month_start, channel
),

mart as (
    select
        month_start,
        channel,
        budget,
    from {{ ref('fct_spend_vs_budget_monthly') }}
    where budget is not null
)

select
    coalesce(sheet.month_start, mart.month_start) as month_start,
    coalesce(sheet.channel, mart.channel) as channel,
    sheet.budget as sheet_budget,
    mart.budget as mart_budget,
from sheet
full outer join mart
    on
        sheet.month_start = mart.month_start
        and sheet.channel = mart.channel
where
    sheet.budget is null
    or mart.budget is null
    or abs(sheet.budget - mart.budget) >= 0.005
