{#-
    The customer 360, one row per customer_uid of the identity map, as of the last day of
    int_calendar__days: one identifier of each type (int_customers__identifiers picks them),
    what each tool knows about the person, their activity, money and support.
    lifecycle_stage: customer while paying (current MRR > 0), else former_customer (paid once,
    not now: HubSpot never demotes a churned customer), else the most advanced current stage of
    the person's live HubSpot contacts, else signed_up (has a product account), identified (an
    email) or visitor. Company: the lowest-id live contact's HubSpot company, else the company
    whose website domain is one of the person's email domains.
-#}
{%- set month_days = var('active_users_month_days', 28) -%}
with

as_of as (
    select
        max(date_day) as as_of_day,
        cast({{ dbt.dateadd('day', 1, 'max(date_day)') }} as timestamp) as as_of_end,
    from {{ ref('int_calendar__days') }}
),

identity_map as (
    select
        customer_uid,
        identifier_type,
        identifier,
    from {{ ref('int_identity__customer_map') }}
),

identifiers as (
    select * from {{ ref('int_customers__identifiers') }}
),

live_contacts as (
    select
        identity_map.customer_uid,
        hubspot_contacts.contact_id,
        hubspot_contacts.company_id,
        hubspot_contacts.lifecycle_stage,
        case hubspot_contacts.lifecycle_stage
            when 'evangelist' then 7
            when 'customer' then 6
            when 'opportunity' then 5
            when 'salesqualifiedlead' then 4
            when 'marketingqualifiedlead' then 3
            when 'lead' then 2
            when 'subscriber' then 1
            else 0
        end as lifecycle_stage_rank,
    from identity_map
    inner join {{ ref('stg_hubspot__contact') }} as hubspot_contacts
        on identity_map.identifier = cast(hubspot_contacts.contact_id as {{ dbt.type_string() }})
    where identity_map.identifier_type = 'hubspot_contact_id'
),

staged_contacts as (
    select *
    from live_contacts
    where lifecycle_stage is not null
),

hubspot_stage as (
    {{ dedupe('staged_contacts', 'customer_uid', ['lifecycle_stage_rank desc', 'contact_id']) }}
),

companies as (
    select
        company_id,
        company_name,
        industry,
        lower(regexp_replace(trim(website_domain), '^www\.', '')) as website_domain,
    from {{ ref('stg_hubspot__company') }}
),

company_candidates as (
    select
        customer_uid,
        company_id,
        'hubspot_contact' as company_source,
        1 as priority,
        contact_id as tie_breaker,
    from live_contacts
    where company_id is not null
    union all
    select
        identity_map.customer_uid,
        companies.company_id,
        'email_domain' as company_source,
        case when identity_map.identifier = identifiers.email then 2 else 3 end as priority,
        companies.company_id as tie_breaker,
    from identity_map
    inner join companies
        on {{ dbt.split_part('identity_map.identifier', "'@'", 2) }} = companies.website_domain
    left join identifiers
        on identity_map.customer_uid = identifiers.customer_uid
    where identity_map.identifier_type = 'email'
),

known_company_candidates as (
    select company_candidates.*
    from company_candidates
    inner join companies
        on company_candidates.company_id = companies.company_id
),

chosen_company as (
    {{ dedupe(
        'known_company_candidates',
        'customer_uid',
        ['priority', 'tie_breaker', 'company_id'],
    ) }}
),

billing_now as (
    select
        identity_map.customer_uid,
        periods.subscription_item_id,
        periods.mrr,
        lower(periods.product_name) as plan,
        prices.nickname as price_nickname,
    from {{ ref('int_finance__subscription_periods') }} as periods
    cross join as_of
    inner join identity_map
        on
            periods.customer_id = identity_map.identifier
            and identity_map.identifier_type = 'stripe_customer_id'
    left join {{ ref('int_finance__prices') }} as prices
        on periods.price_id = prices.price_id
    where
        periods.valid_from < as_of.as_of_end
        and (periods.valid_to is null or periods.valid_to >= as_of.as_of_end)
),

stripe_plan as (
    {{ dedupe('billing_now', 'customer_uid', ['mrr desc', 'subscription_item_id']) }}
),

space_memberships as (
    select
        owner_user_id as user_id,
        space_id,
        true as is_owner,
    from {{ ref('stg_firestore__spaces') }}
    union
    select
        user_id,
        space_id,
        false as is_owner,
    from {{ ref('stg_firestore__spaces_members') }}
),

-- A plan's rank is its Stripe product's dearest monthly unit price (free and unknown plans: 0).
plan_ranks as (
    select
        lower(product_name) as plan,
        max(monthly_unit_amount) as plan_value,
    from {{ ref('int_finance__prices') }}
    group by lower(product_name)
),

