"""The Facebook Ads fake over real HTTP, and incremental dlt ingestion from it into a temp
warehouse. Counts follow from the hand-made world in ``test_facebook_ads_and_google_ads_world.py``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import requests

from platform_assets.ingestion.facebook_ads import facebook_ads_source, fivetran_id
from platform_assets.sandbox.apis import facebook_ads as fake
from platform_assets.sandbox.server import SandboxServer
from platform_assets.sandbox.world.sources.facebook_ads import (
    ACCOUNT_ID,
    AD_ID_BASE,
    CREATIVE_ID_BASE,
)
from platform_assets.settings import Settings
from tests.sources import harness
from tests.sources.test_facebook_ads_and_google_ads_world import T0, T1, make_world

TOKEN = "EAAB-roundtrip"


server = harness.server_fixture(make_world, fake.API)


def get(server: SandboxServer, path: str, **params: str) -> requests.Response:
    return requests.get(
        f"{server.url}/facebook_ads/v19.0/{path}",
        params={"access_token": TOKEN, **params},
        timeout=10,
    )


def test_insights_rows_are_graph_shaped_and_cover_complete_days(server: SandboxServer) -> None:
    window = json.dumps({"since": "2026-01-03", "until": "2026-01-31"})
    body = get(
        server, f"act_{ACCOUNT_ID}/insights", level="ad", time_increment="1",
        time_range=window, fields="ad_id,spend,impressions,actions", limit="100",
    ).json()  # fmt: skip
    # Jan 3-9 (the clock's day, Jan 10, is not complete): ad 100 ×7, ad 200 ×2, ad 600 ×5.
    assert len(body["data"]) == 14
    assert body["data"][0] == {
        "ad_id": str(AD_ID_BASE + 100),
        "spend": "13.5",
        "impressions": "1003",
        "actions": [
            {"action_type": "landing_page_view", "value": "2"},
            {"action_type": "link_click", "value": "23"},
            {"action_type": "offsite_conversion.fb_pixel_complete_registration", "value": "1"},
        ],
        "date_start": "2026-01-03",
        "date_stop": "2026-01-03",
    }
    assert "next" not in body["paging"]


def _registrations(server: SandboxServer, day: str) -> dict[str, str]:
    window = json.dumps({"since": day, "until": day})
    body = get(
        server, f"act_{ACCOUNT_ID}/insights", level="ad", time_increment="1",
        time_range=window, fields="ad_id,actions",
    ).json()  # fmt: skip
    return {
        row["ad_id"]: action["value"]
        for row in body["data"]
        for action in row.get("actions", [])
        if action["action_type"] == "offsite_conversion.fb_pixel_complete_registration"
    }


def test_a_day_reports_only_the_conversions_that_have_happened(server: SandboxServer) -> None:
    # Two Jan 3 clicks on ad 100 convert, on Jan 5 and on Jan 10 18:00 (after T0, before T1):
    # the day is restated as the second one happens, never counted ahead of it.
    assert _registrations(server, "2026-01-03") == {str(AD_ID_BASE + 100): "1"}
    server.store.set_clock(T1)
    assert _registrations(server, "2026-01-03") == {str(AD_ID_BASE + 100): "2"}


def test_paging_follows_next_links(server: SandboxServer) -> None:
    url = f"{server.url}/facebook_ads/v19.0/act_{ACCOUNT_ID}/insights"
    params = {"access_token": TOKEN, "level": "ad", "time_increment": "1", "limit": "5",
              "time_range": json.dumps({"since": "2026-01-01", "until": "2026-01-09"})}  # fmt: skip
    sizes, body = [], requests.get(url, params=params, timeout=10).json()
    while True:
        sizes.append(len(body["data"]))
        if "next" not in body["paging"]:
            break
        body = requests.get(body["paging"]["next"], timeout=10).json()
    assert sizes == [5, 5, 5, 2]


def test_objects_filter_on_updated_time(server: SandboxServer) -> None:
    campaigns = get(server, f"act_{ACCOUNT_ID}/campaigns", fields="id,status,updated_time").json()
    assert [(c["status"], c["updated_time"]) for c in campaigns["data"]] == [
        ("ACTIVE", "2026-01-01T08:00:00+0000"),
        ("PAUSED", "2026-01-05T00:00:00+0000"),
        ("ACTIVE", "2026-01-05T08:00:00+0000"),
    ]
    after_jan_5 = json.dumps(
        [{"field": "updated_time", "operator": "GREATER_THAN", "value": 1767571200}]
    )
    changed = get(server, f"act_{ACCOUNT_ID}/campaigns", filtering=after_jan_5).json()
    assert len(changed["data"]) == 1
    ads = get(server, f"act_{ACCOUNT_ID}/ads", fields="id,creative{id,url_tags}").json()
    assert ads["data"][0]["creative"]["url_tags"].startswith("utm_source=facebook")


def test_errors_are_graph_errors(server: SandboxServer) -> None:
    bad_field = get(server, f"act_{ACCOUNT_ID}/campaigns", fields="id,colour")
    assert bad_field.status_code == 400
    error = bad_field.json()["error"]
    assert (error["code"], error["type"]) == (100, "OAuthException")
    assert "colour" in error["message"] and error["fbtrace_id"]
    no_token = requests.get(f"{server.url}/facebook_ads/v19.0/me/adaccounts", timeout=10)
    assert no_token.status_code == 401
    assert no_token.json()["error"]["code"] == 190
    assert get(server, "act_1/campaigns").json()["error"]["code"] == 803


def _counts(settings: Settings) -> dict[str, int]:
    tables = ("basic_ad", "basic_ad_actions", "campaign_history", "ad_set_history", "ad_history",
              "creative_history")  # fmt: skip
    return harness.row_counts(settings, "raw_facebook_ads", tables)


def load(settings: Settings, server: SandboxServer) -> int:
    """Run the Facebook Ads source once; the rows the API served for it."""
    return harness.load(settings, server, "facebook_ads", facebook_ads_source)["rows"]


def test_incremental_ingestion(server: SandboxServer, tmp_path: Path) -> None:
    settings = harness.warehouse_settings(tmp_path / "wh", server)

    load(settings, server)
    first = _counts(settings)
    # The API shows each object's latest version, so history starts there: campaign 2 lands
    # once, paused.
    assert first == {
        "basic_ad": 17,
        "basic_ad_actions": first["basic_ad_actions"],
        "campaign_history": 3,
        "ad_set_history": 3,
        "ad_history": 3,
        "creative_history": 3,
    }
    assert first["basic_ad_actions"] > 17
    assert harness.query(
        settings,
        "select spend, impressions, reach > 0 from raw_facebook_ads.basic_ad "
        f"where ad_id = {AD_ID_BASE + 100} and date = '2026-01-03'",
    ) == [(13.5, 1003, True)]

    assert load(settings, server) == 0
    assert _counts(settings) == first

    server.store.set_clock(T1)
    load(settings, server)
    after = _counts(settings)
    # Jan 10 for ads 100 and 600; campaign 6, ad set 60 and ad 600 stopped (a new version each).
    assert after["basic_ad"] == 19
    assert (after["campaign_history"], after["ad_set_history"], after["ad_history"]) == (4, 4, 4)
    assert after["creative_history"] == 3


REGISTRATION = "offsite_conversion.fb_pixel_complete_registration"


def _warehouse_registrations(settings: Settings) -> dict[str, str]:
    rows = harness.query(
        settings,
        "select date, value from raw_facebook_ads.basic_ad_actions "
        f"where ad_id = {AD_ID_BASE + 100} and action_type = '{REGISTRATION}' order by date",
    )
    return {str(day): f"{value:g}" for day, value in rows}


def test_restated_registrations_are_read_again_when_a_day_completes(
    server: SandboxServer, tmp_path: Path
) -> None:
    settings = harness.warehouse_settings(tmp_path / "wh", server)
    load(settings, server)
    assert _warehouse_registrations(settings) == {"2026-01-03": "1"}
    # Later the same day: registrations came in (Jan 10 18:00 and 20:00), but no day completed,
    # so the report is not asked again.
    server.store.set_clock(T0 + timedelta(hours=9))
    assert load(settings, server) == 0
    server.store.set_clock(T1)
    # Jan 10 is new: basic_ad reads it alone (ads 100 and 600); basic_ad_actions re-reads the
    # 28 days up to its cursor (Jan 9) too: ad 100 Jan 1-10, ad 200 Jan 2-4, ad 600 Jan 5-10;
    # campaign 6, ad set 60, ad 600 and its creative changed.
    assert load(settings, server) == 2 + (10 + 3 + 6) + 3 + 1
    # Jan 3 (before the cursor) and Jan 9, T1's yesterday-but-one, as the API says now.
    assert _warehouse_registrations(settings) == {"2026-01-03": "2", "2026-01-09": "1"}
    for day, value in _warehouse_registrations(settings).items():
        assert _registrations(server, day) == {str(AD_ID_BASE + 100): value}
    assert harness.query(  # merged on the key: one row per ad, day and action type
        settings,
        "select count(*) from (select distinct ad_id, date, action_type "
        "from raw_facebook_ads.basic_ad_actions)",
    ) == harness.query(settings, "select count(*) from raw_facebook_ads.basic_ad_actions")


def test_fivetran_id_is_the_md5_of_the_row_version() -> None:
    assert fivetran_id({"name": "Ad 1 creative", "id": "1"}) == (
        hashlib.md5(b'{"id": "1", "name": "Ad 1 creative"}').hexdigest()
    )


def test_creative_history_lands_a_fivetran_id_per_row_version(
    server: SandboxServer, tmp_path: Path
) -> None:
    settings = harness.warehouse_settings(tmp_path / "wh", server)
    sql = (
        f"select id - {CREATIVE_ID_BASE}, _fivetran_id from raw_facebook_ads.creative_history "
        "order by id"
    )
    load(settings, server)
    first = harness.query(settings, sql)
    assert [creative for creative, _ in first] == [100, 200, 600]
    assert len({version for _, version in first}) == 3
    ads = get(server, f"act_{ACCOUNT_ID}/ads", fields="creative{id,name,url_tags}").json()["data"]
    assert first[0][1] == fivetran_id(
        {"id": str(CREATIVE_ID_BASE + 100), "name": "Ad 100 creative",
         "url_tags": ads[0]["creative"]["url_tags"], "account_id": str(ACCOUNT_ID),
         "title": "Headline 100", "body": "Headline 100",
         "link_url": "https://roundtrip.example/lp/100", "object_type": "SHARE",
         "status": "ACTIVE"}
    )  # fmt: skip
    # At T1 ad 600 changes and its creative is read again, unchanged: the same version.
    server.store.set_clock(T1)
    load(settings, server)
    assert harness.query(settings, sql) == first
