-- One row per product user id with its latest traits (the loader rebuilds the raw table).
-- A view, unlike the other event models: every load rewrites the whole raw table.
{{ config(materialized='view') }}

with

source as (

    select * from {{ source('events', 'users') }}

),

renamed as (

    select
        id as user_id,
        {{ clean_text('email') }} as email,
        email as email_as_typed,
        first_name,
        last_name,
        title as job_title,
        company as company_name,
        cast(received_at as timestamp) as last_identified_at,
        cast(uuid_ts as timestamp) as loaded_at,
    from source

),

deduped as (

    {{ dedupe('renamed', 'user_id', 'last_identified_at desc') }}

)

select * from deduped