person_spaces as (
    select
        identity_map.customer_uid,
        spaces.space_id,
        spaces.plan,
        coalesce(plan_ranks.plan_value, 0) as plan_value,
        space_memberships.is_owner,
        spaces.updated_at,
    from space_memberships
    inner join {{ ref('stg_firestore__spaces') }} as spaces
        on space_memberships.space_id = spaces.space_id
    inner join identity_map
        on
            trim(space_memberships.user_id) = identity_map.identifier
            and identity_map.identifier_type = 'user_id'
    left join plan_ranks
        on lower(spaces.plan) = plan_ranks.plan
    where spaces.plan is not null
),

space_plan as (
    {{ dedupe(
        'person_spaces',
        'customer_uid',
        ['plan_value desc', 'is_owner desc', 'updated_at desc', 'space_id'],
    ) }}
),

current_mrr as (
    select
        customer_uid,
        sum(mrr) as current_mrr,
    from {{ ref('fct_mrr') }}
    where is_as_of_month
    group by customer_uid
),

lifetime_revenue as (
    select
        customer_uid,
        sum(amount) as lifetime_revenue,
    from {{ ref('fct_revenue') }}
    group by customer_uid
),

sessions as (
    select
        identity_map.customer_uid,
        web_sessions.session_id,
        web_sessions.started_at,
        web_sessions.ended_at,
        web_sessions.channel,
    from {{ ref('int_web__sessions') }} as web_sessions
    cross join as_of
    inner join identity_map
        on
            web_sessions.anonymous_id = identity_map.identifier
            and identity_map.identifier_type = 'anonymous_id'
    where web_sessions.started_at < as_of.as_of_end
),

session_counts as (
    select
        customer_uid,
        count(*) as sessions,
    from sessions
    group by customer_uid
),

first_session as (
    {{ dedupe('sessions', 'customer_uid', ['started_at', 'session_id']) }}
),

last_session as (
    {{ dedupe('sessions', 'customer_uid', ['started_at desc', 'session_id desc']) }}
),

product_events as (
    select
        trim(amplitude_events.user_id) as user_id,
        min(amplitude_events.event_time) as first_event_at,
        max(amplitude_events.event_time) as last_event_at,
    from {{ ref('stg_amplitude__event') }} as amplitude_events
    cross join as_of
    where
        amplitude_events.user_id is not null
        and amplitude_events.event_time < as_of.as_of_end
    group by trim(amplitude_events.user_id)
),

tickets as (
    select
        support_tickets.customer_uid,
        support_tickets.ticket_id,
        support_tickets.created_at,
        support_tickets.solved_at,
        support_tickets.is_open,
        case
            when support_tickets.satisfaction_rated_at < as_of.as_of_end
                then support_tickets.satisfaction_rating
        end as satisfaction_rating,
        case
            when support_tickets.satisfaction_rated_at < as_of.as_of_end
                then support_tickets.satisfaction_rated_at
        end as satisfaction_rated_at,
        support_tickets.created_at < as_of.as_of_end
        and (
            support_tickets.is_open or support_tickets.solved_at >= as_of.as_of_end
        ) as is_open_at_as_of,
    from {{ ref('int_support__tickets') }} as support_tickets
    cross join as_of
    where support_tickets.customer_uid is not null and support_tickets.created_at < as_of.as_of_end
),

seen as (
    select
        customer_uid,
        started_at as seen_at,
    from sessions
    union all
    select
        customer_uid,
        ended_at as seen_at,
    from sessions
    union all
    select
        touchpoints.customer_uid,
        touchpoints.touched_at as seen_at,
    from {{ ref('int_marketing__touchpoints') }} as touchpoints
    cross join as_of
    where touchpoints.touched_at < as_of.as_of_end
    union all
    select
        identity_map.customer_uid,
        product_events.first_event_at as seen_at,
    from product_events
    inner join identity_map
        on
            product_events.user_id = identity_map.identifier
            and identity_map.identifier_type = 'user_id'
    union all
    select
        identity_map.customer_uid,
        product_events.last_event_at as seen_at,
    from product_events
    inner join identity_map
        on
            product_events.user_id = identity_map.identifier
            and identity_map.identifier_type = 'user_id'
    union all
    select
        customer_uid,
        created_at as seen_at,
    from tickets
    union all
    select
        customer_uid,
        satisfaction_rated_at as seen_at,
    from tickets
    where satisfaction_rated_at is not null
),

seen_bounds as (
    select
        customer_uid,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at,
    from seen
    group by customer_uid
),

recent_activity as (
    select
        active_days.customer_uid,
        count(*) as active_days,
        cast(sum(active_days.event_count) as bigint) as events,
    from {{ ref('int_product__active_days') }} as active_days
    cross join as_of
    where
        active_days.activity_date <= as_of.as_of_day
        and active_days.activity_date
        > cast({{ dbt.dateadd('day', -month_days, 'as_of.as_of_day') }} as date)
    group by active_days.customer_uid
),

