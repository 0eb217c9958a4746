"""The Google Ads fake over real HTTP, and incremental dlt ingestion from it into a temp warehouse.

Counts follow from the hand-made world in ``test_facebook_ads_and_google_ads_world.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from platform_assets.ingestion.google_ads import google_ads_source
from platform_assets.sandbox.apis import google_ads as fake
from platform_assets.sandbox.faults import FaultConfig
from platform_assets.sandbox.server import SandboxServer, start_server
from platform_assets.sandbox.world.sources.google_ads import CAMPAIGN_ID_BASE, CUSTOMER_ID
from platform_assets.settings import DEFAULT_GOOGLE_ADS_DEVELOPER_TOKEN as DEVELOPER_TOKEN
from platform_assets.settings import Settings, load_settings
from tests.sources import harness
from tests.sources.test_facebook_ads_and_google_ads_world import T0, T1, make_world

TOKEN = "ya29.roundtrip"


server = harness.server_fixture(make_world, fake.API)


def search(server: SandboxServer, query: str, token: str | None = None, **headers: str):
    return requests.post(
        f"{server.url}/google_ads/v17/customers/{CUSTOMER_ID}/googleAds:search",
        json={"query": query, **({"pageToken": token} if token else {})},
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "developer-token": DEVELOPER_TOKEN,
            **headers,
        },  # fmt: skip
        timeout=10,
    )


def test_search_shapes_results_like_the_rest_api(server: SandboxServer) -> None:
    response = search(
        server,
        "SELECT campaign.id, campaign.status, segments.date, metrics.cost_micros "
        "FROM campaign WHERE segments.date BETWEEN '2026-01-02' AND '2026-01-02' "
        "ORDER BY campaign.id",
    )
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"campaign": {"id": str(CAMPAIGN_ID_BASE + 3), "status": "ENABLED"},
             "segments": {"date": "2026-01-02"}, "metrics": {"costMicros": "12500000"}},
            {"campaign": {"id": str(CAMPAIGN_ID_BASE + 4), "status": "REMOVED"},
             "segments": {"date": "2026-01-02"}, "metrics": {"costMicros": "12500000"}},
        ],
        "fieldMask": "campaign.id,campaign.status,segments.date,metrics.costMicros",
    }  # fmt: skip


def test_reports_segment_by_the_segments_selected(server: SandboxServer) -> None:
    by_device = search(
        server,
        "SELECT segments.device, metrics.clicks, metrics.conversions FROM campaign "
        f"WHERE segments.date = '2026-01-02' AND campaign.id = {CAMPAIGN_ID_BASE + 3}",
    ).json()["results"]
    assert by_device == [
        {"segments": {"device": "DESKTOP"}, "metrics": {"clicks": "12", "conversions": 1.0}},
        {"segments": {"device": "MOBILE"}, "metrics": {"clicks": "8", "conversions": 0.0}},
        {"segments": {"device": "TABLET"}, "metrics": {"clicks": "2", "conversions": 0.0}},
    ]
    # A date range only filtered on is summed over, as are the devices: Jan 1-2 is 21 + 22.
    summed = search(
        server,
        "SELECT campaign.id, metrics.clicks FROM campaign "
        "WHERE segments.date BETWEEN '2026-01-01' AND '2026-01-02' AND metrics.clicks > 40 "
        "ORDER BY campaign.id",
    ).json()["results"]
    assert summed == [
        {"campaign": {"id": str(CAMPAIGN_ID_BASE + n)}, "metrics": {"clicks": "43"}} for n in (3, 4)
    ]


def test_pages_follow_next_page_token(server: SandboxServer, monkeypatch) -> None:
    monkeypatch.setattr(fake.API, "page_size", 7)
    query = (
        "SELECT campaign.id, segments.date, metrics.clicks FROM campaign "
        "WHERE segments.date >= '2026-01-01' AND segments.date <= '2026-01-31'"
    )
    first = search(server, query).json()
    second = search(server, query, first["nextPageToken"]).json()
    third = search(server, query, second["nextPageToken"]).json()
    # Complete days at the clock (Jan 10 12:00) run to Jan 9: 9 days of campaigns 3 and 4.
    assert [len(p["results"]) for p in (first, second, third)] == [7, 7, 4]
    assert "nextPageToken" not in third


def test_refusals_use_google_ads_failure(server: SandboxServer) -> None:
    unknown = search(server, "SELECT campaign.colour FROM campaign").json()["error"]
    assert unknown["status"] == "INVALID_ARGUMENT"
    failure = unknown["details"][0]
    assert failure["@type"].endswith("errors.GoogleAdsFailure")
    assert failure["errors"][0]["errorCode"] == {"queryError": "UNRECOGNIZED_FIELD"}
    assert "campaign.colour" in failure["errors"][0]["message"]

    no_day = search(server, "SELECT click_view.gclid FROM click_view")
    range_of_days = search(
        server,
        "SELECT click_view.gclid FROM click_view "
        "WHERE segments.date BETWEEN '2026-01-01' AND '2026-01-05'",
    )
    for response in (no_day, range_of_days):
        assert response.status_code == 400
        code = response.json()["error"]["details"][0]["errors"][0]["errorCode"]
        assert code == {"queryError": "EXPECTED_FILTERS_ON_DATE_RANGE"}

    open_range = search(
        server, "SELECT segments.date, metrics.clicks FROM campaign WHERE segments.date > '2026'"
    )
    assert open_range.status_code == 400


def test_auth_needs_bearer_and_the_configured_developer_token(server: SandboxServer) -> None:
    url = f"{server.url}/google_ads/v17/customers:listAccessibleCustomers"
    assert requests.get(url, timeout=10).status_code == 401
    bearer_only = {"Authorization": f"Bearer {TOKEN}"}
    for developer_token, code in ((None, "DEVELOPER_TOKEN_PARAMETER_MISSING"),
                                  ("x", "DEVELOPER_TOKEN_INVALID")):  # fmt: skip
        headers = {
            **bearer_only,
            **({"developer-token": developer_token} if developer_token else {}),
        }
        refused = requests.get(url, headers=headers, timeout=10)
        assert refused.status_code == 401
        error = refused.json()["error"]
        assert error["status"] == "UNAUTHENTICATED"
        assert error["details"][0]["errors"][0]["errorCode"] == {"authenticationError": code}
    ok = requests.get(url, headers={**bearer_only, "developer-token": DEVELOPER_TOKEN}, timeout=10)
    assert ok.json() == {"resourceNames": [f"customers/{CUSTOMER_ID}"]}


def test_the_developer_token_is_the_one_the_sandbox_is_configured_with(tmp_path: Path) -> None:
    make_world(tmp_path / "world")
    env = {"ROUNDTRIP_HOME": str(tmp_path / "world"),
           "ROUNDTRIP_GOOGLE_ADS_DEVELOPER_TOKEN": "our-own-token"}  # fmt: skip
    with start_server(load_settings(env=env), 0, [fake.API]) as running:
        url = f"{running.url}/google_ads/v17/customers:listAccessibleCustomers"
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        statuses = [
            requests.get(url, headers={**bearer, "developer-token": token}, timeout=10).status_code
            for token in (DEVELOPER_TOKEN, "our-own-token")
        ]
    assert statuses == [401, 200]


def _change_status(where: str, limit: str = " LIMIT 100") -> str:
    return (
        "SELECT change_status.campaign, change_status.last_change_date_time FROM change_status "
        f"WHERE change_status.resource_type = CAMPAIGN {where}{limit}"
    )


@pytest.mark.parametrize(
    "query, code",
    [
        (_change_status("AND change_status.last_change_date_time > '2026-01-01'", ""),
         "LIMIT_NOT_SPECIFIED"),
        (_change_status("AND change_status.last_change_date_time BETWEEN '2026-01-01' AND "
                        "'2026-01-11'", " LIMIT 10001"), "INVALID_LIMIT_CLAUSE"),
        (_change_status("AND change_status.last_change_date_time > '2026-01-01'"),
         "CHANGE_DATE_RANGE_INFINITE"),
        (_change_status("AND change_status.last_change_date_time BETWEEN '2025-10-01' AND "
                        "'2026-01-11'"), "START_DATE_TOO_OLD"),
        (_change_status("AND change_status.last_change_date_time BETWEEN '2026-01-09' AND "
                        "'2026-01-02'"), "CHANGE_DATE_RANGE_NEGATIVE"),
    ],
)  # fmt: skip
def test_change_status_needs_a_limit_and_a_bounded_recent_range(
    server: SandboxServer, query: str, code: str
) -> None:
    refused = search(server, query)
    assert refused.status_code == 400
    errors = refused.json()["error"]["details"][0]["errors"]
    assert errors[0]["errorCode"] == {"changeStatusError": code}
    ok = search(
        server,
        _change_status(
            "AND change_status.last_change_date_time BETWEEN '2026-01-01' AND '2026-01-11'"
        ),
    )
    assert [r["changeStatus"]["lastChangeDateTime"] for r in ok.json()["results"]] == [
        "2026-01-01 08:00:00",  # campaign 3 added
        "2026-01-10 00:00:00",  # campaign 4 removed
    ]


def _conversions(server: SandboxServer, day: str) -> float:
    rows = search(
        server,
        "SELECT campaign.id, segments.date, metrics.conversions FROM campaign "
        f"WHERE segments.date = '{day}' AND campaign.id = {CAMPAIGN_ID_BASE + 3}",
    ).json()["results"]
    return rows[0]["metrics"]["conversions"]


def test_a_day_reports_only_the_conversions_that_have_happened(server: SandboxServer) -> None:
    # Two Jan 2 clicks of campaign 3 convert, on Jan 4 and on Jan 11 00:00 (after T0, by T1).
    assert _conversions(server, "2026-01-02") == 1.0
    server.store.set_clock(T1)
    assert _conversions(server, "2026-01-02") == 2.0


def test_click_view_serves_one_complete_day(server: SandboxServer) -> None:
    query = "SELECT click_view.gclid, segments.device FROM click_view WHERE segments.date = '{}'"
    jan3 = search(server, query.format("2026-01-03")).json()["results"]
    assert jan3 == [
        {"clickView": {"gclid": "gclid-a"}, "segments": {"device": "DESKTOP"}},
        {"clickView": {"gclid": "gclid-b"}, "segments": {"device": "TABLET"}},
    ]
    # Jan 10 is the clock's day: not complete, so not reported yet.
    assert search(server, query.format("2026-01-10")).json()["results"] == []


def _counts(settings: Settings) -> dict[str, int]:
    tables = ("campaign_stats", "click_view", "campaign_history", "ad_group_history",
              "ad_history")  # fmt: skip
    return harness.row_counts(settings, "raw_google_ads", tables)


def load(settings: Settings, server: SandboxServer) -> dict[str, Any]:
    """Run the Google Ads source once; the request log of that run."""
    return harness.load(settings, server, "google_ads", google_ads_source)


def test_incremental_ingestion(server: SandboxServer, tmp_path: Path) -> None:
    settings = harness.warehouse_settings(tmp_path / "warehouse-home", server)

    load(settings, server)
    assert _counts(settings) == {
        "campaign_stats": 54,  # campaigns 3 and 4, Jan 1-9, three devices each
        "click_view": 3,
        "campaign_history": 2,  # campaign 3, campaign 4 as of its removal (5 is not created)
        "ad_group_history": 2,
        "ad_history": 2,
    }
    assert harness.query(
        settings,
        "select status, end_date, updated_at from raw_google_ads.campaign_history "
        f"where id = {CAMPAIGN_ID_BASE + 4}",
    ) == [("REMOVED", "2026-01-10", datetime(2026, 1, 10))]
    assert harness.query(
        settings,
        "select device, cost_micros from raw_google_ads.campaign_stats "
        f"where id = {CAMPAIGN_ID_BASE + 3} and date = '2026-01-02' order by device",
    ) == [("DESKTOP", 6_875_000), ("MOBILE", 4_750_000), ("TABLET", 875_000)]

    assert load(settings, server)["rows"] == 0
    assert _counts(settings)["campaign_stats"] == 54

    server.store.set_clock(T1)
    # A new complete day (Jan 10): campaign_stats re-reads the 28 days up to its cursor (Jan 9)
    # as well, for the conversions they gained: campaign 3's Jan 1-10 and campaign 4's Jan 1-9,
    # three devices each; which days had clicks (Jan 10 alone), its one click; campaign 5
    # with its ad group and ad (3 change_status rows + 3 objects).
    assert load(settings, server)["rows"] == (10 + 9) * 3 + 1 + 1 + 3 + 3
    assert _counts(settings) == {
        "campaign_stats": 57,
        "click_view": 4,
        "campaign_history": 3,
        "ad_group_history": 3,
        "ad_history": 3,
    }


def _warehouse_conversions(settings: Settings) -> dict[str, float]:
    rows = harness.query(
        settings,
        "select date, sum(conversions) from raw_google_ads.campaign_stats "
        f"where id = {CAMPAIGN_ID_BASE + 3} and conversions > 0 group by date order by date",
    )
    return {str(day): total for day, total in rows}


def test_restated_conversions_are_read_again_when_a_day_completes(
    server: SandboxServer, tmp_path: Path
) -> None:
    settings = harness.warehouse_settings(tmp_path / "wh", server)
    load(settings, server)
    assert _warehouse_conversions(settings) == {"2026-01-02": 1.0}
    # Later the same day: conversions came in (Jan 10 20:00), but no day completed, so the
    # report is not asked again.
    server.store.set_clock(T0 + timedelta(hours=9))
    assert load(settings, server)["rows"] == 0
    server.store.set_clock(T1)
    load(settings, server)
    # Jan 2 (before the cursor) and Jan 9, T1's yesterday-but-one, as the API says now.
    assert _warehouse_conversions(settings) == {"2026-01-02": 2.0, "2026-01-09": 1.0}
    for day, total in _warehouse_conversions(settings).items():
        assert _conversions(server, day) == total
    assert _counts(settings)["campaign_stats"] == 57  # merged on the key: nothing duplicated


def test_a_rerun_after_days_without_clicks_asks_nothing(tmp_path: Path) -> None:
    # At Jan 12 12:00 the last complete day is Jan 11: campaigns 3 and 5 had clicks that day,
    # but none carried a gclid (the last gclid is Jan 10's).
    make_world(tmp_path / "world", T1 + timedelta(days=1))
    with harness.serve(tmp_path / "world", fake.API) as running:
        settings = harness.warehouse_settings(tmp_path / "wh", running)
        load(settings, running)
        assert harness.query(settings, "select max(date) from raw_google_ads.click_view") == [
            (date(2026, 1, 10),)
        ]
        assert load(settings, running)["rows"] == 0


def test_flaky_api_lands_the_same_rows(server: SandboxServer, tmp_path: Path) -> None:
    clean = harness.warehouse_settings(tmp_path / "clean", server)
    load(clean, server)
    server.sandbox.faults.configure(
        FaultConfig(probability=0.2, kinds=("429", "500", "503"), retry_after=1, seed=5)
    )
    flaky = harness.warehouse_settings(tmp_path / "flaky", server)
    faults = load(flaky, server)["apis"]["google_ads"]["faults"]
    assert sum(faults.values()) > 0
    assert _counts(flaky) == _counts(clean)
