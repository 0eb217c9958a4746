{#-
    Every ad campaign of both platforms, one row per (ad_platform, campaign_id), from each
    platform's campaign history (staging keeps the latest version). Adds what the platforms do
    not say directly:
    - channel: the channel key its traffic belongs to. Google by advertising_channel_type
      (SEARCH → paid_search, DISPLAY → display, VIDEO → paid_video, Performance Max / Smart /
      Demand Gen / Discovery → cross_network, anything else → paid_other); Facebook → paid_social.
    - the UTM tags its visits carry (Google: the campaign's tracking URL template; Facebook: the
      most-clicked tags of its ads' creatives), and utm_campaign_key, the tag normalised
      (lower case, runs of other characters → '-') so sessions whose utm_campaign was typed
      with '_' or in capitals still join.
-#}
with

facebook_campaigns as (
    select * from {{ ref('stg_facebook_ads__campaign_history') }}
),

facebook_tags as (
    select * from {{ ref('int_ads__facebook_campaign_tags') }}
),

google_campaigns as (
    select * from {{ ref('stg_google_ads__campaign_history') }}
),

facebook as (
    select
        'facebook_ads' as ad_platform,
        facebook_campaigns.campaign_id,
        facebook_campaigns.account_id,
        facebook_campaigns.campaign_name,
        'paid_social' as channel,
        facebook_campaigns.objective as campaign_type,
        facebook_campaigns.status,
        facebook_campaigns.status = 'ACTIVE' as is_active,
        cast(facebook_campaigns.started_at as date) as started_on,
        cast(facebook_campaigns.stopped_at as date) as ended_on,
        facebook_tags.utm_source,
        facebook_tags.utm_medium,
        facebook_tags.utm_campaign,
    from facebook_campaigns
    left join facebook_tags
        on facebook_campaigns.campaign_id = facebook_tags.campaign_id
),

google as (
    select
        'google_ads' as ad_platform,
        campaign_id,
        customer_id as account_id,
        campaign_name,
        case upper(advertising_channel_type)
            when 'SEARCH' then 'paid_search'
            when 'DISPLAY' then 'display'
            when 'VIDEO' then 'paid_video'
            when 'PERFORMANCE_MAX' then 'cross_network'
            when 'SMART' then 'cross_network'
            when 'DEMAND_GEN' then 'cross_network'
            when 'DISCOVERY' then 'cross_network'
            else 'paid_other'
        end as channel,
        advertising_channel_type as campaign_type,
        status,
        status = 'ENABLED' as is_active,
        start_date as started_on,
        end_date as ended_on,
        utm_source,
        utm_medium,
        utm_campaign,
    from google_campaigns
),

unioned as (
    select * from facebook
    union all
    select * from google
)

select
    ad_platform,
    campaign_id,
    account_id,
    campaign_name,
    channel,
    campaign_type,
    status,
    is_active,
    started_on,
    ended_on,
    utm_source,
    utm_medium,
    utm_campaign,
    nullif(trim(regexp_replace(lower(utm_campaign), '[^a-z0-9]+', '-', 'g'), '-'), '')
        as utm_campaign_key,
from unioned
