with

source as (

    select * from {{ source('hubspot', 'email_campaign') }}

),

renamed as (

    select
        cast(id as bigint) as email_campaign_id,
        cast(content_id as bigint) as content_id,
        name as email_campaign_name,
        subject,
        type as email_type,
        sub_type as email_sub_type,
        cast(app_id as bigint) as app_id,
        app_name,
        cast(num_included as integer) as recipients_included,
        cast(num_queued as integer) as recipients_queued,
        cast(updated_at as timestamp) as updated_at,
        _fivetran_synced as synced_at,
    from source

)

select * from renamed
