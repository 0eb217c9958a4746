-- One row per stage a deal entered; exited_at is null for the stage it is in now.
with

source as (

    select * from {{ source('hubspot', 'deal_stage') }}

),

renamed as (

    select
        {{ surrogate_key(['deal_id', '_fivetran_start']) }} as deal_stage_entry_id,
        cast(deal_id as bigint) as deal_id,
        value as deal_stage,
        cast(date_entered as timestamp) as entered_at,
        case
            when _fivetran_end < cast('9999-01-01' as timestamp) then _fivetran_end
        end as exited_at,
        _fivetran_active as is_current,
        source as change_source,
        source_id as change_source_id,
        _fivetran_synced as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'deal_stage_entry_id', 'synced_at desc') }}

)

select * from deduped
