{#-
    fct_ad_spend_daily must hold every unit of delivery the platforms reported, no more: per
    platform, its spend (to the cent and below: exact decimals), impressions and clicks equal
    the staging totals (Facebook per-ad insights, Google network × device stats). Returns one
    row per platform whose totals differ.
-#}
with

mart as (
    select
        ad_platform,
        sum(spend) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
    from {{ ref('fct_ad_spend_daily') }}
    group by ad_platform
),

staged as (
    select
        'facebook_ads' as ad_platform,
        sum(spend) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
    from {{ ref('stg_facebook_ads__basic_ad') }}
    union all
    select
        'google_ads' as ad_platform,
        sum(spend) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
    from {{ ref('stg_google_ads__campaign_stats') }}
)

select
    staged.ad_platform,
    staged.spend as staging_spend,
    mart.spend as mart_spend,
    staged.impressions as staging_impressions,
    mart.impressions as mart_impressions,
    staged.clicks as staging_clicks,
    mart.clicks as mart_clicks,
from staged
left join mart
    on staged.ad_platform = mart.ad_platform
where
    coalesce(staged.spend, 0) != coalesce(mart.spend, 0)
    or coalesce(staged.impressions, 0) != coalesce(mart.impressions, 0)
    or coalesce(staged.clicks, 0) != coalesce(mart.clicks, 0)
