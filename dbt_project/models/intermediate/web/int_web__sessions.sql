{#-
    Web sessions, one row per session: a device's (anonymous_id's) page views until a gap of
    more than var('session_threshold_seconds') (default 1800) without one; a gap of exactly the
    threshold stays in the session. The session keeps what its FIRST page carried (UTM tags,
    gclid, fbclid, referrer, landing page), derives GA4's session source / medium from it and
    classifies the channel with GA4's default channel grouping, first matching rule wins, from
    the seeds ga4_default_channel_rules and ga4_source_categories.

    Source / medium, in order (first that applies):
      1. UTM tags (utm_source or utm_medium present): as tagged, lower-cased; a missing half is
         '(not set)'. Tags win over click ids for source / medium (GA4 with "allow manual
         tagging to override auto-tagging"); a gclid's Google Ads network still decides the
         channel of an auto-tagged click.
      2. gclid without UTM: google / cpc (Google Ads auto-tagging), so Paid Search.
      3. fbclid without UTM: the referrer's host (else facebook) / social. Meta appends fbclid
         to every outbound link, organic posts included, and GA4 does not read it: without UTM
         it proves a click from a Meta app, not a paid one (→ Organic Social).
      4. A referrer outside the site: its host (without www.) / organic when the host is a
         search engine, else referral (social and video hosts are classified by the source
         category, as GA4 does).
      5. Nothing: (direct) / (none).
    A session whose first page was reached from a page of the site itself, without a click id,
    is a continuation: the visitor kept browsing after an idle gap longer than the threshold. It
    takes the source / medium (and so the channel) of the device's latest session that was not a
    continuation (is_source_inherited), as GA4's session channel would show it (GA4 ignores
    self-referrals and falls back to the last non-direct click). UTM tags on such a page are
    the visit's campaign carried along by the SDK or an internally tagged link (which GA
    advises against), not a new acquisition. With no earlier session it keeps its own tags,
    else (direct) / (none). Sessions without any referrer stay direct: crediting them
    to earlier visits is the attribution models' job, not the session's.
    A gclid's Google Ads network (stg_google_ads__click_view.ad_network_type) is what GA4 uses
    for auto-tagged traffic (Search → Paid Search, YouTube → Paid Video, Display network →
    Display, cross-network → Cross-network); the rules check it before the manual-tag rules.

    The session id is deterministic: a hash of the anonymous id and the start time. A late event
    that lands before a session's first page moves its start, and so its id, on the next build.
-#}
{{ config(materialized='table') }}

with

pageviews as (

    select
        message_id,
        anonymous_id,
        user_id,
        occurred_at,
        page_url,
        page_path,
        referrer,
        referrer_host,
        is_internal_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        gclid,
        fbclid
    from {{ ref('int_web__pageviews') }}

),

source_categories as (

    select
        lower(source) as source,
        source_category
    from {{ ref('ga4_source_categories') }}

),

-- An empty cell is no condition (a seed may load it as '' rather than null).
channel_rules as (

    select
        rule_order,
        channel_key,
        nullif(trim(click_id), '') as click_id,
        nullif(trim(ad_network_type_pattern), '') as ad_network_type_pattern,
        nullif(trim(source_pattern), '') as source_pattern,
        nullif(trim(source_category), '') as source_category,
        nullif(trim(medium_pattern), '') as medium_pattern,
        nullif(trim(campaign_pattern), '') as campaign_pattern
    from {{ ref('ga4_default_channel_rules') }}

),

google_ads_clicks as (

    select
        gclid,
        lower(ad_network_type) as ad_network_type
    from {{ ref('stg_google_ads__click_view') }}

),

gaps as (

    select
        *,
        lag(occurred_at) over (
            partition by anonymous_id order by occurred_at, message_id
        ) as previous_occurred_at
    from pageviews

),

flagged as (

    select
        *,
        case
            when previous_occurred_at is null then 1
            when
                {{ dbt.datediff('previous_occurred_at', 'occurred_at', 'microsecond') }}
                > {{ var('session_threshold_seconds') }} * 1000000
                then 1
            else 0
        end as is_session_start
    from gaps

),

