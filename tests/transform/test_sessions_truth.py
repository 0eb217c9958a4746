"""Web sessions and their channels against the truth the generator knows.

A tiny world lands its event files and its Google Ads clicks (over HTTP, as in production), dbt
builds ``int_web__sessions`` on them, and the result is compared with ``core.sessions``:

- every world session with a landed page view starts one of our sessions, on its first landed
  page; ours are more only because the world draws a share of page gaps from 25–35 minutes and
  a gap over the 30-minute threshold starts a new session (our count = world sessions + those
  gaps, within 1 % for devices two people share, whose visits can interleave);
- the channel agrees with the world's true channel (its ``video`` is ``paid_video``) except where
  GA4's default channel grouping disagrees with the world on purpose: a referral from a site on
  GA4's social list (Reddit, Hacker News, Medium) is Organic Social. With that taken into account
  at least 99 % agree.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
from dagster_dlt import DagsterDltResource

from bench.run import saas_source_assets
from platform_assets.ingestion.events_load import landed_days, load_days
from platform_assets.settings import Settings
from platform_assets.warehouse import connect
from tests.sources.harness import dbt_build

TOLERANCE = 0.01
"""Share of world sessions our session count may differ from world sessions + long gaps by."""

THRESHOLD_SECONDS = 1800
"""dbt var session_threshold_seconds (its default in dbt_project.yml)."""


def _land(settings: Settings) -> None:
    """The event files and the Google Ads connector's tables, into the settings' warehouse."""
    result = dg.materialize(
        [saas_source_assets()["google_ads"]],
        resources={"dlt": DagsterDltResource()},
        raise_on_error=False,
    )
    assert result.success, "landing Google Ads failed"
    days = landed_days(settings.landing_dir)
    assert days, f"the tiny world landed no event files under {settings.landing_dir}"
    with connect(settings) as con:
        load_days(con, settings.landing_dir, settings.quarantine_dir, days[0], days[-1])


def _truth(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only warehouse connection with the world attached as ``world``; temp table
    ``matched``: each of our sessions beside the world session its landing page belongs to."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    con.execute(f"attach '{settings.world_path}' as world (read_only)")
    con.execute(
        """
        create temp table landed as
        select
            *,
            occurred_at = min(occurred_at) over (partition by session_id) as is_first_landed
        from (
            select distinct p.message_id, p.session_id, p.occurred_at
            from world.core.pageviews as p
            semi join intermediate.int_web__pageviews as ours on ours.message_id = p.message_id
        )
        """
    )
    con.execute(
        """
        create temp table matched as
        select
            ours.session_id,
            ours.channel,
            landed.session_id as world_session_id,
            landed.is_first_landed as on_first_landed_page,
            case world_sessions.channel when 'video' then 'paid_video'
                else world_sessions.channel end as world_channel,
            case
                when world_sessions.channel = 'referral' and categories.source is not null
                    then 'organic_social'
                when world_sessions.channel = 'video' then 'paid_video'
                else world_sessions.channel
            end as ga4_channel
        from intermediate.int_web__sessions as ours
        left join landed on landed.message_id = ours.landing_message_id
        left join world.core.sessions as world_sessions
            on world_sessions.session_id = landed.session_id
        left join seeds.ga4_source_categories as categories
            on categories.source_category = 'social'
            and categories.source = regexp_extract(
                world_sessions.referrer, '^https?://(www\\.)?([^/]+)', 2
            )
        """
    )
    return con


def test_sessions_and_channels_match_the_world(sandbox: Settings, tmp_path: Path) -> None:
    _land(sandbox)
    # The channel relationship test needs ga4_channels.
    result = dbt_build(["+int_web__sessions", "ga4_channels"], sandbox.warehouse_path, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]

    with _truth(sandbox) as con:
        (ours,) = con.execute("select count(*) from intermediate.int_web__sessions").fetchone()
        (unmatched,) = con.execute(
            "select count(*) from matched where world_session_id is null"
        ).fetchone()
        assert unmatched == 0, "a session landed on a page the world does not know"

        (world_sessions, starting_ours) = con.execute(
            "select count(distinct session_id), "
            "(select count(*) from matched where on_first_landed_page) from landed"
        ).fetchone()
        assert starting_ours == world_sessions, (
            "every world session with a landed page view must start exactly one session"
        )

        (long_gaps,) = con.execute(
            f"""
            select count(*) from (
                select occurred_at - lag(occurred_at) over (
                    partition by session_id order by occurred_at
                ) as gap
                from landed
            )
            where gap > interval {THRESHOLD_SECONDS} seconds
            """
        ).fetchone()
        assert abs(ours - (world_sessions + long_gaps)) <= TOLERANCE * world_sessions, (
            f"{ours} sessions, expected {world_sessions} world sessions + {long_gaps} gaps "
            f"over {THRESHOLD_SECONDS} s"
        )

        agree, ga4_agree, total = con.execute(
            "select count(*) filter (where channel = world_channel), "
            "count(*) filter (where channel = ga4_channel), count(*) from matched"
        ).fetchone()
    assert ga4_agree >= (1 - TOLERANCE) * total, (
        f"channel agrees with the world on {agree}/{total} sessions, {ga4_agree} counting "
        "GA4's social referrals"
    )
