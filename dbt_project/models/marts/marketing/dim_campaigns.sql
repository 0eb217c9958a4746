{#-
    One row per ad campaign (ad_platform, campaign_id) of Facebook Ads and Google Ads: name,
    channel, type/objective, status, flight dates, the UTM tags its visits carry and lifetime
    delivery. Sessions and touchpoints join here by utm_campaign_key (their utm_campaign
    normalised the same way) or, for Google clicks with a gclid, by campaign_id.
-#}
with

campaigns as (
    select * from {{ ref('int_ads__campaigns') }}
),

spend_daily as (
    select * from {{ ref('int_ads__spend_daily') }}
),

delivery as (
    select
        ad_platform,
        campaign_id,
        min(date_day) as first_delivery_on,
        max(date_day) as last_delivery_on,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend,
    from spend_daily
    group by ad_platform, campaign_id
)

select
    {{ surrogate_key(['campaigns.ad_platform', 'campaigns.campaign_id']) }} as campaign_key,
    campaigns.ad_platform,
    campaigns.campaign_id,
    campaigns.account_id,
    campaigns.campaign_name,
    campaigns.channel,
    campaigns.campaign_type,
    campaigns.status,
    campaigns.is_active,
    campaigns.started_on,
    campaigns.ended_on,
    campaigns.utm_source,
    campaigns.utm_medium,
    campaigns.utm_campaign,
    campaigns.utm_campaign_key,
    delivery.first_delivery_on,
    delivery.last_delivery_on,
    cast(coalesce(delivery.impressions, 0) as bigint) as lifetime_impressions,
    cast(coalesce(delivery.clicks, 0) as bigint) as lifetime_clicks,
    cast(coalesce(delivery.spend, 0) as decimal(18, 6)) as lifetime_spend,
from campaigns
left join delivery
    on
        campaigns.ad_platform = delivery.ad_platform
        and campaigns.campaign_id = delivery.campaign_id