support as (
    select
        customer_uid,
        count(*) as tickets,
        count(case when is_open_at_as_of then 1 end) as open_tickets,
        count(satisfaction_rating) as rated_tickets,
        count(case when satisfaction_rating = 'good' then 1 end) as good_ratings,
    from tickets
    group by customer_uid
),

funnel as (
    select
        customer_uid,
        signed_up_at,
        first_paid_at,
    from {{ ref('int_growth__customer_funnel') }}
),

conversions as (
    select
        customer_uid,
        converted_at,
    from {{ ref('int_marketing__conversions') }}
),

joined as (
    select
        identifiers.customer_uid,
        identifiers.is_identified,
        identifiers.email,
        identifiers.user_id,
        identifiers.hubspot_contact_id,
        identifiers.stripe_customer_id,
        identifiers.zendesk_user_id,
        identifiers.anonymous_id_count,
        identifiers.email_count,
        identifiers.user_id_count,
        identifiers.hubspot_contact_count,
        identifiers.stripe_customer_count,
        identifiers.zendesk_user_count,
        seen_bounds.first_seen_at,
        seen_bounds.last_seen_at,
        coalesce(session_counts.sessions, 0) as sessions,
        first_session.channel as first_channel,
        last_session.channel as last_channel,
        hubspot_stage.lifecycle_stage as hubspot_lifecycle_stage,
        chosen_company.company_id,
        companies.company_name,
        companies.industry,
        chosen_company.company_source,
        case
            when stripe_plan.customer_uid is not null then stripe_plan.plan else space_plan.plan
        end as plan,
        stripe_plan.price_nickname,
        case
            when stripe_plan.customer_uid is not null then 'stripe'
            when space_plan.customer_uid is not null then 'firestore'
        end as plan_source,
        cast(coalesce(current_mrr.current_mrr, 0) as decimal(18, 2)) as current_mrr,
        cast(coalesce(lifetime_revenue.lifetime_revenue, 0) as decimal(18, 2))
            as lifetime_revenue,
        coalesce(recent_activity.active_days, 0) as active_days_28d,
        coalesce(recent_activity.events, 0) as events_28d,
        coalesce(support.tickets, 0) as tickets,
        coalesce(support.open_tickets, 0) as open_tickets,
        coalesce(support.rated_tickets, 0) as rated_tickets,
        coalesce(support.good_ratings, 0) as good_ratings,
        funnel.signed_up_at,
        funnel.first_paid_at,
        conversions.converted_at,
    from identifiers
    left join hubspot_stage
        on identifiers.customer_uid = hubspot_stage.customer_uid
    left join seen_bounds
        on identifiers.customer_uid = seen_bounds.customer_uid
    left join session_counts
        on identifiers.customer_uid = session_counts.customer_uid
    left join first_session
        on identifiers.customer_uid = first_session.customer_uid
    left join last_session
        on identifiers.customer_uid = last_session.customer_uid
    left join chosen_company
        on identifiers.customer_uid = chosen_company.customer_uid
    left join companies
        on chosen_company.company_id = companies.company_id
    left join stripe_plan
        on identifiers.customer_uid = stripe_plan.customer_uid
    left join space_plan
        on identifiers.customer_uid = space_plan.customer_uid
    left join current_mrr
        on identifiers.customer_uid = current_mrr.customer_uid
    left join lifetime_revenue
        on identifiers.customer_uid = lifetime_revenue.customer_uid
    left join recent_activity
        on identifiers.customer_uid = recent_activity.customer_uid
    left join support
        on identifiers.customer_uid = support.customer_uid
    left join funnel
        on identifiers.customer_uid = funnel.customer_uid
    left join conversions
        on identifiers.customer_uid = conversions.customer_uid
)

select
    customer_uid,
    is_identified,
    email,
    user_id,
    hubspot_contact_id,
    stripe_customer_id,
    zendesk_user_id,
    anonymous_id_count,
    email_count,
    user_id_count,
    hubspot_contact_count,
    stripe_customer_count,
    zendesk_user_count,
    first_seen_at,
    last_seen_at,
    sessions,
    first_channel,
    last_channel,
    case
        when current_mrr > 0 then 'customer'
        when first_paid_at is not null then 'former_customer'
        when hubspot_lifecycle_stage is not null then hubspot_lifecycle_stage
        when signed_up_at is not null or user_id is not null then 'signed_up'
        when email is not null then 'identified'
        else 'visitor'
    end as lifecycle_stage,
    hubspot_lifecycle_stage,
    company_id,
    company_name,
    industry,
    company_source,
    plan,
    price_nickname,
    plan_source,
    current_mrr,
    current_mrr > 0 as is_paying,
    lifetime_revenue,
    active_days_28d,
    events_28d,
    tickets,
    open_tickets,
    rated_tickets,
    good_ratings,
    cast(good_ratings as double) / nullif(rated_tickets, 0) as csat,
    signed_up_at,
    first_paid_at,
    converted_at is not null as is_converted,
    converted_at,
from joined
