{#-
    Every identifier every staging source carries, as the source shows it, one row per
    (source record, identifier); int_identity__observations cleans them. A "record" is one
    distinct combination of identifiers a source row carries (page views with the same
    anonymous_id and user_id are one record), so the graph is built from a few distinct tuples
    instead of every event; identifiers sharing a record_key were seen together.

    `records` lists each source's identifiers in up to three typed slots (type_n, id_n):
    Amplitude's device_id is the SDK's anonymous id; Stripe's metadata user_id and Zendesk's
    external_id are the product's user id; Zendesk agents are staff, not customers, and left
    out; a HubSpot survivor contact lists the ids of the duplicates merged into it, and each
    (survivor, duplicate) pair is a record of one person. A new source is one more select.
-#}
with

hubspot_contact_merges as (
    select
        contact_id,
        unnest(string_split(merged_object_ids, ';')) as merged_contact_id,
    from {{ ref('stg_hubspot__contact') }}
    where merged_object_ids is not null
),

records as (
    select distinct
        'events_pages' as source_name,
        'anonymous_id' as type_1,
        cast(anonymous_id as {{ dbt.type_string() }}) as id_1,
        'user_id' as type_2,
        cast(user_id as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_events__pages') }}
    union all
    select distinct
        'events_tracks' as source_name,
        'anonymous_id' as type_1,
        cast(anonymous_id as {{ dbt.type_string() }}) as id_1,
        'user_id' as type_2,
        cast(user_id as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_events__tracks') }}
    union all
    select distinct
        'events_identifies' as source_name,
        'anonymous_id' as type_1,
        cast(anonymous_id as {{ dbt.type_string() }}) as id_1,
        'user_id' as type_2,
        cast(user_id as {{ dbt.type_string() }}) as id_2,
        'email' as type_3,
        cast(email as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_events__identifies') }}
    union all
    select distinct
        'events_users' as source_name,
        'user_id' as type_1,
        cast(user_id as {{ dbt.type_string() }}) as id_1,
        'email' as type_2,
        cast(email as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_events__users') }}
    union all
    select distinct
        'events_signed_up' as source_name,
        'anonymous_id' as type_1,
        cast(anonymous_id as {{ dbt.type_string() }}) as id_1,
        'user_id' as type_2,
        cast(user_id as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_events__signed_up') }}
    union all
    select distinct
        'events_trial_started' as source_name,
        'anonymous_id' as type_1,
        cast(anonymous_id as {{ dbt.type_string() }}) as id_1,
        'user_id' as type_2,
        cast(user_id as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_events__trial_started') }}
    union all
    select distinct
        'events_workspace_created' as source_name,
        'anonymous_id' as type_1,
        cast(anonymous_id as {{ dbt.type_string() }}) as id_1,
        'user_id' as type_2,
        cast(user_id as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_events__workspace_created') }}
    union all
    select distinct
        'events_demo_requested' as source_name,
        'anonymous_id' as type_1,
        cast(anonymous_id as {{ dbt.type_string() }}) as id_1,
        'user_id' as type_2,
        cast(user_id as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_events__demo_requested') }}
    union all
    select distinct
        'events_nps_survey_submitted' as source_name,
        'anonymous_id' as type_1,
        cast(anonymous_id as {{ dbt.type_string() }}) as id_1,
        'user_id' as type_2,
        cast(user_id as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_events__nps_survey_submitted') }}
    union all
    select distinct
        'amplitude_event' as source_name,
        'anonymous_id' as type_1,
        cast(device_id as {{ dbt.type_string() }}) as id_1,
        'user_id' as type_2,
        cast(user_id as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_amplitude__event') }}
    union all
    select distinct
        'hubspot_contact' as source_name,
        'hubspot_contact_id' as type_1,
        cast(contact_id as {{ dbt.type_string() }}) as id_1,
        'email' as type_2,
        cast(email as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_hubspot__contact') }}
    union all
    select distinct
        'hubspot_contact_merge' as source_name,
        'hubspot_contact_id' as type_1,
        cast(contact_id as {{ dbt.type_string() }}) as id_1,
        'hubspot_contact_id' as type_2,
        cast(merged_contact_id as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from hubspot_contact_merges
    union all
    select distinct
        'hubspot_deal_contact' as source_name,
        'hubspot_contact_id' as type_1,
        cast(contact_id as {{ dbt.type_string() }}) as id_1,
        cast(null as {{ dbt.type_string() }}) as type_2,
        cast(null as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_hubspot__deal_contact') }}
    union all
    select distinct
        'hubspot_email_event' as source_name,
        'email' as type_1,
        cast(recipient_email as {{ dbt.type_string() }}) as id_1,
        cast(null as {{ dbt.type_string() }}) as type_2,
        cast(null as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_hubspot__email_event') }}
    union all
    select distinct
        'stripe_customer' as source_name,
        'stripe_customer_id' as type_1,
        cast(customer_id as {{ dbt.type_string() }}) as id_1,
        'email' as type_2,
        cast(email as {{ dbt.type_string() }}) as id_2,
        'user_id' as type_3,
        cast(user_id as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_stripe__customer') }}
    union all
    select distinct
        'stripe_charge' as source_name,
        'stripe_customer_id' as type_1,
        cast(customer_id as {{ dbt.type_string() }}) as id_1,
        'email' as type_2,
        cast(receipt_email as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_stripe__charge') }}
    union all
    select distinct
        'stripe_invoice' as source_name,
        'stripe_customer_id' as type_1,
        cast(customer_id as {{ dbt.type_string() }}) as id_1,
        cast(null as {{ dbt.type_string() }}) as type_2,
        cast(null as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_stripe__invoice') }}
    union all
    select distinct
        'stripe_subscription' as source_name,
        'stripe_customer_id' as type_1,
        cast(customer_id as {{ dbt.type_string() }}) as id_1,
        cast(null as {{ dbt.type_string() }}) as type_2,
        cast(null as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_stripe__subscription') }}
    union all
    select distinct
        'zendesk_user' as source_name,
        'zendesk_user_id' as type_1,
        cast(user_id as {{ dbt.type_string() }}) as id_1,
        'email' as type_2,
        cast(email as {{ dbt.type_string() }}) as id_2,
        'user_id' as type_3,
        cast(external_id as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_zendesk__user') }}
    where not is_agent
    union all
    select distinct
        'zendesk_ticket' as source_name,
        'zendesk_user_id' as type_1,
        cast(requester_id as {{ dbt.type_string() }}) as id_1,
        cast(null as {{ dbt.type_string() }}) as type_2,
        cast(null as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_zendesk__ticket') }}
    union all
    select distinct
        'firestore_users' as source_name,
        'user_id' as type_1,
        cast(user_id as {{ dbt.type_string() }}) as id_1,
        'email' as type_2,
        cast(email as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_firestore__users') }}
    union all
    select distinct
        'firestore_spaces_members' as source_name,
        'user_id' as type_1,
        cast(user_id as {{ dbt.type_string() }}) as id_1,
        cast(null as {{ dbt.type_string() }}) as type_2,
        cast(null as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_firestore__spaces_members') }}
    union all
    select distinct
        'firestore_spaces' as source_name,
        'user_id' as type_1,
        cast(owner_user_id as {{ dbt.type_string() }}) as id_1,
        cast(null as {{ dbt.type_string() }}) as type_2,
        cast(null as {{ dbt.type_string() }}) as id_2,
        cast(null as {{ dbt.type_string() }}) as type_3,
        cast(null as {{ dbt.type_string() }}) as id_3,
    from {{ ref('stg_firestore__spaces') }}
),

keyed as (
    select
        source_name,
        type_1,
        id_1,
        type_2,
        id_2,
        type_3,
        id_3,
        {{ surrogate_key(['source_name', 'id_1', 'id_2', 'id_3']) }} as record_key,
    from records
),

unpivoted as (
    select
        source_name,
        record_key,
        type_1 as identifier_type,
        id_1 as raw_identifier,
    from keyed
    union all
    select
        source_name,
        record_key,
        type_2 as identifier_type,
        id_2 as raw_identifier,
    from keyed
    union all
    select
        source_name,
        record_key,
        type_3 as identifier_type,
        id_3 as raw_identifier,
    from keyed
)

select
    source_name,
    record_key,
    identifier_type,
    raw_identifier,
from unpivoted
where raw_identifier is not null
