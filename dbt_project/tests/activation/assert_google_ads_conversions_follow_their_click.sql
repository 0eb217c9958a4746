{#-
    Every Google Ads conversion is credited to a click of a person who reached MQL at exactly
    the conversion's time, strictly after the click and within the click window. Returns the
    conversions that break it.
-#}

with

conversions as (
    select * from {{ ref('sync_google_ads__click_conversions') }}
),

clicks as (
    select * from {{ ref('int_activation__gclid_clicks') }}
),

funnel as (
    select
        customer_uid,
        mql_at,
    from {{ ref('int_growth__customer_funnel') }}
),

valid as (
    select distinct conversions.conversion_id
    from conversions
    inner join clicks
        on conversions.gclid = clicks.gclid
    inner join funnel
        on
            clicks.customer_uid = funnel.customer_uid
            and conversions.converted_at = funnel.mql_at
    where
        clicks.clicked_at < conversions.converted_at
        and clicks.clicked_at >= {{ dbt.dateadd(
            'day', -var('google_ads_click_window_days'), 'conversions.converted_at'
        ) }}
)

select
    conversions.conversion_id,
    conversions.gclid,
    conversions.converted_at,
from conversions
left join valid
    on conversions.conversion_id = valid.conversion_id
where valid.conversion_id is null
