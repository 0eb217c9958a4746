with

source as (

    select * from {{ source('hubspot', 'deal_pipeline_stage') }}

),

renamed as (

    select
        stage_id as deal_stage,
        pipeline_id,
        label as stage_label,
        cast(display_order as integer) as display_order,
        cast(probability as double) as win_probability,
        closed_won as is_closed_won,
        active as is_active,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from source
    where not coalesce(_fivetran_deleted, false)

)

select * from renamed
