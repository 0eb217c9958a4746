"""Google Ads' view of the world: one customer account, its campaign tree, stats and clicks.

- ``customer``: the single account (10-digit customer id) everything belongs to.
- ``campaigns``, ``ad_groups``, ``ads``: one row per version (``_valid_from``, ``_version``):
  created ENABLED, then PAUSED/REMOVED when the campaign stopped delivering (see
  ``_paid_media``). The campaign's ``tracking_url_template`` carries the UTMs its visits carried.
- ``campaign_stats``: one row per campaign, day, network and device with delivery; cost in
  micros. Google reports by device (Fivetran's grain), the world by ad and day: a day's
  impressions, clicks and micros are split over DESKTOP/MOBILE/TABLET by fixed shares per
  network, by largest remainder, so the device rows sum exactly to the day.
- ``conversions``: one row per click that led to a conversion (the day of the click, the
  device of one of that day's clicks, ``converted_at`` the signup). The API sums those up to
  its clock into ``metrics.conversions``, so a recent day's conversions grow as they happen
  (Google Ads restates its conversion window).
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

# How a network's delivery splits across devices, in percent (each sums to 100); device order
# breaks ties when apportioning. Search leans to desktop, display and YouTube to phones.
_DEVICE_SHARES = {
    "SEARCH": {"DESKTOP": 55, "MOBILE": 38, "TABLET": 7},
    "CONTENT": {"DESKTOP": 35, "MOBILE": 57, "TABLET": 8},
    "YOUTUBE": {"DESKTOP": 30, "MOBILE": 58, "TABLET": 12},
}

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
    _project_clicks(con)


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


def _network() -> str:
    """SQL: the ``segments.ad_network_type`` of campaign ``c``'s channel."""
    return f"""
        case {_CHANNEL_TYPE_SQL}
            when 'DISPLAY' then 'CONTENT' when 'VIDEO' then 'YOUTUBE' else 'SEARCH'
        end
    """


def _apportioned(metric: str) -> str:
    """SQL: device row ``s``'s integer part of its day's ``metric`` by largest remainder: each
    device takes ``metric * share // 100``, and the units left over go one each to the devices
    with the largest remainders (ties by device order), so the parts sum to the day's total."""
    day = "partition by s.date, s.campaign_id, s.ad_network_type"
    return f"""
        cast(s.{metric} * s.share // 100 + case
            when row_number() over ({day} order by s.{metric} * s.share % 100 desc, s.position)
                <= s.{metric} - sum(s.{metric} * s.share // 100) over ({day})
            then 1 else 0
        end as bigint)
    """


def _project_stats(con: duckdb.DuckDBPyConnection) -> None:
    network = _network()
    shares = ", ".join(
        f"('{net}', '{device}', {share}, {position})"
        for net, split in _DEVICE_SHARES.items()
        for position, (device, share) in enumerate(split.items())
    )
    con.execute(
        "create or replace temp table device_shares (ad_network_type, device, share, position) "
        f"as values {shares}"
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.campaign_stats as
        with days as (
            select
                d.date,
                {CAMPAIGN_ID_BASE} + a.ad_campaign_id as campaign_id,
                {network} as ad_network_type,
                cast(sum(d.clicks) as bigint) as clicks,
                cast(sum(d.impressions) as bigint) as impressions,
                cast(round(sum(d.spend) * 1000000) as bigint) as cost_micros,
            from core.ad_daily as d
            join core.ads as a on a.ad_platform = d.ad_platform and a.ad_id = d.ad_id
            join core.ad_campaigns as c
                on c.ad_platform = a.ad_platform and c.ad_campaign_id = a.ad_campaign_id
            where d.ad_platform = '{PLATFORM}'
            group by all
        ),
        s as (select * from days join device_shares using (ad_network_type)),
        split as (
            select
                s.date,
                s.campaign_id,
                s.ad_network_type,
                s.device,
                s.position,
                {_apportioned("clicks")} as clicks,
                {_apportioned("impressions")} as impressions,
                {_apportioned("cost_micros")} as cost_micros,
            from s
        )
        select * exclude (position), clicks as interactions,
        from split
        where impressions > 0 or clicks > 0 or cost_micros > 0
        order by date, campaign_id, position
        """
    )
    # Each conversion is one of its day's clicks: the k-th of the day (by when it happened, so
    # a conversion keeps its device as later ones arrive) takes click slot k of the day's
    # clicks laid out device after device; a day without clicks gives them to its first device.
    con.execute(
        f"""
        create or replace table {SCHEMA}.conversions as
        with ranked as (
            select
                k.click_date as date,
                {CAMPAIGN_ID_BASE} + a.ad_campaign_id as campaign_id,
                {network} as ad_network_type,
                k.converted_at,
                row_number() over (
                    partition by k.click_date, a.ad_campaign_id order by k.converted_at, k.ad_id
                ) - 1 as slot,
            from core.ad_conversions as k
            join core.ads as a on a.ad_platform = k.ad_platform and a.ad_id = k.ad_id
            join core.ad_campaigns as c
                on c.ad_platform = a.ad_platform and c.ad_campaign_id = a.ad_campaign_id
            where k.ad_platform = '{PLATFORM}'
        ),
        slots as (
            select
                s.*,
                sum(s.clicks) over (
                    partition by s.date, s.campaign_id, s.ad_network_type
                    order by sh.position rows unbounded preceding
                ) as clicks_upto,
                sum(s.clicks) over (partition by s.date, s.campaign_id, s.ad_network_type)
                    as day_clicks,
                sh.position,
            from {SCHEMA}.campaign_stats as s
            join device_shares as sh using (ad_network_type, device)
        )
        select r.date, r.campaign_id, r.ad_network_type, s.device, r.converted_at,
        from ranked as r
        join slots as s using (date, campaign_id, ad_network_type)
        where s.day_clicks = 0 or s.clicks_upto > r.slot % s.day_clicks
        qualify row_number() over (
            partition by r.date, r.campaign_id, r.ad_network_type, r.slot order by s.position
        ) = 1
        order by all
        """
    )


def _project_clicks(con: duckdb.DuckDBPyConnection) -> None:
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
            {_network()} as ad_network_type,
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
