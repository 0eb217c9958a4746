"""Facebook Ads' view of the world: one ad account, its campaign tree, creatives and insights.

- ``account``: the single ad account (``act_<id>``) every object belongs to.
- ``campaigns``, ``adsets``, ``ads``: one row per version (``_valid_from``, ``_version``): created
  ACTIVE, then the campaign's final status when it stopped delivering (see ``_paid_media``).
- ``adcreatives``: one creative per ad. Its ``url_tags`` are the UTMs the world's paid-social
  visits actually carried for that ad (the most common combination), so the warehouse can join
  spend to sessions the way a marketer would; ads no visit came from get the house convention.
- ``insights``: the ``level=ad, time_increment=1`` report: one row per ad and day with delivery;
  spend in the account currency, reach and frequency derived deterministically.
- ``insight_actions``: the same report broken down by ``action_type`` (zero actions omitted, as
  the Graph API does): link clicks and landing page views (visits the pixel saw).
- ``conversions``: the pixel's registrations, one row per click that led to one (the day of the
  click, ``converted_at`` the signup). The API counts those up to its clock into the
  ``offsite_conversion.fb_pixel_complete_registration`` action, so a recent day's number grows
  as its conversions happen, the way Facebook restates its attribution window.

Ids look like Facebook's (15-18 digit integers), offset from the core ids.
"""

from __future__ import annotations

import duckdb

from platform_assets.sandbox.world.sources._paid_media import (
    create_versions,
    house_campaign_tag,
    most_common_tags,
)

SCHEMA = "src_facebook_ads"
PLATFORM = "facebook_ads"
ACCOUNT_ID = 1_047_392_651_208_733
CAMPAIGN_ID_BASE = 23_850_000_000_000_000
ADSET_ID_BASE = 23_851_000_000_000_000
AD_ID_BASE = 23_852_000_000_000_000
CREATIVE_ID_BASE = 23_853_000_000_000_000
# What an ad's visits carry in their landing URLs: a creative's url_tags repeat them.
_UTM_TAGS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


def _status(version: str) -> str:
    """SQL: the Graph API status of the object version aliased ``version``."""
    return f"""
        case {version}.status
            when 'active' then 'ACTIVE'
            when 'paused' then 'PAUSED'
            when 'removed' then 'DELETED'
            when 'deleted' then 'DELETED'
            else 'ARCHIVED'
        end
    """


def project(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``src_facebook_ads`` from ``core`` in the world file, deterministically."""
    con.execute(f"create schema if not exists {SCHEMA}")
    create_versions(con, PLATFORM)
    con.execute(
        f"""
        create or replace table {SCHEMA}.account as
        select
            {ACCOUNT_ID} as account_id,
            'Roundtrip' as name,
            'USD' as currency,
            'Etc/UTC' as timezone_name,
            coalesce(min(created_at), timestamp '2000-01-01') as created_time,
        from core.ad_campaigns
        where ad_platform = '{PLATFORM}'
        """
    )
    _project_tree(con)
    _project_creatives(con)
    _project_insights(con)


def _project_tree(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create or replace table {SCHEMA}.campaigns as
        with budgets as (
            select a.ad_campaign_id, sum(d.spend) / count(distinct d.date) as daily_spend
            from core.ad_daily as d
            join core.ads as a on a.ad_platform = d.ad_platform and a.ad_id = d.ad_id
            where d.ad_platform = '{PLATFORM}'
            group by 1
        )
        select
            {CAMPAIGN_ID_BASE} + c.ad_campaign_id as id,
            {ACCOUNT_ID} as account_id,
            c.name,
            case
                when upper(c.objective) like 'OUTCOME_%' then upper(c.objective)
                else 'OUTCOME_' || upper(coalesce(c.objective, 'traffic'))
            end as objective,
            {_status("c")} as status,
            cast(ceil(coalesce(b.daily_spend, 10) * 1.2) * 100 as bigint) as daily_budget,
            c.created_at as created_time,
            c.created_at as start_time,
            case when c._version = 2 then c._valid_from end as stop_time,
            c._version,
            c._valid_from,
        from campaign_versions as c
        left join budgets as b on b.ad_campaign_id = c.ad_campaign_id
        order by id, _version
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.adsets as
        select
            {ADSET_ID_BASE} + g.ad_group_id as id,
            {ACCOUNT_ID} as account_id,
            {CAMPAIGN_ID_BASE} + g.ad_campaign_id as campaign_id,
            g.name,
            {_status("g")} as status,
            'LOWEST_COST_WITHOUT_CAP' as bid_strategy,
            g.created_at as created_time,
            g.created_at as start_time,
            case when g._version = 2 then g._valid_from end as end_time,
            g._version,
            g._valid_from,
        from ad_group_versions as g
        order by id, _version
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.ads as
        select
            {AD_ID_BASE} + a.ad_id as id,
            {ACCOUNT_ID} as account_id,
            {CAMPAIGN_ID_BASE} + a.ad_campaign_id as campaign_id,
            {ADSET_ID_BASE} + a.ad_group_id as adset_id,
            {CREATIVE_ID_BASE} + a.ad_id as creative_id,
            a.name,
            {_status("a")} as status,
            a.created_at as created_time,
            a._version,
            a._valid_from,
        from ad_versions as a
        order by id, _version
        """
    )


