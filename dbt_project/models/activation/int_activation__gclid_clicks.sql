{#-
    Every Google Ads click of a person: the ad-click touches (int_marketing__touchpoints, so a
    click belongs to the person the journeys credit) whose session landed with a gclid that
    Google Ads itself reports (click_view). A gclid Google does not know would be refused by an
    offline-conversion upload and means nothing to a CRM. A building block of the sync
    models (HubSpot's and Salesforce's latest gclid, Google Ads' click before the MQL), built
    with them because the people it feeds read the analytics outputs.
-#}

with

ad_clicks as (
    select
        customer_uid,
        session_id,
        touched_at,
    from {{ ref('int_marketing__touchpoints') }}
    where
        event = 'ad_click'
        and ad_platform = 'google_ads'
),

sessions as (
    select
        session_id,
        gclid,
    from {{ ref('int_web__sessions') }}
    where gclid is not null
),

click_view as (
    select gclid from {{ ref('stg_google_ads__click_view') }}
)

select
    ad_clicks.customer_uid,
    sessions.gclid,
    ad_clicks.touched_at as clicked_at,
from ad_clicks
inner join sessions
    on ad_clicks.session_id = sessions.session_id
inner join click_view
    on sessions.gclid = click_view.gclid
