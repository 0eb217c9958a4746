"""What the two ad platforms' projections share: the status history of campaigns, ad groups
(Facebook: ad sets) and ads.

``core.ad_campaigns`` holds a campaign's final status but not when it changed. Both platforms
record the change when delivery stopped, so both projections date it the same way: the midnight
after the campaign's last day of delivery (its creation time when it never delivered). Every
object is created active (version 1); when its campaign stops, it takes the campaign's final
status (version 2). Active campaigns, and everything in them, never change.
"""

from __future__ import annotations

import duckdb


def create_status_versions(con: duckdb.DuckDBPyConnection, platform: str) -> None:
    """(Re)create temp table ``status_versions`` for ``platform``: one row per version of each
    object, ``level`` (campaign | ad_group | ad), ``core_id``, ``ad_campaign_id``,
    ``created_at``, ``_version`` (1, 2), ``_valid_from`` and ``status`` (lower-case core
    status; ``active`` for version 1)."""
    con.execute(
        """
        create or replace temp table status_versions as
        with delivery as (
            select a.ad_campaign_id, max(d.date) as last_day
            from core.ad_daily as d
            join core.ads as a on a.ad_platform = d.ad_platform and a.ad_id = d.ad_id
            where d.ad_platform = $platform
            group by 1
        ),
        campaigns as (
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
        ),
        objects as (
            select 'campaign' as level, ad_campaign_id as core_id, ad_campaign_id, created_at
            from core.ad_campaigns where ad_platform = $platform
            union all
            select 'ad_group', ad_group_id, ad_campaign_id, created_at
            from core.ad_groups where ad_platform = $platform
            union all
            select 'ad', ad_id, ad_campaign_id, created_at
            from core.ads where ad_platform = $platform
        )
        select o.level, o.core_id, o.ad_campaign_id, o.created_at, 1 as _version,
            o.created_at as _valid_from, 'active' as status,
        from objects as o
        union all
        select o.level, o.core_id, o.ad_campaign_id, o.created_at, 2,
            greatest(c.stopped_at, o.created_at), c.final_status,
        from objects as o
        join campaigns as c using (ad_campaign_id)
        where c.stopped_at is not null
        order by level, core_id, _version
        """,
        {"platform": platform},
    )
