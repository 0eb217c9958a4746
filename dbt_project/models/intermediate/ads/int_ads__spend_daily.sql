{#-
    Ad delivery of both platforms in one shape, one row per day, platform and campaign, with the
    campaign's name and channel. The marts read spend from here so every one of them counts the
    same rows.
-#}
with

facebook as (
    select * from {{ ref('int_ads__facebook_campaign_daily') }}
),

google as (
    select * from {{ ref('int_ads__google_campaign_daily') }}
),

campaigns as (
    select * from {{ ref('int_ads__campaigns') }}
),

unioned as (
    select * from facebook
    union all
    select * from google
)

select
    {{ surrogate_key(['unioned.date_day', 'unioned.ad_platform', 'unioned.campaign_id']) }}
        as ad_spend_day_id,
    unioned.date_day,
    cast({{ dbt.date_trunc('month', 'unioned.date_day') }} as date) as month_start,
    unioned.ad_platform,
    unioned.campaign_id,
    campaigns.campaign_name,
    campaigns.channel,
    unioned.impressions,
    unioned.clicks,
    unioned.spend,
    unioned.platform_conversions,
    unioned.platform_conversions_value,
from unioned
left join campaigns
    on
        unioned.ad_platform = campaigns.ad_platform
        and unioned.campaign_id = campaigns.campaign_id
