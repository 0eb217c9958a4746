{#-
    The conversion that ends each customer's journey, one row per customer_uid that converted
    by the as-of day: the FIRST event of the kind var conversion_event names.
    - first_paid_invoice (default): the customer's first paid Stripe invoice with money paid
      (status paid, amount_paid > 0, not deleted), at its paid_at; revenue = its amount_paid.
    - signup: the first signed_up event (revenue 0).
    - mql: the earliest date one of the customer's HubSpot contacts became a marketing
      qualified lead (hs_lifecyclestage_marketingqualifiedlead_date; revenue 0).
    Every kind is computed and the var picks one, so each is unit-testable and the model's
    dependencies do not change with the var. A conversion after the as-of day (var as_of_date
    set in the past) has not happened yet.
-#}

{%- set conversion_event = var('conversion_event', 'first_paid_invoice') %}
{%- set conversion_events = ['first_paid_invoice', 'signup', 'mql'] %}
{%- if conversion_event not in conversion_events %}
    {{ exceptions.raise_compiler_error(
        "var conversion_event must be one of " ~ conversion_events | join(', ')
        ~ "; got '" ~ conversion_event ~ "'"
    ) }}
{%- endif %}

with

customer_map as (
    select
        customer_uid,
        identifier,
        identifier_type,
    from {{ ref('int_identity__customer_map') }}
),

as_of as (
    select {{ dbt.dateadd('day', 1, 'max(date_day)') }} as as_of_end
    from {{ ref('int_calendar__days') }}
),

paid_invoices as (
    select
        customer_map.customer_uid,
        'first_paid_invoice' as conversion_event,
        invoices.invoice_id as conversion_source_id,
        coalesce(invoices.paid_at, invoices.created_at) as converted_at,
        invoices.amount_paid as revenue,
    from {{ ref('stg_stripe__invoice') }} as invoices
    inner join customer_map
        on
            customer_map.identifier_type = 'stripe_customer_id'
            and invoices.customer_id = customer_map.identifier
    where
        invoices.status = 'paid'
        and invoices.amount_paid > 0
        and not invoices.is_deleted
),

signups as (
    select
        coalesce(user_customers.customer_uid, device_customers.customer_uid) as customer_uid,
        'signup' as conversion_event,
        signups.message_id as conversion_source_id,
        signups.occurred_at as converted_at,
        0 as revenue,
    from {{ ref('stg_events__signed_up') }} as signups
    left join customer_map as user_customers
        on
            user_customers.identifier_type = 'user_id'
            and signups.user_id = user_customers.identifier
    left join customer_map as device_customers
        on
            device_customers.identifier_type = 'anonymous_id'
            and signups.anonymous_id = device_customers.identifier
),

mqls as (
    select
        customer_map.customer_uid,
        'mql' as conversion_event,
        cast(contacts.contact_id as {{ dbt.type_string() }}) as conversion_source_id,
        contacts.became_mql_at as converted_at,
        0 as revenue,
    from {{ ref('stg_hubspot__contact') }} as contacts
    inner join customer_map
        on
            customer_map.identifier_type = 'hubspot_contact_id'
            and cast(contacts.contact_id as {{ dbt.type_string() }}) = customer_map.identifier
    where contacts.became_mql_at is not null
),

candidates as (
    select * from paid_invoices
    union all
    select * from signups
    union all
    select * from mqls
),

firsts as (
    select candidates.*
    from candidates
    cross join as_of
    where
        candidates.conversion_event = '{{ conversion_event }}'
        and candidates.customer_uid is not null
        and candidates.converted_at < as_of.as_of_end
    qualify row_number() over (
        partition by candidates.customer_uid
        order by candidates.converted_at, candidates.conversion_source_id
    ) = 1
)

select
    {{ surrogate_key(['conversion_event', 'conversion_source_id']) }} as conversion_id,
    customer_uid,
    conversion_event,
    conversion_source_id,
    converted_at,
    cast(revenue as decimal(18, 2)) as revenue,
from firsts
