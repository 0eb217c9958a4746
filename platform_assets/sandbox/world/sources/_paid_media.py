"""What the two ad platforms' projections share: the status history of campaigns, ad groups
(Facebook: ad sets) and ads, and the UTMs their visits carried.

``core.ad_campaigns`` holds a campaign's final status but not when it changed. Both platforms
record the change when delivery stopped, so both projections date it the same way: the midnight
after the campaign's last day of delivery (its creation time when it never delivered). Every
object is created active (version 1); when its campaign stops, it takes the campaign's final
status (version 2). Active campaigns, and everything in them, never change.
"""

from __future__ import annotations

import duckdb

# Level of the campaign tree → the core table that holds its objects.
_LEVELS = {"campaign": "ad_campaigns", "ad_group": "ad_groups", "ad": "ads"}


def create_versions(con: duckdb.DuckDBPyConnection, platform: str) -> None:
    """(Re)create temp tables ``campaign_versions``, ``ad_group_versions`` and ``ad_versions``:
    the core rows of ``platform``'s objects, one per version, with ``_version`` (1, 2),
    ``_valid_from`` and ``status`` (lower-case core status; ``active`` for version 1).

    Each platform maps ``status`` to its own vocabulary and picks its own columns, so the
    projections read these tables instead of each re-deriving when an object changed."""
    con.execute(
        """
        create or replace temp table campaign_stops as
        with delivery as (
            select a.ad_campaign_id, max(d.date) as last_day
            from core.ad_daily as d
            join core.ads as a on a.ad_platform = d.ad_platform and a.ad_id = d.ad_id
            where d.ad_platform = $platform
            group by 1
        )
        select
            c.ad_campaign_id,
            lower(c.status) as final_status,
            case
                when lower(c.status) in ('active', 'enabled') then null
                else coalesce(cast(d.last_day + interval 1 day as timestamp), c.created_at)
            end as stopped_at,
        from core.ad_campaigns as c
        left join delivery as d using (ad_campaign_id)
        where c.ad_platform = $platform
        """,
        {"platform": platform},
    )
    for level, table in _LEVELS.items():
        # A campaign's core status is its final one; the versions say when it took it.
        columns = "o.* exclude (status)" if level == "campaign" else "o.*"
        con.execute(
            f"""
            create or replace temp table {level}_versions as
            select {columns}, 1 as _version, o.created_at as _valid_from, 'active' as status,
            from core.{table} as o
            where o.ad_platform = $platform
            union all
            select {columns}, 2, greatest(s.stopped_at, o.created_at), s.final_status,
            from core.{table} as o
            join campaign_stops as s using (ad_campaign_id)
            where o.ad_platform = $platform and s.stopped_at is not null
            """,
            {"platform": platform},
        )


def most_common_tags(platform: str, key: str, tags: tuple[str, ...]) -> str:
    """A select of the UTM ``tags`` that ``platform``'s visits most often carried, one row per
    ``key`` (ties broken by the tags, so the choice is deterministic).

    The projections put these in the objects' tracking settings, so the warehouse can join
    spend to sessions the way a marketer would."""
    columns = ", ".join(tags)
    return f"""
        select {key}, {columns}, count(*) as visits,
        from core.sessions
        where ad_platform = '{platform}' and utm_source is not null
        group by {key}, {columns}
        qualify row_number() over (partition by {key} order by visits desc, {columns}) = 1
    """


def house_campaign_tag(campaign_name: str) -> str:
    """SQL for the ``utm_campaign`` a marketer types for a campaign no visit came from: its
    name, lower-case, runs of other characters as ``_``."""
    return f"lower(regexp_replace({campaign_name}, '[^A-Za-z0-9]+', '_', 'g'))"
