-- Every version of every subscription the connector has seen (Fivetran history mode), one row
-- per subscription and valid_from. stg_stripe__subscription keeps only the latest; MRR needs
-- them all, because a version is where a mid-period seat change shows before the next invoice
-- bills it. A table's first sync reads current states only, stamped with the newest event then,
-- so a version's valid_from is never earlier than the change it records.
with

source as (

    select * from {{ source('stripe', 'subscription_history') }}

),

renamed as (

    select
        id as subscription_id,
        customer_id,
        status,
        quantity,
        cast(_fivetran_start as timestamp) as valid_from,
        cast(_fivetran_end as timestamp) as valid_to,
        coalesce(_fivetran_active, false) as is_current_version,
        cast(_fivetran_synced as timestamp) as synced_at,
    from source

),

deduped as (

    {{ dedupe('renamed', ['subscription_id', 'valid_from'], 'synced_at desc') }}

)

select * from deduped
