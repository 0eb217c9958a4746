{#-
    The UTM tags a Facebook campaign's visits carry, one row per campaign. Facebook keeps UTMs
    on each ad's creative (url_tags), not on the campaign, and creatives of one campaign can
    disagree (a hand-typed 'social_cdp_emea' next to the usual 'social-cdp-emea'; facebook vs
    instagram as source). The campaign takes the tag combination that most of its visits
    carried: landing page views the pixel saw (action landing_page_view) over the ads' whole
    delivery, then clicks, then the number of ads, then the tags themselves, so the pick is
    deterministic and a campaign with no visit yet still gets tags.
-#}
with

creatives as (
    select * from {{ ref('stg_facebook_ads__creative_history') }}
),

ads as (
    select * from {{ ref('stg_facebook_ads__ad_history') }}
),

ad_days as (
    select * from {{ ref('stg_facebook_ads__basic_ad') }}
),

actions as (
    select * from {{ ref('stg_facebook_ads__basic_ad_actions') }}
),

ad_clicks as (
    select
        ad_id,
        sum(clicks) as clicks,
    from ad_days
    group by ad_id
),

ad_visits as (
    select
        ad_id,
        sum(action_count) as visits,
    from actions
    where action_type = 'landing_page_view'
    group by ad_id
),

tagged_ads as (
    select
        ads.campaign_id,
        creatives.utm_source,
        creatives.utm_medium,
        creatives.utm_campaign,
        coalesce(ad_visits.visits, 0) as visits,
        coalesce(ad_clicks.clicks, 0) as clicks,
    from ads
    inner join creatives
        on ads.creative_id = creatives.creative_id
    left join ad_visits
        on ads.ad_id = ad_visits.ad_id
    left join ad_clicks
        on ads.ad_id = ad_clicks.ad_id
    where creatives.utm_campaign is not null
),

tag_totals as (
    select
        campaign_id,
        utm_source,
        utm_medium,
        utm_campaign,
        sum(visits) as visits,
        sum(clicks) as clicks,
        count(*) as ads,
    from tagged_ads
    group by campaign_id, utm_source, utm_medium, utm_campaign
),

ranked as (
    select
        *,
        row_number() over (
            partition by campaign_id
            order by
                visits desc, clicks desc, ads desc,
                utm_campaign asc, utm_source asc, utm_medium asc
        ) as tag_rank,
    from tag_totals
)

select
    campaign_id,
    utm_source,
    utm_medium,
    utm_campaign,
    cast(visits as bigint) as tagged_visits,
    cast(clicks as bigint) as tagged_clicks,
from ranked
where tag_rank = 1
