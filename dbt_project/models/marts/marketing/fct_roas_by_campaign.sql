{#-
    Return on ad spend per ad campaign and month.

    Revenue definition: the conversion revenue (var conversion_event; default the customer's
    first paid invoice, amount paid) credited to the campaign's touches by the attribution model
    var roas_attribution_model (default last_non_direct_touch), dated by the conversion month.
    roas = attributed_revenue ÷ spend of the same month. Beside it, for comparison, the
    platforms' own claims by click month: platform_conversions and platform_conversions_value
    (Google Ads only; Facebook reports no value).

    A credited touch belongs to a campaign by its (ad_platform, ad_campaign_id) when the touch is
    a known ad click (Google: click_view's gclid; Facebook: the ad), else by its campaign tag: the touch's campaign, normalised like
    dim_campaigns.utm_campaign_key, matched on the same channel to a campaign's utm_campaign or
    name. A tag two campaigns share (a relaunch under the same name) goes to the one live on the
    touch's day, else the latest started before it, else the latest started. Credited touches on
    no campaign are left out (organic, email... and untagged paid visits).
-#}
with

spend_daily as (
    select * from {{ ref('int_ads__spend_daily') }}
),

campaigns as (
    select * from {{ ref('int_ads__campaigns') }}
),

attribution as (
    select * from {{ ref('fct_attribution_rule_based') }}
),

credited as (
    select
        cast({{ dbt.date_trunc('month', 'conversion_time') }} as date) as month_start,
        cast(touched_at as date) as touched_on,
        channel,
        ad_campaign_id,
        nullif(trim(regexp_replace(lower(campaign), '[^a-z0-9]+', '-', 'g'), '-'), '')
            as campaign_key,
        credited_conversions,
        credited_revenue,
        {{ surrogate_key(['conversion_id', 'touchpoint_id']) }} as credit_id,
        ad_platform,
    from attribution
    where model = '{{ var("roas_attribution_model", "last_non_direct_touch") }}'
),

campaign_keys as (
    select
        ad_platform,
        campaign_id,
        channel,
        started_on,
        ended_on,
        utm_campaign_key as campaign_key,
    from campaigns
    where utm_campaign_key is not null
    union
    select
        ad_platform,
        campaign_id,
        channel,
        started_on,
        ended_on,
        nullif(trim(regexp_replace(lower(campaign_name), '[^a-z0-9]+', '-', 'g'), '-'), '')
            as campaign_key,
    from campaigns
    where campaign_name is not null
),

matched_by_id as (
    select
        credited.credit_id,
        campaigns.ad_platform,
        campaigns.campaign_id,
    from credited
    inner join campaigns
        on
            credited.ad_platform = campaigns.ad_platform
            and credited.ad_campaign_id = campaigns.campaign_id
),

matched_by_tag as (
    select
        credited.credit_id,
        campaign_keys.ad_platform,
        campaign_keys.campaign_id,
    from credited
    inner join campaign_keys
        on
            credited.campaign_key = campaign_keys.campaign_key
            and credited.channel = campaign_keys.channel
    where credited.ad_campaign_id is null
    qualify row_number() over (
        partition by credited.credit_id
        order by
            campaign_keys.started_on <= credited.touched_on
            and coalesce(campaign_keys.ended_on >= credited.touched_on, true) desc,
            campaign_keys.started_on <= credited.touched_on desc,
            campaign_keys.started_on desc,
            campaign_keys.campaign_id desc
    ) = 1
),

matched as (
    select * from matched_by_id
    union all
    select * from matched_by_tag
),

attributed_months as (
    select
        matched.ad_platform,
        matched.campaign_id,
        credited.month_start,
        sum(credited.credited_conversions) as attributed_conversions,
        sum(credited.credited_revenue) as attributed_revenue,
    from matched
    inner join credited
        on matched.credit_id = credited.credit_id
    group by 1, 2, 3
),

spend_months as (
    select
        ad_platform,
        campaign_id,
        month_start,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend,
        sum(platform_conversions) as platform_conversions,
        sum(platform_conversions_value) as platform_conversions_value,
    from spend_daily
    group by 1, 2, 3
),

campaign_months as (
    select
        ad_platform,
        campaign_id,
        month_start,
    from spend_months
    union
    select
        ad_platform,
        campaign_id,
        month_start,
    from attributed_months
),

joined as (
    select
        campaign_months.month_start,
        campaign_months.ad_platform,
        campaign_months.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        coalesce(spend_months.impressions, 0) as impressions,
        coalesce(spend_months.clicks, 0) as clicks,
        coalesce(spend_months.spend, 0) as spend,
        coalesce(attributed_months.attributed_conversions, 0) as attributed_conversions,
        coalesce(attributed_months.attributed_revenue, 0) as attributed_revenue,
        coalesce(spend_months.platform_conversions, 0) as platform_conversions,
        spend_months.platform_conversions_value,
    from campaign_months
    left join campaigns
        on
            campaign_months.ad_platform = campaigns.ad_platform
            and campaign_months.campaign_id = campaigns.campaign_id
    left join spend_months
        on
            campaign_months.ad_platform = spend_months.ad_platform
            and campaign_months.campaign_id = spend_months.campaign_id
            and campaign_months.month_start = spend_months.month_start
    left join attributed_months
        on
            campaign_months.ad_platform = attributed_months.ad_platform
            and campaign_months.campaign_id = attributed_months.campaign_id
            and campaign_months.month_start = attributed_months.month_start
)

select
    {{ surrogate_key(['month_start', 'ad_platform', 'campaign_id']) }} as roas_month_id,
    month_start,
    ad_platform,
    campaign_id,
    campaign_name,
    channel,
    '{{ var("roas_attribution_model", "last_non_direct_touch") }}' as attribution_model,
    cast(impressions as bigint) as impressions,
    cast(clicks as bigint) as clicks,
    cast(round(spend, 2) as decimal(18, 2)) as spend,
    cast(attributed_conversions as double) as attributed_conversions,
    cast(round(attributed_revenue, 2) as decimal(18, 2)) as attributed_revenue,
    cast(attributed_revenue / nullif(spend, 0) as double) as roas,
    cast(platform_conversions as double) as platform_conversions,
    cast(platform_conversions_value as double) as platform_conversions_value,
    cast(platform_conversions_value / nullif(spend, 0) as double) as platform_roas,
from joined
