with

source as (

    select * from {{ source('zendesk', 'ticket_field_history') }}

),

deduped as (

    {{ dedupe('source', ['ticket_id', 'field_name', 'updated'], '_fivetran_synced desc') }}

),

renamed as (

    select
        {{ surrogate_key(['ticket_id', 'field_name', 'updated']) }} as ticket_field_history_id,
        cast(ticket_id as bigint) as ticket_id,
        field_name,
        value,
        cast(updated as timestamp) as valid_starting_at,
        lead(cast(updated as timestamp)) over (
            partition by ticket_id, field_name order by updated
        ) as valid_ending_at,
        cast(user_id as bigint) as updater_user_id,
        _fivetran_synced as synced_at,
    from deduped

)

select * from renamed
