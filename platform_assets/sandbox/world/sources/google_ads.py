"""Google Ads' view of the world: one customer account, its campaign tree, stats and clicks.

- ``customer``: the single account (10-digit customer id) everything belongs to.
- ``campaigns``, ``ad_groups``, ``ads``: one row per version (``_valid_from``, ``_version``):
  created ENABLED, then PAUSED/REMOVED when the campaign stopped delivering (see
  ``_paid_media``). The campaign's ``tracking_url_template`` carries the UTMs its visits carried.
- ``campaign_stats``: one row per campaign, day and network with delivery; cost in micros.
- ``conversions``: one row per click that led to a conversion (the day of the click,
  ``converted_at`` the signup). The API sums those up to its clock into ``metrics.conversions``,
  so a recent day's conversions grow as they happen (Google Ads restates its conversion window).
- ``click_view``: one row per Google Ads click that carried a gclid (auto-tagging: search,
  display and video alike), with the campaign, ad group and ad it came from and the device.

Ids look like Google's (10-12 digit integers), offset from the core ids.
"""

from __future__ import annotations

import duckdb

from platform_assets.sandbox.world.sources._paid_media import (
    create_versions,
    house_campaign_tag,
    most_common_tags,
)

SCHEMA = "src_google_ads"
PLATFORM = "google_ads"
CUSTOMER_ID = 5_283_914_076
CAMPAIGN_ID_BASE = 20_100_000_000
AD_GROUP_ID_BASE = 130_000_000_000
AD_ID_BASE = 640_000_000_000
# What a campaign's visits carry in their landing URLs: its tracking template repeats them.
_UTM_TAGS = ("utm_source", "utm_medium", "utm_campaign")

_CHANNEL_TYPE_SQL = """
    case c.channel when 'display' then 'DISPLAY' when 'video' then 'VIDEO' else 'SEARCH' end
"""


def _status(version: str) -> str:
    """SQL: the Google Ads status of the object version aliased ``version``."""
    return f"""
        case
            when {version}.status in ('active', 'enabled') then 'ENABLED'
            when {version}.status in ('removed', 'deleted') then 'REMOVED'
            else 'PAUSED'
        end
    """


def project(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``src_google_ads`` from ``core`` in the world file, deterministically."""
    con.execute(f"create schema if not exists {SCHEMA}")
    create_versions(con, PLATFORM)
    con.execute(
        f"""
        create or replace table {SCHEMA}.customer as
        select
            {CUSTOMER_ID} as id,
            'Roundtrip' as descriptive_name,
            'USD' as currency_code,
            'Etc/GMT' as time_zone,
            true as auto_tagging_enabled,
        """
    )
    _project_tree(con)
    _project_stats(con)


def _project_tree(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create or replace table {SCHEMA}.campaigns as
        with tagged as ({most_common_tags(PLATFORM, "ad_campaign_id", _UTM_TAGS)})
        select
            {CAMPAIGN_ID_BASE} + c.ad_campaign_id as id,
            {CUSTOMER_ID} as customer_id,
            c.name,
            {_status("c")} as status,
            {_CHANNEL_TYPE_SQL} as advertising_channel_type,
            case when c._version = 1 then 'SERVING' else 'ENDED' end as serving_status,
            strftime(c.created_at, '%Y-%m-%d') as start_date,
            case when c._version = 2 then strftime(c._valid_from, '%Y-%m-%d') end as end_date,
            '{{lpurl}}?' || coalesce(
                'utm_source=' || t.utm_source || '&utm_medium=' || t.utm_medium
                || '&utm_campaign=' || t.utm_campaign,
                'utm_source=google&utm_medium=cpc&utm_campaign='
                || {house_campaign_tag("c.name")}
            ) as tracking_url_template,
            c.created_at as created_time,
            c._version,
            c._valid_from,
        from campaign_versions as c
        left join tagged as t on t.ad_campaign_id = c.ad_campaign_id
        order by id, _version
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.ad_groups as
        select
            {AD_GROUP_ID_BASE} + g.ad_group_id as id,
            {CAMPAIGN_ID_BASE} + g.ad_campaign_id as campaign_id,
            c.name as campaign_name,
            g.name,
            {_status("g")} as status,
            case {_CHANNEL_TYPE_SQL}
                when 'DISPLAY' then 'DISPLAY_STANDARD'
                when 'VIDEO' then 'VIDEO_TRUE_VIEW_IN_STREAM'
                else 'SEARCH_STANDARD'
            end as type,
            g.created_at as created_time,
            g._version,
            g._valid_from,
        from ad_group_versions as g
        join core.ad_campaigns as c
            on c.ad_platform = g.ad_platform and c.ad_campaign_id = g.ad_campaign_id
        order by id, _version
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.ads as
        select
            {AD_ID_BASE} + a.ad_id as id,
            {AD_GROUP_ID_BASE} + a.ad_group_id as ad_group_id,
            {CAMPAIGN_ID_BASE} + a.ad_campaign_id as campaign_id,
            a.name,
            {_status("a")} as status,
            case {_CHANNEL_TYPE_SQL}
                when 'DISPLAY' then 'RESPONSIVE_DISPLAY_AD'
                when 'VIDEO' then 'VIDEO_RESPONSIVE_AD'
                else 'RESPONSIVE_SEARCH_AD'
            end as type,
            to_json([a.final_url]) as final_urls,
            regexp_extract(a.final_url, '^https?://([^/?#]+)', 1) as display_url,
            a.created_at as created_time,
            a._version,
            a._valid_from,
        from ad_versions as a
        join core.ad_campaigns as c
            on c.ad_platform = a.ad_platform and c.ad_campaign_id = a.ad_campaign_id
        order by id, _version
        """
    )


