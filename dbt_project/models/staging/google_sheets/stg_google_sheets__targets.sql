-- One target per month and metric; a repeated month/metric keeps the lowest row (the later edit).
-- Months are typed by hand: one that is not a date becomes null (the not_null test flags the
-- row) instead of failing the whole build.
with

source as (

    select * from {{ source('google_sheets', 'targets') }}

),

renamed as (

    select
        {{ surrogate_key(['try_cast(month as date)', clean_text('metric')]) }} as target_id,
        try_cast(month as date) as target_month,
        {{ clean_text('metric') }} as metric,
        {{ text_to_numeric('target') }} as target_value,
        _row as sheet_row,
        _fivetran_synced as synced_at,
    from source
    where month is not null and metric is not null

),

deduped as (

    {{ dedupe('renamed', 'target_id', 'sheet_row desc') }}

)

select * from deduped
