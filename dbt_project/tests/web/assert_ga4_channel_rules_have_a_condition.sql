{#-
    Every row of ga4_default_channel_rules must state at least one condition: a row with every
    condition empty would match every session and end the first-match evaluation there.
-#}
select
    rule_order,
    channel_key
from {{ ref('ga4_default_channel_rules') }}
where
    nullif(trim(click_id), '') is null
    and nullif(trim(ad_network_type_pattern), '') is null
    and nullif(trim(source_pattern), '') is null
    and nullif(trim(source_category), '') is null
    and nullif(trim(medium_pattern), '') is null
    and nullif(trim(campaign_pattern), '') is null