numbered as (

    select
        *,
        cast(sum(is_session_start) over (
            partition by anonymous_id
            order by occurred_at, message_id
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as session_number
    from flagged

),

sessions_measured as (

    select
        *,
        min(occurred_at) over (
            partition by anonymous_id, session_number
        ) as started_at,
        max(occurred_at) over (
            partition by anonymous_id, session_number
        ) as ended_at,
        count(*) over (
            partition by anonymous_id, session_number
        ) as page_views,
        last_value(user_id ignore nulls) over (
            partition by anonymous_id, session_number
            order by occurred_at, message_id
            rows between unbounded preceding and unbounded following
        ) as session_user_id
    from numbered

),

landings as (

    select
        sessions_measured.*,
        {{ clean_text('sessions_measured.utm_source') }} as tagged_source,
        {{ clean_text('sessions_measured.utm_medium') }} as tagged_medium,
        case
            when not sessions_measured.is_internal_referrer
                then sessions_measured.referrer_host
        end as external_referrer_host,
        google_ads_clicks.ad_network_type
    from sessions_measured
    left join google_ads_clicks
        on sessions_measured.gclid = google_ads_clicks.gclid
    where sessions_measured.is_session_start = 1

),

traffic_sources as (

    select
        landings.*,
        case
            when landings.tagged_source is not null or landings.tagged_medium is not null
                then coalesce(landings.tagged_source, '(not set)')
            when landings.gclid is not null then 'google'
            when landings.fbclid is not null
                then coalesce(landings.external_referrer_host, 'facebook')
            when landings.external_referrer_host is not null
                then landings.external_referrer_host
            else '(direct)'
        end as own_source,
        case
            when landings.tagged_source is not null or landings.tagged_medium is not null
                then coalesce(landings.tagged_medium, '(not set)')
            when landings.gclid is not null then 'cpc'
            when landings.fbclid is not null then 'social'
            when referrer_categories.source_category = 'search' then 'organic'
            when landings.external_referrer_host is not null then 'referral'
            else '(none)'
        end as own_medium,
        {{ clean_text('landings.utm_campaign') }} as own_campaign,
        -- Landed from a page of the site itself without a click id: the visitor was already
        -- browsing and an idle gap longer than the threshold cut the visit.
        (
            landings.is_internal_referrer
            and landings.gclid is null
            and landings.fbclid is null
        ) as is_continuation
    from landings
    left join source_categories as referrer_categories
        on landings.external_referrer_host = referrer_categories.source

),

-- A continuation belongs to the acquisition of the device's latest session that was not one.
acquisition_groups as (

    select
        *,
        sum(case when is_continuation then 0 else 1 end) over (
            partition by anonymous_id
            order by session_number
            rows between unbounded preceding and current row
        ) as acquisition_group
    from traffic_sources

),

-- The group's first session is its head (group 0 has none: the device's first sessions were
-- continuations of a visit whose landing page never arrived).
acquisitions as (

    select
        *,
        first_value(case when not is_continuation then own_source end) over acquisition
            as head_source,
        first_value(case when not is_continuation then own_medium end) over acquisition
            as head_medium,
        first_value(case when not is_continuation then own_campaign end) over acquisition
            as head_campaign,
        first_value(case when not is_continuation then ad_network_type end) over acquisition
            as head_ad_network_type,
        first_value(case when not is_continuation then gclid is not null end) over acquisition
            as head_has_gclid,
        first_value(case when not is_continuation then fbclid is not null end) over acquisition
            as head_has_fbclid
    from acquisition_groups
    window acquisition as (
        partition by anonymous_id, acquisition_group
        order by session_number
        rows between unbounded preceding and current row
    )

),

sourced as (

    select
        *,
        is_continuation and head_source is not null as is_source_inherited,
        case when is_continuation then coalesce(head_source, own_source) else own_source end
            as source,
        case when is_continuation then coalesce(head_medium, own_medium) else own_medium end
            as medium,
        case
            when is_continuation and head_source is not null then head_campaign
            else own_campaign
        end as campaign,
        case
            when is_continuation and head_source is not null then head_ad_network_type
            else ad_network_type
        end as effective_ad_network_type,
        case
            when is_continuation and head_source is not null then head_has_gclid
            else gclid is not null
        end as has_gclid,
        case
            when is_continuation and head_source is not null then head_has_fbclid
            else fbclid is not null
        end as has_fbclid
    from acquisitions

),

classified_inputs as (

    select
        sourced.*,
        source_categories.source_category,
        {{ surrogate_key([
            'sourced.source',
            'sourced.medium',
            'sourced.campaign',
            'source_categories.source_category',
            'sourced.effective_ad_network_type',
            'sourced.has_gclid',
            'sourced.has_fbclid',
        ]) }} as traffic_key
    from sourced
    left join source_categories
        on sourced.source = source_categories.source

),

-- The rules run once per distinct traffic source, not once per session.
distinct_traffic as (

    select distinct
        traffic_key,
        source,
        medium,
        campaign,
        source_category,
        effective_ad_network_type as ad_network_type,
        has_gclid,
        has_fbclid
    from classified_inputs

),

matched_rules as (

    select
        distinct_traffic.traffic_key,
        channel_rules.channel_key,
        channel_rules.rule_order
    from distinct_traffic
    inner join channel_rules
        on
            (
                channel_rules.click_id is null
                or (channel_rules.click_id = 'gclid' and distinct_traffic.has_gclid)
                or (channel_rules.click_id = 'fbclid' and distinct_traffic.has_fbclid)
            )
            and (
                channel_rules.ad_network_type_pattern is null
                or regexp_matches(
                    coalesce(distinct_traffic.ad_network_type, ''),
                    channel_rules.ad_network_type_pattern
                )
            )
            and (
                channel_rules.source_pattern is null
                or regexp_matches(distinct_traffic.source, channel_rules.source_pattern)
            )
            and (
                channel_rules.source_category is null
                or distinct_traffic.source_category = channel_rules.source_category
            )
            and (
                channel_rules.medium_pattern is null
                or regexp_matches(distinct_traffic.medium, channel_rules.medium_pattern)
            )
            and (
                channel_rules.campaign_pattern is null
                or regexp_matches(
                    coalesce(distinct_traffic.campaign, ''), channel_rules.campaign_pattern
                )
            )
    qualify row_number() over (
        partition by distinct_traffic.traffic_key order by channel_rules.rule_order
    ) = 1

)

select
    {{ surrogate_key(['classified_inputs.anonymous_id', 'classified_inputs.started_at']) }}
        as session_id,
    classified_inputs.anonymous_id,
    classified_inputs.session_number,
    classified_inputs.session_user_id as user_id,
    classified_inputs.started_at,
    classified_inputs.ended_at,
    {{ dbt.datediff('classified_inputs.started_at', 'classified_inputs.ended_at', 'second') }}
        as duration_seconds,
    classified_inputs.page_views,
    classified_inputs.message_id as landing_message_id,
    classified_inputs.page_url as landing_page_url,
    classified_inputs.page_path as landing_page_path,
    classified_inputs.referrer,
    classified_inputs.referrer_host,
    classified_inputs.utm_source,
    classified_inputs.utm_medium,
    classified_inputs.utm_campaign,
    classified_inputs.utm_content,
    classified_inputs.utm_term,
    classified_inputs.gclid,
    classified_inputs.fbclid,
    classified_inputs.ad_network_type,
    classified_inputs.source,
    classified_inputs.medium,
    classified_inputs.source_category,
    classified_inputs.is_source_inherited,
    coalesce(matched_rules.channel_key, 'unassigned') as channel,
    matched_rules.rule_order as channel_rule_order
from classified_inputs
left join matched_rules
    on classified_inputs.traffic_key = matched_rules.traffic_key
