-- One budget per month and channel. A planner who types a month/channel twice means the lower
-- row (the later edit), so the highest sheet row wins.
-- Months are typed by hand: one that is not a date becomes null (the not_null test flags the
-- row) instead of failing the whole build.
with

source as (

    select * from {{ source('google_sheets', 'marketing_budget') }}

),

renamed as (

    select
        {{ surrogate_key(['try_cast(month as date)', clean_text('channel')]) }} as budget_id,
        try_cast(month as date) as budget_month,
        {{ clean_text('channel') }} as channel,
        {{ text_to_numeric('budget') }} as budget_amount,
        _row as sheet_row,
        _fivetran_synced as synced_at,
    from source
    where month is not null and channel is not null

),

deduped as (

    {{ dedupe('renamed', 'budget_id', 'sheet_row desc') }}

)

select * from deduped
