{#-
    Facebook Ads delivery per campaign and day. Insights arrive per ad and day
    (stg_facebook_ads__basic_ad); the ad's campaign comes from its latest version in ad history.
    The pixel's registrations (action offsite_conversion.fb_pixel_complete_registration) are
    the conversions Facebook claims for those clicks, kept for comparison with our attribution.
-#}
with

ad_days as (
    select * from {{ ref('stg_facebook_ads__basic_ad') }}
),

ads as (
    select * from {{ ref('stg_facebook_ads__ad_history') }}
),

actions as (
    select * from {{ ref('stg_facebook_ads__basic_ad_actions') }}
),

registrations as (
    select
        ad_id,
        date_day,
        sum(action_count) as conversions,
    from actions
    where action_type = 'offsite_conversion.fb_pixel_complete_registration'
    group by ad_id, date_day
),

ad_days_with_campaign as (
    select
        ad_days.date_day,
        ads.campaign_id,
        ad_days.impressions,
        ad_days.clicks,
        ad_days.spend,
        coalesce(registrations.conversions, 0) as conversions,
    from ad_days
    left join ads
        on ad_days.ad_id = ads.ad_id
    left join registrations
        on
            ad_days.ad_id = registrations.ad_id
            and ad_days.date_day = registrations.date_day
),

campaign_days as (
    select
        date_day,
        campaign_id,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend,
        sum(conversions) as conversions,
    from ad_days_with_campaign
    group by date_day, campaign_id
)

select
    date_day,
    'facebook_ads' as ad_platform,
    campaign_id,
    cast(impressions as bigint) as impressions,
    cast(clicks as bigint) as clicks,
    cast(spend as decimal(18, 6)) as spend,
    cast(conversions as double) as platform_conversions,
    cast(null as double) as platform_conversions_value,
from campaign_days
