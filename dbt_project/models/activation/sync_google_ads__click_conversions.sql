{#-
    What the Google Ads click-conversions sync uploads (insert only): one offline conversion per
    person who became a marketing-qualified lead after a Google Ads click, so Smart Bidding
    learns which clicks bring MQLs, not just visits.

    - converted_at: the moment the person reached MQL (int_growth__customer_funnel.mql_at: the
      MQL date, or the next stage's when HubSpot skipped it).
    - gclid: of the person's latest Google Ads click strictly before that moment and at most
      var google_ads_click_window_days (90) days before it (Google Ads refuses a conversion
      outside the click-through window). A person without such a click has no row.
    - conversion_id: surrogate key of gclid, var google_ads_mql_conversion_action and
      converted_at; stable across runs, so a conversion is inserted once.
    - conversion_value / currency_code: vars mql_conversion_value (100) and
      mql_conversion_currency (USD).
-#}

{%- set window_days = var('google_ads_click_window_days') %}

with

mqls as (
    select
        customer_uid,
        mql_at as converted_at,
    from {{ ref('int_growth__customer_funnel') }}
    where mql_at is not null
),

clicks as (
    select * from {{ ref('int_activation__gclid_clicks') }}
),

click_before_mql as (
    select
        mqls.customer_uid,
        mqls.converted_at,
        clicks.gclid,
    from mqls
    inner join clicks
        on
            mqls.customer_uid = clicks.customer_uid
            and mqls.converted_at > clicks.clicked_at
            and clicks.clicked_at >= {{ dbt.dateadd('day', -window_days, 'mqls.converted_at') }}
    qualify row_number() over (
        partition by mqls.customer_uid
        order by clicks.clicked_at desc, clicks.gclid desc
    ) = 1
)

select
    cast({{ surrogate_key([
        'gclid',
        "'" ~ var('google_ads_mql_conversion_action') ~ "'",
        'converted_at',
    ]) }} as varchar) as conversion_id,
    cast(gclid as varchar) as gclid,
    cast(converted_at as timestamp) as converted_at,
    cast({{ var('mql_conversion_value') }} as decimal(18, 2)) as conversion_value,
    cast('{{ var("mql_conversion_currency") }}' as varchar) as currency_code,
from click_before_mql
