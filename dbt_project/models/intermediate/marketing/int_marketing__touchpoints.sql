{{ config(materialized='table') }}

{#-
    Every marketing touch a customer had, one row per touch per customer_uid, from every source
    that records one: web sessions, ad clicks, SMS clicks, marketing email opens and clicks,
    sales calls and meetings, and demo-request forms. Journeys and attribution read this.

    One real interaction is one touch, even when two sources record it:
    - an ad click is a paid session (a gclid, or a paid channel); the session is the touch,
      enriched with the ad it came from (Google: click_view by gclid; Facebook: the ad whose
      creative tags utm_content with the same ad number). click_view rows alone name no person,
      so they only enrich.
    - an email click opens a session tagged utm_medium=email: that session is the touch, and
      HubSpot's CLICK event for it (same customer, within var session_threshold_seconds) is
      dropped. A CLICK with no such session (tracking blocked, or the visit not stitched to the
      recipient) stays a touch of its own.
    - an SMS click is a session whose channel is sms (no SMS tool is a source).
    - a continuation session (int_web__sessions.is_source_inherited: the visitor kept browsing
      after an idle gap, from a page of the site) is the same visit, not a new touch.
    A demo-request form is a touch of its own and inherits the channel, campaign and ad of the
    session it was submitted in (GA4 scopes events to their session the same way); submitted
    outside any tracked visit, it is direct. Sales calls and meetings (HubSpot engagements, via
    their contacts) are offline touches with channel 'sales'.

    campaign is the campaign as its own system names it: the ad platform's campaign name for
    ad clicks, the HubSpot email campaign's name for email touches, else the session's
    utm_campaign. The column `event` is the name the journeys mart keeps.
-#}

{%- set threshold_seconds = var('session_threshold_seconds', 1800) %}

with

customer_map as (
    select
        customer_uid,
        identifier,
        identifier_type,
    from {{ ref('int_identity__customer_map') }}
),

sessions as (
    select * from {{ ref('int_web__sessions') }}
),

google_clicks as (
    select
        click_view.gclid,
        click_view.campaign_id,
        click_view.ad_group_id,
        click_view.ad_id,
        campaigns.campaign_name,
    from {{ ref('stg_google_ads__click_view') }} as click_view
    left join {{ ref('stg_google_ads__campaign_history') }} as campaigns
        on click_view.campaign_id = campaigns.campaign_id
),

-- Facebook has no click log: a session names its ad through utm_content, which the ad's
-- creative tags with the ad (ad-<n>); the creative's own url tags carry the same <n>.
facebook_ads as (
    select
        regexp_extract(creatives.utm_content, '([0-9]+)$', 1) as ad_tag,
        ads.ad_id,
        ads.ad_set_id,
        ads.campaign_id,
        campaigns.campaign_name,
    from {{ ref('stg_facebook_ads__creative_history') }} as creatives
    inner join {{ ref('stg_facebook_ads__ad_history') }} as ads
        on creatives.creative_id = ads.creative_id
    left join {{ ref('stg_facebook_ads__campaign_history') }} as campaigns
        on ads.campaign_id = campaigns.campaign_id
    where regexp_extract(creatives.utm_content, '([0-9]+)$', 1) != ''
    qualify row_number() over (
        partition by regexp_extract(creatives.utm_content, '([0-9]+)$', 1)
        order by ads.ad_id
    ) = 1
),

-- HubSpot's email campaigns by the slug their links carry in utm_campaign
-- ('Newsletter #21' → 'newsletter-21'); the newest campaign wins a shared slug.
email_campaigns as (
    select
        email_campaign_id,
        email_campaign_name,
        trim(regexp_replace(lower(email_campaign_name), '[^a-z0-9]+', '-', 'g'), '-')
            as utm_campaign_slug,
    from {{ ref('stg_hubspot__email_campaign') }}
),

email_campaigns_by_slug as (
    {{ dedupe('email_campaigns', 'utm_campaign_slug', 'email_campaign_id desc') }}
),

-- A session belongs to the person the map stitches its user id to, else its device's person
-- (a shared device that lost its edges is its own customer; its signed-in user is not).
session_customers as (
    select
        sessions.*,
        coalesce(user_customers.customer_uid, device_customers.customer_uid) as customer_uid,
        (
            sessions.gclid is not null
            -- the paid channel keys of the channel contract (an fbclid alone is not one: Meta
            -- tags organic links too, and int_web__sessions calls those organic_social)
            or sessions.channel in (
                'paid_search', 'paid_social', 'paid_video', 'display', 'paid_other',
                'cross_network'
            )
        ) as is_ad_click,
    from sessions
    left join customer_map as user_customers
        on
            user_customers.identifier_type = 'user_id'
            and sessions.user_id = user_customers.identifier
    left join customer_map as device_customers
        on
            device_customers.identifier_type = 'anonymous_id'
            and sessions.anonymous_id = device_customers.identifier
),

session_touches as (
    select
        sessions.customer_uid,
        sessions.started_at as touched_at,
        case
            when sessions.is_ad_click then 'ad_click'
            when sessions.channel = 'email' then 'email'
            when sessions.channel = 'sms' then 'sms'
            else 'web'
        end as event_category,
        case
            when sessions.is_ad_click then 'ad_click'
            when sessions.channel = 'email' then 'email_click'
            when sessions.channel = 'sms' then 'sms_click'
            else 'session'
        end as event,
        sessions.channel,
        coalesce(
            google_clicks.campaign_name,
            facebook_ads.campaign_name,
            email_campaigns_by_slug.email_campaign_name,
            sessions.utm_campaign
        ) as campaign,
        case
            when sessions.gclid is not null then 'google_ads'
            when
                facebook_ads.ad_id is not null
                or (sessions.is_ad_click and sessions.fbclid is not null)
                then 'facebook_ads'
        end as ad_platform,
        coalesce(google_clicks.campaign_id, facebook_ads.campaign_id) as ad_campaign_id,
        coalesce(google_clicks.ad_group_id, facebook_ads.ad_set_id) as ad_group_id,
        coalesce(google_clicks.ad_id, facebook_ads.ad_id) as ad_id,
        email_campaigns_by_slug.email_campaign_id,
        sessions.session_id,
        sessions.anonymous_id,
        coalesce(sessions.is_source_inherited, false) as is_continuation,
        'int_web__sessions' as source_model,
        sessions.session_id as source_id,
    from session_customers as sessions
    left join google_clicks
        on sessions.gclid = google_clicks.gclid
    left join facebook_ads
        on
            sessions.gclid is null
            and regexp_extract(sessions.utm_content, '([0-9]+)$', 1) = facebook_ads.ad_tag
    left join email_campaigns_by_slug
        on
            sessions.channel = 'email'
            and lower(sessions.utm_campaign) = email_campaigns_by_slug.utm_campaign_slug
    where sessions.customer_uid is not null
),

email_events as (
    select
        customer_map.customer_uid,
        events.occurred_at as touched_at,
        events.event_type,
        events.email_campaign_id,
        events.email_event_id,
        email_campaigns.email_campaign_name,
    from {{ ref('stg_hubspot__email_event') }} as events
    inner join customer_map
        on
            customer_map.identifier_type = 'email'
            and events.recipient_email = customer_map.identifier
    left join email_campaigns
        on events.email_campaign_id = email_campaigns.email_campaign_id
    where
        events.event_type in ('OPEN', 'CLICK')
        and not events.is_filtered_event
),

-- CLICKs whose visit is already a touch (an email session of the same customer that started
-- within the session threshold of the click).
clicks_with_session as (
    select distinct clicks.email_event_id
    from email_events as clicks
    inner join session_touches as visits
        on
            clicks.customer_uid = visits.customer_uid
            and visits.channel = 'email'
            and visits.touched_at
            >= {{ dbt.dateadd('second', -threshold_seconds, 'clicks.touched_at') }}
            and visits.touched_at
            <= {{ dbt.dateadd('second', threshold_seconds, 'clicks.touched_at') }}
    where clicks.event_type = 'CLICK'
),

email_touches as (
    select
        email_events.customer_uid,
        email_events.touched_at,
        'email' as event_category,
        case email_events.event_type
            when 'OPEN' then 'email_open'
            else 'email_click'
        end as event,
        'email' as channel,
        email_events.email_campaign_name as campaign,
        cast(null as {{ dbt.type_string() }}) as ad_platform,
        cast(null as bigint) as ad_campaign_id,
        cast(null as bigint) as ad_group_id,
        cast(null as bigint) as ad_id,
        email_events.email_campaign_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        'stg_hubspot__email_event' as source_model,
        email_events.email_event_id as source_id,
    from email_events
    left join clicks_with_session
        on email_events.email_event_id = clicks_with_session.email_event_id
    where clicks_with_session.email_event_id is null
),

-- One touch per engagement and customer (an engagement can name several contacts).
sales_touches as (
    select distinct
        customer_map.customer_uid,
        engagements.occurred_at as touched_at,
        'offline' as event_category,
        lower(engagements.engagement_type) as event,
        'sales' as channel,
        cast(null as {{ dbt.type_string() }}) as campaign,
        cast(null as {{ dbt.type_string() }}) as ad_platform,
        cast(null as bigint) as ad_campaign_id,
        cast(null as bigint) as ad_group_id,
        cast(null as bigint) as ad_id,
        cast(null as bigint) as email_campaign_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        'stg_hubspot__engagement' as source_model,
        cast(engagements.engagement_id as {{ dbt.type_string() }}) as source_id,
    from {{ ref('stg_hubspot__engagement') }} as engagements
    inner join {{ ref('stg_hubspot__engagement_contact') }} as engagement_contacts
        on engagements.engagement_id = engagement_contacts.engagement_id
    inner join customer_map
        on
            customer_map.identifier_type = 'hubspot_contact_id'
            and cast(engagement_contacts.contact_id as {{ dbt.type_string() }})
            = customer_map.identifier
    where
        engagements.engagement_type in ('CALL', 'MEETING')
        and coalesce(engagements.is_active, true)
),

demo_requests as (
    select
        requests.message_id,
        requests.anonymous_id,
        requests.occurred_at,
        coalesce(user_customers.customer_uid, device_customers.customer_uid) as customer_uid,
    from {{ ref('stg_events__demo_requested') }} as requests
    left join customer_map as user_customers
        on
            user_customers.identifier_type = 'user_id'
            and requests.user_id = user_customers.identifier
    left join customer_map as device_customers
        on
            device_customers.identifier_type = 'anonymous_id'
            and requests.anonymous_id = device_customers.identifier
),

-- The session a form was submitted in: the device's latest session that started by then and
-- had a page view within the session threshold before it.
demo_request_sessions as (
    select
        demo_requests.message_id,
        visits.channel,
        visits.campaign,
        visits.ad_platform,
        visits.ad_campaign_id,
        visits.ad_group_id,
        visits.ad_id,
        visits.email_campaign_id,
        visits.session_id,
    from demo_requests
    inner join session_touches as visits
        on
            demo_requests.anonymous_id = visits.anonymous_id
            and demo_requests.occurred_at >= visits.touched_at
    inner join sessions
        on visits.session_id = sessions.session_id
    where
        demo_requests.occurred_at
        <= {{ dbt.dateadd('second', threshold_seconds, 'sessions.ended_at') }}
    qualify row_number() over (
        partition by demo_requests.message_id
        order by visits.touched_at desc, visits.session_id desc
    ) = 1
),

form_touches as (
    select
        demo_requests.customer_uid,
        demo_requests.occurred_at as touched_at,
        'form' as event_category,
        'demo_requested' as event,
        coalesce(demo_request_sessions.channel, 'direct') as channel,
        demo_request_sessions.campaign,
        demo_request_sessions.ad_platform,
        demo_request_sessions.ad_campaign_id,
        demo_request_sessions.ad_group_id,
        demo_request_sessions.ad_id,
        demo_request_sessions.email_campaign_id,
        demo_request_sessions.session_id,
        'stg_events__demo_requested' as source_model,
        demo_requests.message_id as source_id,
    from demo_requests
    left join demo_request_sessions
        on demo_requests.message_id = demo_request_sessions.message_id
    where demo_requests.customer_uid is not null
),

unioned as (
    select
        customer_uid,
        touched_at,
        event_category,
        event,
        channel,
        campaign,
        ad_platform,
        ad_campaign_id,
        ad_group_id,
        ad_id,
        email_campaign_id,
        session_id,
        source_model,
        source_id,
    from session_touches
    where not is_continuation
    union all
    select * from email_touches
    union all
    select * from sales_touches
    union all
    select * from form_touches
)

select
    {{ surrogate_key(['source_model', 'source_id', 'customer_uid']) }} as touchpoint_id,
    customer_uid,
    touched_at,
    event_category,
    event,
    channel,
    campaign,
    ad_platform,
    ad_campaign_id,
    ad_group_id,
    ad_id,
    email_campaign_id,
    session_id,
    source_model,
    source_id,
from unioned