def _project_stats(con: duckdb.DuckDBPyConnection) -> None:
    network = f"""
        case {_CHANNEL_TYPE_SQL}
            when 'DISPLAY' then 'CONTENT' when 'VIDEO' then 'YOUTUBE' else 'SEARCH'
        end
    """
    con.execute(
        f"""
        create or replace table {SCHEMA}.campaign_stats as
        select
            d.date,
            {CAMPAIGN_ID_BASE} + a.ad_campaign_id as campaign_id,
            {network} as ad_network_type,
            sum(d.clicks) as clicks,
            sum(d.impressions) as impressions,
            cast(round(sum(d.spend) * 1000000) as bigint) as cost_micros,
            sum(d.clicks) as interactions,
        from core.ad_daily as d
        join core.ads as a on a.ad_platform = d.ad_platform and a.ad_id = d.ad_id
        join core.ad_campaigns as c
            on c.ad_platform = a.ad_platform and c.ad_campaign_id = a.ad_campaign_id
        where d.ad_platform = '{PLATFORM}'
        group by all
        having sum(d.impressions) > 0 or sum(d.clicks) > 0
        order by date, campaign_id
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.conversions as
        select
            k.click_date as date,
            {CAMPAIGN_ID_BASE} + a.ad_campaign_id as campaign_id,
            {network} as ad_network_type,
            k.converted_at,
        from core.ad_conversions as k
        join core.ads as a on a.ad_platform = k.ad_platform and a.ad_id = k.ad_id
        join core.ad_campaigns as c
            on c.ad_platform = a.ad_platform and c.ad_campaign_id = a.ad_campaign_id
        where k.ad_platform = '{PLATFORM}'
        order by date, campaign_id, converted_at
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.click_view as
        with device as (
            select anonymous_id, min(device_type) as device_type
            from core.devices
            group by 1
        )
        select
            s.gclid,
            cast(s.started_at as date) as date,
            s.started_at as clicked_at,
            {CAMPAIGN_ID_BASE} + s.ad_campaign_id as campaign_id,
            {AD_GROUP_ID_BASE} + s.ad_group_id as ad_group_id,
            {AD_ID_BASE} + s.ad_id as ad_id,
            {network} as ad_network_type,
            case lower(dv.device_type)
                when 'desktop' then 'DESKTOP'
                when 'mobile' then 'MOBILE'
                when 'tablet' then 'TABLET'
                else 'OTHER'
            end as device,
            'URL_CLICKS' as click_type,
        from core.sessions as s
        join core.ad_campaigns as c
            on c.ad_platform = s.ad_platform and c.ad_campaign_id = s.ad_campaign_id
        left join device as dv using (anonymous_id)
        where s.ad_platform = '{PLATFORM}' and s.gclid is not null
        qualify row_number() over (partition by s.gclid order by s.started_at, s.session_id) = 1
        order by date, gclid
        """
    )
