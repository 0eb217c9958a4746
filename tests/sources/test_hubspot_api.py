"""The fake HubSpot API over real HTTP: shapes, paging, search cursors, auth and rate limit.

Served by the sandbox server over the hand-made world of ``test_hubspot_world`` (see its
docstring for what exists at T0 and what changes by T1).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from platform_assets.sandbox.apis import hubspot as fake_hubspot
from platform_assets.sandbox.apis.hubspot import API
from platform_assets.sandbox.server import SandboxServer, request_log
from platform_assets.sandbox.store import WorldStore
from platform_assets.settings import load_settings
from tests.sources import harness
from tests.sources.test_hubspot_world import T0, T1, make_world

TOKEN = load_settings(env={}).credential("hubspot")


def ms(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp() * 1000)


server = harness.server_fixture(make_world, API)


class Client:
    def __init__(self, server: SandboxServer) -> None:
        self.base = f"{server.url}/hubspot"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {TOKEN}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=10)

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=10)


@pytest.fixture()
def client(server: SandboxServer) -> Client:
    return Client(server)


def set_clock(server: SandboxServer, at: datetime) -> None:
    WorldStore.set_clock(server.store, at)


def test_refuses_requests_without_the_private_app_token(server: SandboxServer) -> None:
    response = requests.get(f"{server.url}/hubspot/crm/v3/objects/contacts", timeout=10)
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == "error" and body["category"] == "INVALID_AUTHENTICATION"
    wrong = requests.get(
        f"{server.url}/hubspot/crm/v3/owners",
        headers={"Authorization": "Bearer pat-na1-wrong"},
        timeout=10,
    )
    assert wrong.status_code == 401


def test_list_pages_with_after_and_hides_archived(server: SandboxServer, client: Client) -> None:
    ids, after, pages = [], None, 0
    while True:
        body = client.get("/crm/v3/objects/contacts", limit=2, after=after or "").json()
        pages += 1
        ids += [r["id"] for r in body["results"]]
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
    assert (pages, ids) == (3, ["1000010", "1000020", "1000021", "1000030", "1000040"])

    first = client.get(
        "/crm/v3/objects/contacts",
        limit=1,
        properties="email,lifecyclestage",
        associations="companies",
    ).json()["results"][0]
    assert first["properties"] == {
        "email": "Alice@Acme.com",
        "lifecyclestage": "opportunity",
        "hs_object_id": "1000010",
    }
    assert first["createdAt"] == "2026-01-08T10:00:00.000Z"
    assert first["updatedAt"] == "2026-01-20T10:00:00.000Z"
    assert first["associations"]["companies"]["results"][0]["id"] == "5000000001"

    set_clock(server, T1)  # the duplicate was merged into p2: archived, gone from the list
    listed = client.get("/crm/v3/objects/contacts", limit=100).json()["results"]
    assert "1000021" not in [r["id"] for r in listed]
    archived = client.get("/crm/v3/objects/contacts", archived="true").json()["results"]
    assert [(r["id"], r["archived"], r["archivedAt"]) for r in archived] == [
        ("1000021", True, "2026-02-01T18:00:00.000Z")
    ]
    survivor = client.get(
        "/crm/v3/objects/contacts", limit=2, properties="hs_merged_object_ids"
    ).json()["results"][1]
    assert survivor["properties"]["hs_merged_object_ids"] == "1000021"


def test_list_cursor_is_the_last_id_so_an_archive_between_pages_skips_nothing(
    server: SandboxServer, client: Client
) -> None:
    first = client.get("/crm/v3/objects/contacts", limit=3).json()
    assert [r["id"] for r in first["results"]] == ["1000010", "1000020", "1000021"]
    assert first["paging"]["next"]["after"] == "1000021"
    set_clock(server, T1)  # 1000021 is merged away (archived) and p5 signs up before page 2
    rest = client.get("/crm/v3/objects/contacts", limit=3, after="1000021").json()
    assert [r["id"] for r in rest["results"]] == ["1000030", "1000040", "1000050"]
    assert "paging" not in rest


def test_lifecycle_stage_dates_show_only_stages_reached_by_the_clock(
    server: SandboxServer, client: Client
) -> None:
    """p1's deal is won on Feb 2 09:00, after T0: its customer date is null until the clock
    passes it; the other stage dates are set, ISO with milliseconds, and searchable."""
    dates = ",".join(fake_hubspot.LIFECYCLE_STAGE_DATES)

    def alice() -> dict[str, Any]:
        body = client.get("/crm/v3/objects/contacts", limit=1, properties=dates).json()
        return body["results"][0]["properties"]

    assert alice() == {
        "hs_lifecyclestage_lead_date": "2026-01-08T10:00:00.000Z",  # created as a lead
        "hs_lifecyclestage_marketingqualifiedlead_date": "2026-01-12T09:00:00.000Z",
        "hs_lifecyclestage_salesqualifiedlead_date": "2026-01-15T09:00:00.000Z",
        "hs_lifecyclestage_opportunity_date": "2026-01-20T10:00:00.000Z",
        "hs_lifecyclestage_customer_date": None,
        "hs_object_id": "1000010",
    }
    set_clock(server, T1)
    assert alice()["hs_lifecyclestage_customer_date"] == "2026-02-02T09:00:00.000Z"
    customers = client.post(
        "/crm/v3/objects/contacts/search",
        {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "hs_lifecyclestage_customer_date",
                            "operator": "GTE",
                            "value": ms(T0),
                        }
                    ]
                }
            ]
        },
    ).json()
    assert [r["id"] for r in customers["results"]] == ["1000010"]


@pytest.mark.parametrize(
    ("method", "path", "payload", "message"),
    [
        ("GET", "/crm/v3/objects/contacts?limit=ten", None, "limit='ten' is not an integer"),
        ("GET", "/crm/v3/objects/contacts?after=x", None, "after='x' is not a valid paging"),
        ("GET", "/email/public/v1/events?campaignId=abc", None, "campaignId='abc' is not an id"),
        ("POST", "/crm/v3/objects/contacts/search", b"{not json", "Invalid input JSON"),
        ("POST", "/crm/v3/objects/contacts/search", b"[1, 2]", "expected an object, got list"),
        ("POST", "/crm/v3/objects/contacts/search", b'{"limit": "ten"}', "limit='ten'"),
        ("POST", "/crm/v3/objects/contacts/search", b'{"limit": null}', "limit=None"),
        (
            "POST",
            "/crm/v3/objects/contacts/search",
            b'{"filterGroups": [{"filters": "email"}]}',
            "filters must be a list of objects",
        ),
        ("POST", "/crm/v3/objects/contacts/search", b'{"sorts": [7]}', "a sort is a property"),
        ("POST", "/crm/v3/objects/deals/batch/read", b"{", "Invalid input JSON"),
        (
            "POST",
            "/crm/v3/objects/deals/batch/read",
            b'{"inputs": [{"id": "9000000001"}, {"name": "x"}]}',
            "inputs[1].id must be an object id, got None",
        ),
        (
            "POST",
            "/crm/v4/associations/deals/companies/batch/read",
            b'{"inputs": [{"id": "deal-1"}]}',
            "inputs[0].id must be an object id, got 'deal-1'",
        ),
        ("POST", "/crm/v4/associations/deals/companies/batch/read", b"nope", "Invalid input"),
    ],
)
def test_malformed_requests_get_a_validation_error(
    client: Client, method: str, path: str, payload: bytes | None, message: str
) -> None:
    response = client.session.request(
        method,
        client.base + path,
        data=payload,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["status"], body["category"]) == ("error", "VALIDATION_ERROR")
    assert message in body["message"]


def test_search_by_modification_time_sorted_and_capped(
    server: SandboxServer, client: Client
) -> None:
    def search(since: datetime, **extra: Any) -> dict[str, Any]:
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "lastmodifieddate", "operator": "GT", "value": ms(since)}
                    ]
                }
            ],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "properties": ["lifecyclestage", "lastmodifieddate"],
            "limit": 200,
            **extra,
        }
        response = client.post("/crm/v3/objects/contacts/search", body)
        assert response.status_code == 200, response.text
        return response.json()

    assert search(T0)["total"] == 0
    set_clock(server, T1)
    changed = search(T0)
    assert changed["total"] == 3
    assert [(r["id"], r["properties"]["lifecyclestage"]) for r in changed["results"]] == [
        ("1000020", "marketingqualifiedlead"),  # the merge, Feb 1 18:00
        ("1000010", "customer"),  # won, Feb 2 09:00
        ("1000050", "lead"),  # signed up, Feb 2 10:00
    ]
    paged = search(T0, limit=2)
    assert paged["paging"]["next"]["after"] == "2" and len(paged["results"]) == 2
    capped = client.post("/crm/v3/objects/contacts/search", {"after": "9990", "limit": 20})
    assert capped.status_code == 400
    assert capped.json()["category"] == "VALIDATION_ERROR"


def test_deal_stage_history_and_associations(server: SandboxServer, client: Client) -> None:
    set_clock(server, T1)
    body = client.post(
        "/crm/v3/objects/deals/batch/read",
        {"inputs": [{"id": "9000000001"}], "propertiesWithHistory": ["dealstage"]},
    ).json()
    history = body["results"][0]["propertiesWithHistory"]["dealstage"]
    assert [(h["value"], h["timestamp"]) for h in history] == [
        ("closedwon", "2026-02-02T09:00:00.000Z"),
        ("qualifiedtobuy", "2026-01-24T17:40:00.000Z"),
        ("appointmentscheduled", "2026-01-20T10:00:00.000Z"),
    ]
    links = client.post(
        "/crm/v4/associations/deals/companies/batch/read",
        {"inputs": [{"id": "9000000001"}, {"id": "9000000003"}]},
    ).json()
    assert [(r["from"]["id"], r["to"][0]["toObjectId"]) for r in links["results"]] == [
        ("9000000001", 5000000001),
        ("9000000003", 5000000002),
    ]
    assert [t["typeId"] for t in links["results"][0]["to"][0]["associationTypes"]] == [5, 341]


def test_reference_endpoints_engagements_and_email(server: SandboxServer, client: Client) -> None:
    stages = client.get("/crm/v3/pipelines/deals").json()["results"][0]["stages"]
    assert [s["id"] for s in stages][-2:] == ["closedwon", "closedlost"]
    assert stages[-2]["metadata"] == {"isClosed": "true", "probability": "1.0"}
    owners = client.get("/crm/v3/owners", limit=1).json()
    assert owners["results"][0]["email"] == "sam@roundtrip.example"
    assert owners["paging"]["next"]["after"] == "30000001"  # the last id served
    rest = client.get("/crm/v3/owners", after=owners["paging"]["next"]["after"]).json()
    assert [(o["email"], "paging" in rest) for o in rest["results"]] == [
        ("ada@roundtrip.example", False)
    ]

    paged = client.get("/engagements/v1/engagements/paged", limit=3).json()
    assert paged["hasMore"] is True and len(paged["results"]) == 3
    rest = client.get("/engagements/v1/engagements/paged", offset=paged["offset"]).json()
    assert rest["hasMore"] is False and len(rest["results"]) == 1
    meeting = rest["results"][0]
    assert meeting["engagement"]["type"] == "MEETING"
    assert meeting["associations"]["dealIds"] == [9000000003]
    assert meeting["associations"]["contactIds"] == [1000030]
    recent = client.get("/engagements/v1/engagements/recent/modified", since=ms(T0)).json()
    assert recent["total"] == 0

    events = client.get("/email/public/v1/events", limit=4).json()
    assert events["hasMore"] is True
    assert [e["type"] for e in events["events"]] == ["SENT", "SENT", "DELIVERED", "DELIVERED"]
    set_clock(server, T1)
    new = client.get("/email/public/v1/events", startTimestamp=ms(T0) + 1).json()
    assert [e["type"] for e in new["events"]] == ["OPEN", "SENT", "DELIVERED"]
    assert new["events"][0]["sentBy"]["created"] == ms(datetime(2026, 1, 8, 10))
    emails = client.get("/marketing/v3/emails", updatedAfter="2026-02-01T12:00:00Z").json()
    assert [(e["name"], e["allEmailCampaignIds"]) for e in emails["results"]] == [
        ("February webinar", ["200000002"])
    ]


def test_rate_limit_is_100_requests_per_10_seconds(server: SandboxServer, client: Client) -> None:
    statuses = [client.get("/crm/v3/owners").status_code for _ in range(101)]
    assert statuses[:100] == [200] * 100
    assert statuses[100] == 429
    limited = client.get("/crm/v3/owners")
    assert limited.json()["category"] == "RATE_LIMITS"
    assert int(limited.headers["Retry-After"]) >= 1
    totals = request_log(server.url, "hubspot")
    assert totals["apis"]["hubspot"]["rows"] == 200  # 100 answered pages of 2 owners
