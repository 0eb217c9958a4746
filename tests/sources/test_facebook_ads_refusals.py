"""How the Facebook Ads fake refuses, the way Graph does, and how the connector copes: filters
Graph cannot apply, throttling (HTTP 400 + usage header, never 429) and a refused report.
Counts follow from the hand-made world in ``test_facebook_ads_and_google_ads_world.py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from platform_assets.ingestion import facebook_ads as connector
from platform_assets.sandbox.apis import facebook_ads as fake
from platform_assets.sandbox.fakeapi import ApiRequest, ApiResponse, RateLimit, Route
from platform_assets.sandbox.server import SandboxServer
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.facebook_ads import ACCOUNT_ID
from tests.sources import harness
from tests.sources.test_facebook_ads import get
from tests.sources.test_facebook_ads_and_google_ads_world import make_world

server = harness.server_fixture(make_world, fake.API)
TABLES = ("basic_ad", "basic_ad_actions", "campaign_history", "ad_set_history", "ad_history",
          "creative_history")  # fmt: skip


@pytest.mark.parametrize(
    "rule, refusal",
    [
        ({"field": "id", "operator": "GREATER_THAN", "value": 5}, "with operation GREATER_THAN"),
        ({"field": "updated_time", "operator": "IN", "value": [1]}, "with operation IN"),
        ({"field": "updated_time", "operator": "GREATER_THAN", "value": "soon"}, "unix timestamp"),
        ({"field": "id", "operator": "IN", "value": "1"}, "must be a list"),
        ({"field": "id", "operator": "CONTAIN", "value": "1"}, "operator CONTAIN"),
    ],
)
def test_filters_graph_cannot_apply_are_its_400(
    server: SandboxServer, rule: dict[str, Any], refusal: str
) -> None:
    response = get(server, f"act_{ACCOUNT_ID}/campaigns", filtering=json.dumps([rule]))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100 and refusal in error["message"]


def test_throttling_is_a_400_with_the_usage_header(
    server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake.API, "rate_limit", RateLimit(requests=1, per_seconds=90))
    unknown_account = get(server, "act_1/campaigns")  # the one request of the window
    assert unknown_account.status_code == 404
    refused = get(server, "me/adaccounts")
    assert refused.status_code == 400 and "Retry-After" not in refused.headers
    error = refused.json()["error"]
    assert (error["code"], error["type"], error["is_transient"]) == (80004, "OAuthException", True)
    (usage,) = json.loads(refused.headers["X-Business-Use-Case-Usage"])[str(ACCOUNT_ID)]
    assert usage["estimated_time_to_regain_access"] == 2  # 90 s, in whole minutes
    assert connector.throttled(refused)
    assert not connector.throttled(unknown_account)


def _response(status: int, body: dict[str, Any], headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers = CaseInsensitiveDict(headers)
    return response


def test_the_wait_graph_asks_for_becomes_retry_after_capped() -> None:
    def usage(minutes: int) -> dict[str, str]:
        groups = {
            "1": [{"type": "ads_insights", "estimated_time_to_regain_access": 0}],
            "2": [{"type": "ads_management", "estimated_time_to_regain_access": minutes}],
        }
        return {"X-Business-Use-Case-Usage": json.dumps(groups)}  # fmt: skip

    throttle = {"error": {"code": 17, "message": "(#17) User request limit reached"}}
    told = connector._wait_as_told(_response(400, throttle, usage(3)))
    assert told.headers["Retry-After"] == "180"
    capped = connector._wait_as_told(_response(400, throttle, usage(60)))
    assert capped.headers["Retry-After"] == str(connector.MAX_THROTTLE_WAIT)
    assert "Retry-After" not in connector._wait_as_told(_response(400, throttle, usage(0))).headers
    bad_field = {"error": {"code": 100, "message": "(#100) bad field"}}
    assert "Retry-After" not in connector._wait_as_told(_response(400, bad_field, usage(3))).headers


def test_the_connector_waits_out_throttling_and_lands_everything(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = harness.warehouse_settings(tmp_path / "clean", server)
    harness.load(clean, server, "facebook_ads", connector.facebook_ads_source)

    monkeypatch.setattr(fake.API, "rate_limit", RateLimit(requests=4, per_seconds=1))
    monkeypatch.setattr(connector, "MAX_THROTTLE_WAIT", 1)  # Graph says 1 minute; wait 1 s
    throttled = harness.warehouse_settings(tmp_path / "throttled", server)
    log = harness.load(throttled, server, "facebook_ads", connector.facebook_ads_source)
    assert log["apis"]["facebook_ads"]["rate_limited"] > 0
    assert harness.snapshot(throttled, "raw_facebook_ads", TABLES, harness.RUN_STAMPS) == (
        harness.snapshot(clean, "raw_facebook_ads", TABLES, harness.RUN_STAMPS)
    )


class RefusedAccountReport(fake.FacebookAdsApi):
    """The fake, but the account-level report (how the connector learns the last complete day)
    is refused."""

    def routes(self) -> list[Route]:
        def refuse_account_level(request: ApiRequest, store: WorldStore) -> ApiResponse:
            if request.arg("level") == "account":
                return self.error(403, "(#200) Requires ads_read permission")
            return insights.handler(request, store)

        routes = super().routes()
        insights = next(r for r in routes if r.pattern.endswith("/insights"))
        return [Route("GET", insights.pattern, refuse_account_level), *routes]


def test_a_refused_account_report_fails_the_run_naming_it(tmp_path: Path) -> None:
    make_world(tmp_path / "world")
    with harness.serve(tmp_path / "world", RefusedAccountReport()) as running:
        settings = harness.warehouse_settings(tmp_path / "wh", running)
        with pytest.raises(Exception, match=rf"/act_{ACCOUNT_ID}/insights.*HTTP 403"):
            harness.load(settings, running, "facebook_ads", connector.facebook_ads_source)
    assert harness.landed_tables(settings, "raw_facebook_ads") == []
