{#-
    Google Ads delivery per campaign and day. campaign_stats reports a campaign's day split by
    network and device (Fivetran's grain); the device rows sum to the day, so summing them gives
    the campaign-day without loss. Conversions and their value are Google's own claims (its
    conversion window), kept for comparison with our attribution.
-#}
with

stats as (
    select * from {{ ref('stg_google_ads__campaign_stats') }}
),

campaign_days as (
    select
        date_day,
        campaign_id,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend,
        sum(conversions) as conversions,
        sum(conversions_value) as conversions_value,
    from stats
    group by date_day, campaign_id
)

select
    date_day,
    'google_ads' as ad_platform,
    campaign_id,
    cast(impressions as bigint) as impressions,
    cast(clicks as bigint) as clicks,
    cast(spend as decimal(18, 6)) as spend,
    cast(conversions as double) as platform_conversions,
    cast(conversions_value as double) as platform_conversions_value,
from campaign_days
