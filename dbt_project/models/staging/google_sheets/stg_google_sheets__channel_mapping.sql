-- utm_source/utm_medium → channel. Matching is case-insensitive (UTM tags arrive in any case),
-- so keys are lower-cased; a pair typed twice keeps the lowest row (the later edit).
with

source as (

    select * from {{ source('google_sheets', 'channel_mapping') }}

),

renamed as (

    select
        {{ surrogate_key([clean_text('utm_source'), clean_text('utm_medium')]) }}
            as channel_mapping_id,
        {{ clean_text('utm_source') }} as utm_source,
        {{ clean_text('utm_medium') }} as utm_medium,
        {{ clean_text('channel') }} as channel,
        _row as sheet_row,
        _fivetran_synced as synced_at,
    from source
    where channel is not null

),

deduped as (

    {{ dedupe('renamed', 'channel_mapping_id', 'sheet_row desc') }}

)

select * from deduped
