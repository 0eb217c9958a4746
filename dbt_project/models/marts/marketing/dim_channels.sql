{#-
    The marketing channels analysts group by, one row per channel key: GA4's default channel
    groups plus unassigned, from the seed ga4_channels, with how many rules of GA4's default
    channel grouping (seed ga4_default_channel_rules) can assign each one. Every channel column
    in the marts (sessions, touchpoints, attribution, CAC) joins here on channel_key.
-#}
with

channels as (

    select * from {{ ref('ga4_channels') }}

),

rules as (

    select
        channel_key,
        count(*) as rule_count,
        min(rule_order) as first_rule_order
    from {{ ref('ga4_default_channel_rules') }}
    group by channel_key

)

select
    channels.channel_key,
    channels.channel_label,
    channels.is_paid,
    channels.media_type,
    channels.sort_order,
    channels.description,
    coalesce(rules.rule_count, 0) as rule_count,
    rules.first_rule_order
from channels
left join rules
    on channels.channel_key = rules.channel_key
