{#-
    Daily paid-media delivery from Facebook Ads and Google Ads, one row per day, platform and
    campaign that reported delivery. Spend in the account currency (currency units, exact to
    Google's micros), with the campaign's channel so spend rolls up to the channel grouping
    sessions use. platform_conversions are the platforms' own claims (Facebook pixel
    registrations, Google Ads conversions), not our attribution.
-#}
with

spend_daily as (
    select * from {{ ref('int_ads__spend_daily') }}
)

select
    ad_spend_day_id,
    date_day,
    month_start,
    ad_platform,
    campaign_id,
    campaign_name,
    channel,
    impressions,
    clicks,
    spend,
    platform_conversions,
    platform_conversions_value,
from spend_daily
