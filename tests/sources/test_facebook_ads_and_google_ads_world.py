"""Both ad platforms' projections of a small hand-made core world, and the world the other
Facebook Ads and Google Ads tests use.

The world (2026, UTC). The clock starts at ``T0`` (Jan 10 12:00), so complete days run to Jan 9;
``T1`` is one day later.

Facebook: campaign 1 (active; ad set 10, ad 100, delivering Jan 1-12), campaign 2 (paused; ad
set 20, ad 200, Jan 2-4, so it stopped Jan 5 00:00) and campaign 6 (paused; ad set 60, ad 600,
Jan 5-10, so it stops Jan 11 00:00, between T0 and T1). At T0: 17 insight rows (9 + 3 + 5);
T1 adds Jan 10 for ads 100 and 600 (2 rows) and changes campaign 6, ad set 60 and ad 600.
Two clicks on ad 100 on Jan 3 convert: one on Jan 5, one between T0 and T1 (Jan 10 18:00), so
Jan 3's registrations read 1 at T0 and 2 at T1; a Jan 9 click converts between T0 and T1 too
(Jan 10 20:00), so Jan 9 (T1's yesterday-but-one) reads none at T0 and 1 at T1.

Google: campaign 3 (active; ad group 30, ad 300, Jan 1-12), campaign 4 (removed; ad group 40, ad
400, Jan 1-9, so it stopped Jan 10 00:00, before T0), campaign 5 (active, created Jan 11 00:00,
after T0; ad group 50, ad 500, Jan 11-12). At T0: 18 campaign-days (9 + 9) and 3 clicks with a
gclid (two on Jan 3, one on Jan 9); T1 adds campaign 3's Jan 10, one click on Jan 10 and the new
campaign 5 with its ad group and ad. Two Jan 2 clicks of campaign 3 convert: Jan 4, and Jan 11
00:00 (between T0 and T1), so Jan 2's conversions read 1 at T0 and 2 at T1; a Jan 9 click of
campaign 3 converts on Jan 10 20:00, so Jan 9 reads 0 at T0 and 1 at T1. Google reports by
device: a campaign-day splits 55/38/7 (search) or 35/57/8 (display) over desktop, mobile and
tablet, by largest remainder.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from platform_assets.sandbox.world.sources import facebook_ads, google_ads
from tests.sources import harness

T0 = datetime(2026, 1, 10, 12, 0)
T1 = T0 + timedelta(days=1)

_CAMPAIGNS = [  # platform, campaign, name, channel, objective, created, status
    ("facebook_ads", 1, "FB Prospecting", "paid_social", "traffic", "2026-01-01 08:00", "active"),
    ("facebook_ads", 2, "FB Retargeting", "paid_social", "leads", "2026-01-02 08:00", "paused"),
    ("facebook_ads", 6, "FB Webinar", "paid_social", "leads", "2026-01-05 08:00", "paused"),
    ("google_ads", 3, "Brand Search", "paid_search", "search", "2026-01-01 08:00", "active"),
    ("google_ads", 4, "Competitor Search", "paid_search", "search", "2026-01-01 09:00", "removed"),
    ("google_ads", 5, "Display Remarketing", "display", "display", "2026-01-11 00:00", "active"),
]
_DELIVERY = {  # ad → first and last day of delivery
    100: ("facebook_ads", 1, date(2026, 1, 1), date(2026, 1, 12)),
    200: ("facebook_ads", 2, date(2026, 1, 2), date(2026, 1, 4)),
    600: ("facebook_ads", 6, date(2026, 1, 5), date(2026, 1, 10)),
    300: ("google_ads", 3, date(2026, 1, 1), date(2026, 1, 12)),
    400: ("google_ads", 4, date(2026, 1, 1), date(2026, 1, 9)),
    500: ("google_ads", 5, date(2026, 1, 11), date(2026, 1, 12)),
}


def _core_rows() -> dict[str, list[tuple]]:
    created = {c[1]: c[5] for c in _CAMPAIGNS}
    rows: dict[str, list[tuple]] = {
        "ad_campaigns": [(p, c, n, ch, o, t, s) for p, c, n, ch, o, t, s in _CAMPAIGNS],
        "ad_groups": [],
        "ads": [],
        "ad_daily": [],
    }
    for ad, (platform, campaign, first, last) in _DELIVERY.items():
        group = campaign * 10
        rows["ad_groups"].append((platform, group, campaign, f"Group {group}", created[campaign]))
        rows["ads"].append(
            (platform, ad, group, campaign, f"Ad {ad}", f"Headline {ad}",
             f"https://roundtrip.example/lp/{ad}", created[campaign])
        )  # fmt: skip
        day = first
        while day <= last:
            n = day.day
            rows["ad_daily"].append((platform, ad, day, 1000 + n, 20 + n, 10.5 + n))
            day += timedelta(days=1)
    utm = ("facebook", "paid_social", "fb_prospecting", "ad_100")
    rows["sessions"] = [
        # Facebook visits of ad 100: the most common UTMs become its creative's url_tags.
        (1, 1, "a1", "2026-01-02 10:00", "paid_social", *utm, None, None, "fb1", None,
         "https://roundtrip.example/lp/100", "facebook_ads", 1, 10, 100, None),
        (2, 1, "a1", "2026-01-03 10:00", "paid_social", *utm, None, None, "fb2", None,
         "https://roundtrip.example/lp/100", "facebook_ads", 1, 10, 100, None),
        (3, 2, "a2", "2026-01-03 11:00", "paid_social", "facebook", "paid_social", "other",
         None, None, None, "fb3", None, "https://roundtrip.example/lp/100", "facebook_ads", 1,
         10, 100, None),
        # Google clicks with a gclid.
        (10, 3, "a3", "2026-01-03 09:00", "paid_search", "google", "cpc", "brand", None, None,
         "gclid-a", None, None, "https://roundtrip.example/lp/300", "google_ads", 3, 30, 300,
         None),
        (11, 4, "a4", "2026-01-03 15:00", "paid_search", "google", "cpc", "brand", None, None,
         "gclid-b", None, None, "https://roundtrip.example/lp/300", "google_ads", 3, 30, 300,
         None),
        (12, 3, "a3", "2026-01-09 20:00", "paid_search", "google", "cpc", "competitor", None,
         None, "gclid-c", None, None, "https://roundtrip.example/lp/400", "google_ads", 4, 40,
         400, None),
        (13, 5, "a5", "2026-01-10 09:00", "paid_search", "google", "cpc", "brand", None, None,
         "gclid-d", None, None, "https://roundtrip.example/lp/300", "google_ads", 3, 30, 300,
         None),
    ]  # fmt: skip
    rows["ad_conversions"] = [  # platform, ad, day of the click, when the person signed up
        ("facebook_ads", 100, date(2026, 1, 3), "2026-01-05 10:00"),
        ("facebook_ads", 100, date(2026, 1, 3), "2026-01-10 18:00"),  # between T0 and T1
        ("facebook_ads", 100, date(2026, 1, 9), "2026-01-10 20:00"),  # between T0 and T1
        ("google_ads", 300, date(2026, 1, 2), "2026-01-04 09:00"),
        ("google_ads", 300, date(2026, 1, 2), "2026-01-11 00:00"),  # between T0 and T1
        ("google_ads", 300, date(2026, 1, 9), "2026-01-10 20:00"),  # between T0 and T1
    ]
    rows["devices"] = [
        ("a1", 1, "mobile", "iOS", "Safari", False, 0),
        ("a3", 3, "desktop", "macOS", "Chrome", False, 0),
        ("a4", 4, "tablet", "iPadOS", "Safari", False, 0),
    ]
    return rows


def make_world(home: Path, clock: datetime = T0) -> Path:
    """The world file under ``home/sandbox``, projected for both ad platforms, its clock at
    ``clock``."""
    projections = [facebook_ads.project, google_ads.project]
    return harness.make_world(home, _core_rows(), projections, clock)


def _rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_facebook_versions_date_the_stop_at_midnight_after_the_last_delivery(
    tmp_path: Path,
) -> None:
    path = make_world(tmp_path)
    base = facebook_ads.CAMPAIGN_ID_BASE
    assert _rows(
        path, "select id, _version, status, _valid_from from src_facebook_ads.campaigns"
    ) == [
        (base + 1, 1, "ACTIVE", datetime(2026, 1, 1, 8)),
        (base + 2, 1, "ACTIVE", datetime(2026, 1, 2, 8)),
        (base + 2, 2, "PAUSED", datetime(2026, 1, 5)),
        (base + 6, 1, "ACTIVE", datetime(2026, 1, 5, 8)),
        (base + 6, 2, "PAUSED", datetime(2026, 1, 11)),
    ]
    ad_statuses = _rows(path, "select id - 23852000000000000, status from src_facebook_ads.ads")
    assert ad_statuses == [(100, "ACTIVE"), (200, "ACTIVE"), (200, "PAUSED"), (600, "ACTIVE"),
                           (600, "PAUSED")]  # fmt: skip


def test_facebook_creatives_carry_the_utms_visits_carried(tmp_path: Path) -> None:
    path = make_world(tmp_path)
    tags = dict(_rows(path, "select id % 1000, url_tags from src_facebook_ads.adcreatives"))
    assert tags[100] == (
        "utm_source=facebook&utm_medium=paid_social&utm_campaign=fb_prospecting&utm_content=ad_100"
    )
    assert tags[200] == (
        "utm_source=facebook&utm_medium=paid_social&utm_campaign=fb_retargeting&utm_content=200"
    )


def test_facebook_insights_and_actions(tmp_path: Path) -> None:
    path = make_world(tmp_path)
    assert _rows(path, "select count(*) from src_facebook_ads.insights") == [(12 + 3 + 6,)]
    day = _rows(
        path,
        "select impressions, inline_link_clicks, spend, reach, frequency "
        "from src_facebook_ads.insights where ad_id % 1000 = 100 and date = '2026-01-03'",
    )
    impressions, clicks, spend, reach, frequency = day[0]
    assert (impressions, clicks, spend) == (1003, 23, 13.5)
    assert 1.15 <= frequency <= 1.55 and reach == round(impressions / frequency)
    actions = _rows(
        path,
        "select action_type, value from src_facebook_ads.insight_actions "
        "where ad_id % 1000 = 100 and date = '2026-01-03'",
    )
    # Jan 3: 23 clicks, 2 landing page views (sessions 2 and 3); registrations are counted by
    # the API at its clock, from the conversions kept per click.
    assert actions == [("landing_page_view", 2), ("link_click", 23)]
    assert _rows(
        path, "select date, ad_id % 1000, converted_at from src_facebook_ads.conversions"
    ) == [
        (date(2026, 1, 3), 100, datetime(2026, 1, 5, 10)),
        (date(2026, 1, 3), 100, datetime(2026, 1, 10, 18)),
        (date(2026, 1, 9), 100, datetime(2026, 1, 10, 20)),
    ]


def test_google_projection(tmp_path: Path) -> None:
    path = make_world(tmp_path)
    base = google_ads.CAMPAIGN_ID_BASE
    assert _rows(
        path,
        f"select id - {base}, _version, status, serving_status, end_date, tracking_url_template "
        "from src_google_ads.campaigns",
    ) == [
        (3, 1, "ENABLED", "SERVING", None, "{lpurl}?utm_source=google&utm_medium=cpc"
         "&utm_campaign=brand"),
        (4, 1, "ENABLED", "SERVING", None, "{lpurl}?utm_source=google&utm_medium=cpc"
         "&utm_campaign=competitor"),
        (4, 2, "REMOVED", "ENDED", "2026-01-10", "{lpurl}?utm_source=google&utm_medium=cpc"
         "&utm_campaign=competitor"),
        (5, 1, "ENABLED", "SERVING", None, "{lpurl}?utm_source=google&utm_medium=cpc"
         "&utm_campaign=display_remarketing"),
    ]  # fmt: skip
    stats = _rows(
        path,
        "select ad_network_type, device, clicks, impressions, cost_micros, interactions "
        f"from src_google_ads.campaign_stats where campaign_id = {base + 3} "
        "and date = '2026-01-02'",
    )
    # 22 clicks, 1002 impressions, $12.50 split 55/38/7 by largest remainder.
    assert stats == [
        ("SEARCH", "DESKTOP", 12, 551, 6_875_000, 12),
        ("SEARCH", "MOBILE", 8, 381, 4_750_000, 8),
        ("SEARCH", "TABLET", 2, 70, 875_000, 2),
    ]
    display = _rows(
        path,
        "select ad_network_type, device, clicks, impressions, cost_micros "
        f"from src_google_ads.campaign_stats where campaign_id = {base + 5} "
        "and date = '2026-01-11'",
    )
    # 31 clicks, 1011 impressions, $21.50 split 35/57/8.
    assert display == [
        ("CONTENT", "DESKTOP", 11, 354, 7_525_000),
        ("CONTENT", "MOBILE", 18, 576, 12_255_000),
        ("CONTENT", "TABLET", 2, 81, 1_720_000),
    ]
    # Every campaign-day's devices sum exactly to the day's delivery.
    assert _rows(
        path,
        f"""
        with devices as (
            select date, campaign_id - {base} as campaign, sum(clicks) as clicks,
                sum(impressions) as impressions, sum(cost_micros) as cost_micros,
            from src_google_ads.campaign_stats group by all
        ),
        days as (
            select date, ad_id // 100 as campaign, clicks, impressions,
                cast(round(spend * 1000000) as bigint) as cost_micros,
            from core.ad_daily where ad_platform = 'google_ads'
        )
        select count(*) from devices full join days using (date, campaign)
        where devices.clicks is distinct from days.clicks
            or devices.impressions is distinct from days.impressions
            or devices.cost_micros is distinct from days.cost_micros
        """,
    ) == [(0,)]
    conversions = _rows(
        path,
        f"select date, campaign_id - {base}, ad_network_type, device, converted_at "
        "from src_google_ads.conversions",
    )
    assert conversions == [
        (date(2026, 1, 2), 3, "SEARCH", "DESKTOP", datetime(2026, 1, 4, 9)),
        (date(2026, 1, 2), 3, "SEARCH", "DESKTOP", datetime(2026, 1, 11)),
        (date(2026, 1, 9), 3, "SEARCH", "DESKTOP", datetime(2026, 1, 10, 20)),
    ]
    clicks = _rows(path, "select gclid, date, device from src_google_ads.click_view")
    assert clicks == [
        ("gclid-a", date(2026, 1, 3), "DESKTOP"),
        ("gclid-b", date(2026, 1, 3), "TABLET"),
        ("gclid-c", date(2026, 1, 9), "DESKTOP"),
        ("gclid-d", date(2026, 1, 10), "OTHER"),
    ]


def test_google_conversions_take_the_devices_of_their_days_clicks(tmp_path: Path) -> None:
    # One search campaign, one day: 3 clicks split 2/1/0 over desktop, mobile and tablet, and 4
    # conversions. The k-th conversion of the day (by time) takes click slot k modulo 3.
    day = date(2026, 1, 2)
    rows = {
        "ad_campaigns": [("google_ads", 7, "Brand", "paid_search", "search", "2026-01-01 08:00",
                          "active")],
        "ad_groups": [("google_ads", 70, 7, "Group 70", "2026-01-01 08:00")],
        "ads": [("google_ads", 700, 70, 7, "Ad 700", "Headline", "https://roundtrip.example/",
                 "2026-01-01 08:00")],
        "ad_daily": [("google_ads", 700, day, 100, 3, 1.0)],
        "ad_conversions": [("google_ads", 700, day, f"2026-01-0{n} 10:00") for n in (6, 3, 5, 4)],
    }  # fmt: skip
    path = harness.make_world(tmp_path, rows, [google_ads.project], T0)
    assert _rows(path, "select device, clicks, impressions from src_google_ads.campaign_stats") == [
        ("DESKTOP", 2, 55),
        ("MOBILE", 1, 38),
        ("TABLET", 0, 7),
    ]
    assert _rows(
        path, "select device, day(converted_at) from src_google_ads.conversions order by 2"
    ) == [("DESKTOP", 3), ("DESKTOP", 4), ("MOBILE", 5), ("DESKTOP", 6)]


def test_projections_are_deterministic(tmp_path: Path) -> None:
    tables = [
        f"{schema}.{t}"
        for schema, names in (
            ("src_facebook_ads", ("campaigns", "adsets", "ads", "adcreatives", "insights",
                                  "insight_actions", "conversions")),
            ("src_google_ads", ("campaigns", "ad_groups", "ads", "campaign_stats", "conversions",
                                "click_view")),
        )
        for t in names
    ]  # fmt: skip
    first, second = make_world(tmp_path / "a"), make_world(tmp_path / "b")
    for table in tables:
        assert _rows(first, f"select * from {table}") == _rows(second, f"select * from {table}")
