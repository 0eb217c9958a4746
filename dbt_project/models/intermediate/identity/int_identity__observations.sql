{{ config(materialized='table') }}
{#-
    Every identifier the sources show, cleaned, one row per (source record, identifier): the
    raw material of the identity graph (edges join identifiers sharing a record_key; every
    identifier is a node, singletons included).

    Cleaning happens once, here: emails lower(trim), other ids trimmed; empty strings and
    placeholders (var identity_placeholder_values, compared lower-case and trimmed) are
    dropped, so a placeholder can never link two people; staff identifiers are dropped, since
    staff are not customers: HubSpot owners' and Zendesk agents' emails, agents' Zendesk user
    ids, and emails at the domains in var identity_staff_email_domains (default none).
    node_id, the hash of (identifier_type, identifier), names the graph node.
-#}
{%- set placeholders = ["''"] -%}
{%- for value in var('identity_placeholder_values', []) -%}
    {%- do placeholders.append("'" ~ (value | trim | lower | replace("'", "''")) ~ "'") -%}
{%- endfor -%}
{%- set staff_domains = ['false'] -%}
{%- for domain in var('identity_staff_email_domains', []) -%}
    {%- do staff_domains.append("normalised.identifier like '%@" ~ (domain | trim | lower) ~ "'") -%}
{%- endfor -%}

with

source_identifiers as (
    select * from {{ ref('int_identity__source_identifiers') }}
),

normalised as (
    select
        source_name,
        record_key,
        identifier_type,
        case
            when identifier_type = 'email' then nullif(lower(trim(raw_identifier)), '')
            else nullif(trim(raw_identifier), '')
        end as identifier,
    from source_identifiers
),

staff_emails as (
    select lower(trim(email)) as email
    from {{ ref('stg_hubspot__owner') }}
    where email is not null
    union
    select lower(trim(email)) as email
    from {{ ref('stg_zendesk__user') }}
    where is_agent and email is not null
),

staff_zendesk_ids as (
    select distinct cast(user_id as {{ dbt.type_string() }}) as zendesk_user_id
    from {{ ref('stg_zendesk__user') }}
    where is_agent
),

cleaned as (
    select distinct
        normalised.source_name,
        normalised.record_key,
        normalised.identifier_type,
        normalised.identifier,
    from normalised
    left join staff_emails
        on
            normalised.identifier_type = 'email'
            and normalised.identifier = staff_emails.email
    left join staff_zendesk_ids
        on
            normalised.identifier_type = 'zendesk_user_id'
            and normalised.identifier = staff_zendesk_ids.zendesk_user_id
    where
        normalised.identifier is not null
        and lower(normalised.identifier) not in ({{ placeholders | join(', ') }})
        and staff_emails.email is null
        and staff_zendesk_ids.zendesk_user_id is null
        and not (
            normalised.identifier_type = 'email'
            and ({{ staff_domains | join(' or ') }})
        )
)

select
    source_name,
    record_key,
    identifier_type,
    identifier,
    {{ surrogate_key(['identifier_type', 'identifier']) }} as node_id,
from cleaned