def _project_creatives(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create or replace table {SCHEMA}.adcreatives as
        with most_common as ({most_common_tags(PLATFORM, "ad_id", _UTM_TAGS)})
        select
            {CREATIVE_ID_BASE} + a.ad_id as id,
            {ACCOUNT_ID} as account_id,
            a.name || ' creative' as name,
            a.headline as title,
            a.headline as body,
            a.final_url as link_url,
            coalesce(
                'utm_source=' || t.utm_source || '&utm_medium=' || t.utm_medium
                || '&utm_campaign=' || t.utm_campaign
                || coalesce('&utm_content=' || t.utm_content, ''),
                'utm_source=facebook&utm_medium=paid_social&utm_campaign='
                || {house_campaign_tag("c.name")}
                || '&utm_content=' || a.ad_id
            ) as url_tags,
            'SHARE' as object_type,
            'ACTIVE' as status,
            a.created_at as created_time,
        from core.ads as a
        join core.ad_campaigns as c
            on c.ad_platform = a.ad_platform and c.ad_campaign_id = a.ad_campaign_id
        left join most_common as t using (ad_id)
        where a.ad_platform = '{PLATFORM}'
        order by id
        """
    )


def _project_insights(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create or replace table {SCHEMA}.insights as
        with delivery as (
            select
                d.*,
                -- people see an ad 1.15-1.54 times a day; deterministic per ad and day
                1.15 + ((d.ad_id * 7 + dayofyear(d.date)) % 40) / 100.0 as frequency_target,
            from core.ad_daily as d
            where d.ad_platform = '{PLATFORM}' and d.impressions > 0
        )
        select
            d.date,
            {ACCOUNT_ID} as account_id,
            {CAMPAIGN_ID_BASE} + a.ad_campaign_id as campaign_id,
            c.name as campaign_name,
            {ADSET_ID_BASE} + a.ad_group_id as adset_id,
            g.name as adset_name,
            {AD_ID_BASE} + a.ad_id as ad_id,
            a.name as ad_name,
            d.impressions,
            d.clicks as inline_link_clicks,
            round(d.spend, 2) as spend,
            greatest(1, cast(d.impressions / d.frequency_target as bigint)) as reach,
            round(
                d.impressions / greatest(1, cast(d.impressions / d.frequency_target as bigint)),
                6
            ) as frequency,
        from delivery as d
        join core.ads as a on a.ad_platform = d.ad_platform and a.ad_id = d.ad_id
        join core.ad_groups as g
            on g.ad_platform = a.ad_platform and g.ad_group_id = a.ad_group_id
        join core.ad_campaigns as c
            on c.ad_platform = a.ad_platform and c.ad_campaign_id = a.ad_campaign_id
        order by date, ad_id
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.insight_actions as
        with visits as (
            select ad_id, cast(started_at as date) as date, count(*) as landing_page_views
            from core.sessions
            where ad_platform = '{PLATFORM}' and ad_id is not null
            group by all
        ),
        actions as (
            select d.date, d.ad_id, 'link_click' as action_type, d.clicks as value
            from core.ad_daily as d
            where d.ad_platform = '{PLATFORM}'
            union all
            select v.date, v.ad_id, 'landing_page_view', v.landing_page_views
            from visits as v
            join core.ad_daily as d
                on d.ad_platform = '{PLATFORM}' and d.ad_id = v.ad_id and d.date = v.date
        )
        select date, {AD_ID_BASE} + ad_id as ad_id, action_type, value,
        from actions
        where value > 0
        order by date, ad_id, action_type
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.conversions as
        select click_date as date, {AD_ID_BASE} + ad_id as ad_id, converted_at,
        from core.ad_conversions
        where ad_platform = '{PLATFORM}'
        order by date, ad_id, converted_at
        """
    )
