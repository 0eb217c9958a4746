"""The fake Zendesk incremental export API over real HTTP, on the hand-made world of
``test_zendesk_world`` (2 organizations, 3 users, 2 tickets, 6 audits at T0)."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from platform_assets.sandbox.apis import zendesk as zendesk_api
from platform_assets.sandbox.server import SandboxServer, request_log
from tests.sources import harness
from tests.sources.test_zendesk_world import AGENT, END_USER, ORG, T0, make_world

AUTH = ("roundtrip@example.com/token", "zd-roundtrip")
INCREMENTAL = "/zendesk/api/v2/incremental"


def epoch(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp())


server = harness.server_fixture(make_world, zendesk_api.API)


def get(server: SandboxServer, path: str, **params: object) -> requests.Response:
    return requests.get(f"{server.url}{INCREMENTAL}/{path}", params=params, auth=AUTH, timeout=5)


def test_refuses_requests_without_the_api_token(server: SandboxServer) -> None:
    url = f"{server.url}{INCREMENTAL}/users.json"
    for auth in (None, ("roundtrip@example.com/token", "wrong")):
        response = requests.get(url, params={"start_time": 0}, auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.json() == {"error": "Couldn't authenticate you"}


def test_ticket_cursor_export_pages_until_end_of_stream(server: SandboxServer) -> None:
    first = get(server, "tickets/cursor.json", start_time=0, per_page=1).json()
    assert [t["id"] for t in first["tickets"]] == [1]
    assert first["end_of_stream"] is False
    ticket = first["tickets"][0]
    assert ticket["status"] == "solved"
    assert ticket["satisfaction_rating"] == {"score": "good"}
    assert ticket["updated_at"] == "2026-01-22T08:00:00Z"
    assert ticket["requester_id"] == END_USER + 1
    assert ticket["assignee_id"] == AGENT + 1
    assert ticket["via"]["channel"] == "web"
    second = get(server, "tickets/cursor.json", cursor=first["after_cursor"], per_page=1).json()
    assert [(t["id"], t["status"]) for t in second["tickets"]] == [(2, "open")]
    assert second["end_of_stream"] is True
    # The last cursor stays valid: nothing new has happened, so nothing comes back.
    third = get(server, "tickets/cursor.json", cursor=second["after_cursor"]).json()
    assert third["tickets"] == [] and third["end_of_stream"] is True
    # start_time is inclusive: from t2's last change on, only t2.
    since = get(server, "tickets/cursor.json", start_time=epoch(datetime(2026, 1, 26, 9))).json()
    assert [t["id"] for t in since["tickets"]] == [2]


def test_time_based_exports_follow_next_page(server: SandboxServer) -> None:
    page = get(server, "users.json", start_time=0, per_page=2).json()
    assert [u["id"] for u in page["users"]] == [AGENT + 1, END_USER + 1]
    assert page["count"] == 2 and page["end_of_stream"] is False
    assert page["end_time"] == epoch(datetime(2026, 1, 20, 9)) + 1  # resume after that second
    rest = requests.get(page["next_page"], auth=AUTH, timeout=5).json()
    assert [u["id"] for u in rest["users"]] == [END_USER + 3]  # p4 only files t3 after T0
    assert rest["end_of_stream"] is True
    orgs = get(server, "organizations.json", start_time=0).json()
    assert [(o["id"], o["name"], o["domain_names"]) for o in orgs["organizations"]] == [
        (ORG + 1, "Acme", ["acme.com"]),
        (ORG + 2, "Globex", ["globex.com"]),
    ]
    assert get(server, "users.json").status_code == 400  # start_time is required


def test_ticket_events_carry_field_changes(server: SandboxServer) -> None:
    body = get(server, "ticket_events.json", start_time=0).json()
    events = body["ticket_events"]
    assert len(events) == 6 and body["end_of_stream"] is True
    create = events[0]
    assert (create["ticket_id"], create["event_type"], create["updater_id"]) == (
        1,
        "Audit",
        END_USER + 1,
    )
    assert [c["event_type"] for c in create["child_events"]] == ["Create"] * 4
    assert create["child_events"][0]["status"] == "new"
    rated = [e for e in events if e["created_at"] == "2026-01-22T08:00:00Z"][0]
    assert rated["child_events"] == [
        {
            "id": rated["child_events"][0]["id"],
            "via": "Web form",
            "via_reference_id": None,
            "satisfaction_score": "good",
            "event_type": "Change",
            "previous_value": "offered",
        }
    ]


def test_request_log_counts_records_served(server: SandboxServer) -> None:
    get(server, "users.json", start_time=0)
    get(server, "ticket_events.json", start_time=epoch(T0))
    log = request_log(server.url, "zendesk")
    assert (log["requests"], log["rows"]) == (2, 3)
