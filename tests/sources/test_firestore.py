"""The fake Firestore API over real HTTP and the Firestore ingestion into a temporary warehouse,
on the hand-made world of ``test_firestore_world`` (T0: 2 users, 2 spaces, 3 members; by T1:
+u3, +1 member, ``ws_a`` rewritten)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import requests

from platform_assets.ingestion.firestore import firestore_source, structured_query
from platform_assets.sandbox.apis import firestore as firestore_api
from platform_assets.sandbox.server import SandboxServer
from platform_assets.settings import Settings
from tests.sources import harness
from tests.sources.test_firestore_world import T1, make_world

TOKEN = {"Authorization": "Bearer ya29.firestore-roundtrip"}
ROOT = "projects/roundtrip-app/databases/(default)/documents"


server = harness.server_fixture(make_world, firestore_api.API)


def list_page(server: SandboxServer, path: str, **params: object) -> requests.Response:
    url = f"{server.url}/firestore/v1/{ROOT}/{path}"
    return requests.get(url, params=params, headers=TOKEN, timeout=5)


def run_query(server: SandboxServer, query: dict) -> requests.Response:
    url = f"{server.url}/firestore/v1/{ROOT}:runQuery"
    return requests.post(url, json={"structuredQuery": query}, headers=TOKEN, timeout=5)


def test_bearer_token_is_required(server: SandboxServer) -> None:
    response = requests.get(f"{server.url}/firestore/v1/{ROOT}/users", timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


def test_list_documents_pages_with_tokens_and_typed_values(server: SandboxServer) -> None:
    first = list_page(server, "users", pageSize=1).json()
    assert [doc["name"] for doc in first["documents"]] == [f"{ROOT}/users/u1"]
    user = first["documents"][0]
    assert user["fields"]["email"] == {"stringValue": "Alice@Acme.com"}
    assert user["fields"]["space_ids"] == {"arrayValue": {"values": [{"stringValue": "ws_a"}]}}
    assert user["fields"]["updated_at"] == {"timestampValue": "2026-01-10T09:05:00.000000Z"}
    assert user["createTime"] == "2026-01-10T09:00:00.000000Z"
    second = list_page(server, "users", pageSize=1, pageToken=first["nextPageToken"]).json()
    assert [doc["name"] for doc in second["documents"]] == [f"{ROOT}/users/u2"]
    assert "nextPageToken" not in second
    members = list_page(server, "spaces/ws_a/members").json()["documents"]
    assert [m["fields"]["user_id"]["stringValue"] for m in members] == ["u1", "u2"]
    space = list_page(server, "spaces").json()["documents"][0]
    assert space["fields"]["member_count"] == {"integerValue": "2"}


def test_run_query_filters_orders_and_resumes_after_a_cursor(server: SandboxServer) -> None:
    query = structured_query("members", True, "2026-01-10T09:05:00.000000Z", 10)
    rows = run_query(server, query).json()
    assert [r["document"]["name"].rsplit("/", 1)[1] for r in rows] == ["ws_b_u2", "ws_a_u2"]
    last = rows[0]["document"]
    query["startAt"] = {
        "values": [last["fields"]["updated_at"], {"referenceValue": last["name"]}],
        "before": False,
    }
    resumed = run_query(server, query).json()
    assert [r["document"]["name"].rsplit("/", 1)[1] for r in resumed] == ["ws_a_u2"]
    empty = run_query(server, structured_query("users", False, "2026-02-01T00:00:00Z", 10))
    assert list(empty.json()[0]) == ["readTime"]
    bad = run_query(server, structured_query("members", False, "2026-01-01T00:00:00Z", 10))
    assert bad.status_code == 400
    assert bad.json()["error"]["status"] == "INVALID_ARGUMENT"


def load(settings: Settings, server: SandboxServer) -> int:
    """Run the Firestore source once, a document a page; the rows the API served for it."""
    source = partial(firestore_source, page_size=1)
    return harness.load(settings, server, "firestore", source)["rows"]


def raw(settings: Settings) -> dict[str, list[tuple]]:
    return {
        table: harness.query(
            settings, f"select _id, data, updated_at from raw_firestore.{table} order by _id"
        )
        for table in ("users", "spaces", "spaces_members")
    }


def test_incremental_ingestion(tmp_path: Path, server: SandboxServer) -> None:
    settings = harness.warehouse_settings(tmp_path / "home", server)
    assert load(settings, server) == 2 + 2 + 3
    first = raw(settings)
    assert {t: [r[0] for r in rows] for t, rows in first.items()} == {
        "users": ["u1", "u2"],
        "spaces": ["ws_a", "ws_b"],
        "spaces_members": ["ws_a_u1", "ws_a_u2", "ws_b_u2"],
    }
    assert json.loads(first["users"][1][1])["space_ids"] == ["ws_b", "ws_a"]
    assert load(settings, server) == 0
    assert raw(settings) == first

    server.store.set_clock(T1)  # world advance: only the clock moves
    assert load(settings, server) == 1 + 1 + 1  # u3, ws_a rewritten, u3's membership
    after = raw(settings)
    assert [r[0] for r in after["users"]] == ["u1", "u2", "u3"]
    assert json.loads(after["spaces"][0][1])["member_count"] == 3
    assert len(after["spaces_members"]) == 4
