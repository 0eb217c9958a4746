"""The generated world's paid media: campaigns that stop (during the history and after the clock,
so ``world advance`` shows status changes), delivery only while a campaign runs, and conversions
kept per click with their time (an ad platform can only count what has happened by its clock)."""

from __future__ import annotations

import duckdb
import pytest

from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.generator import generate_core
from platform_assets.sandbox.world.sources import facebook_ads, google_ads

CONFIG = WorldConfig.for_scale("tiny", 42)
CLOCK = CONFIG.clock_start


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path_factory.mktemp("world") / "w.duckdb"))
    generate_core(con, CONFIG)
    facebook_ads.project(con)
    google_ads.project(con)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    return con.execute(sql, params or []).fetchone()


def test_some_campaigns_stop_before_and_after_the_clock(world) -> None:
    statuses = dict(
        world.execute("select status, count(*) from core.ad_campaigns group by all").fetchall()
    )
    assert set(statuses) == {"active", "paused", "removed"}
    assert statuses["active"] > (statuses["paused"] + statuses["removed"]) / 2
    for schema in ("src_facebook_ads", "src_google_ads"):
        before, after = one(
            world,
            f"select count(*) filter (where _valid_from <= ?), count(*) filter (where _valid_from"
            f" > ?) from {schema}.campaigns where _version = 2",
            [CLOCK, CLOCK],
        )
        assert before > 0 and after > 0, schema  # advancing the clock shows a status change


def test_stopped_campaigns_deliver_until_they_stop_and_get_no_visits_after(world) -> None:
    late = one(
        world,
        """
        with stops as (
            select c.ad_campaign_id, max(d.date) as last_day
            from core.ad_campaigns as c
            join core.ads as a using (ad_platform, ad_campaign_id)
            join core.ad_daily as d using (ad_platform, ad_id)
            where c.status <> 'active'
            group by all
        )
        select count(*) from core.sessions as s join stops using (ad_campaign_id)
        where cast(s.started_at as date) > stops.last_day
        """,
    )[0]
    assert late == 0
    # every stopped campaign delivered for a while, and stopped before the horizon's end
    runs = world.execute(
        """
        select max(d.date) - min(d.date) from core.ad_campaigns as c
        join core.ads as a using (ad_platform, ad_campaign_id)
        join core.ad_daily as d using (ad_platform, ad_id)
        where c.status <> 'active' group by c.ad_campaign_id
        """
    ).fetchall()
    assert runs and all(19 <= days < 150 for (days,) in runs)
    assert one(world, "select max(date) from core.ad_daily")[0] < CONFIG.end.date()


def test_conversions_are_kept_per_click_with_their_time(world) -> None:
    # one row per converting paid click: its day, and a signup within 28 days after the click
    rows, bad = one(
        world,
        """
        select count(*), count(*) filter (
            where k.converted_at < s.started_at or k.converted_at >= s.started_at + interval 28 day
        )
        from core.ad_conversions as k
        join core.sessions as s
            on s.ad_id = k.ad_id and cast(s.started_at as date) = k.click_date
        join core.funnel as f on f.person_id = s.person_id and f.signup_at = k.converted_at
        """,
    )
    assert rows >= one(world, "select count(*) from core.ad_conversions")[0] > 0
    assert bad == 0
    # so a day near the clock has conversions that happen only after it (restated later)
    after_clock = one(
        world,
        "select count(*) from core.ad_conversions where click_date < ? and converted_at > ?",
        [CLOCK, CLOCK],
    )[0]
    assert after_clock > 0
    columns = [c for (c,) in world.execute("select column_name from (describe core.ad_daily)")
               .fetchall()]  # fmt: skip
    assert "conversions" not in columns
