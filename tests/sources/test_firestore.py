"""The fake Firestore API over real HTTP and the Firestore ingestion into a temporary warehouse,
on the hand-made world of ``test_firestore_world`` (T0: 2 users, 2 spaces, 3 members; by T1:
+u3, +1 member, ``ws_a`` rewritten)."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
import requests

from platform_assets.ingestion.dlt_support import run_source
from platform_assets.ingestion.firestore import (
    connector_options,
    firestore_source,
    structured_query,
)
from platform_assets.sandbox.apis import firestore as firestore_api
from platform_assets.sandbox.server import SandboxServer
from platform_assets.sandbox.world.sources import firestore as firestore_world
from platform_assets.settings import Settings, load_settings
from tests.sources import harness
from tests.sources.harness import ALICE, BOB
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
    # Google's JSON trims fractional zeros, so timestamp text does not sort in time order
    assert user["fields"]["updated_at"] == {"timestampValue": "2026-01-10T09:05:00Z"}
    assert user["createTime"] == "2026-01-10T09:00:00Z"
    second = list_page(server, "users", pageSize=1, pageToken=first["nextPageToken"]).json()
    assert [doc["name"] for doc in second["documents"]] == [f"{ROOT}/users/u2"]
    assert "nextPageToken" not in second
    members = list_page(server, "spaces/ws_a/members").json()["documents"]
    assert [m["fields"]["user_id"]["stringValue"] for m in members] == ["u1", "u2"]
    space = list_page(server, "spaces").json()["documents"][0]
    assert space["fields"]["member_count"] == {"integerValue": "2"}


def test_run_query_filters_orders_and_resumes_after_a_cursor(server: SandboxServer) -> None:
    query = structured_query("members", True, datetime(2026, 1, 10, 9, 5), 10)
    rows = run_query(server, query).json()
    names = [r["document"]["name"].split("/documents/")[1] for r in rows]
    assert names == ["spaces/ws_b/members/u2", "spaces/ws_a/members/u2"]
    last = rows[0]["document"]
    query["startAt"] = {
        "values": [last["fields"]["updated_at"], {"referenceValue": last["name"]}],
        "before": False,
    }
    resumed = run_query(server, query).json()
    assert [r["document"]["name"].rsplit("/", 3)[1] for r in resumed] == ["ws_a"]
    empty = run_query(server, structured_query("users", False, datetime(2026, 2, 1), 10))
    assert list(empty.json()[0]) == ["readTime"]
    bad = run_query(server, structured_query("members", False, datetime(2026, 1, 1), 10))
    assert bad.status_code == 400
    assert bad.json()["error"]["status"] == "INVALID_ARGUMENT"


def load(settings: Settings, server: SandboxServer) -> int:
    """Run the Firestore source once, a document a page; the rows the API served for it."""
    source = partial(firestore_source, page_size=1)
    return harness.load(settings, server, "firestore", source)["rows"]


def raw(settings: Settings) -> dict[str, list[tuple]]:
    return {
        table: harness.query(
            settings, f"select _id, data, updated_at from raw_firestore.{table} order by _path"
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
        "spaces_members": ["u1", "u2", "u2"],  # u2's two memberships stay two rows
    }
    assert harness.query(settings, "select _path from raw_firestore.spaces_members order by 1") == [
        ("spaces/ws_a/members/u1",),
        ("spaces/ws_a/members/u2",),
        ("spaces/ws_b/members/u2",),
    ]
    assert first["users"][0][2] == datetime(2026, 1, 10, 9, 5)  # naive UTC
    assert json.loads(first["users"][1][1])["space_ids"] == ["ws_b", "ws_a"]
    assert load(settings, server) == 0
    assert raw(settings) == first

    server.store.set_clock(T1)  # world advance: only the clock moves
    assert load(settings, server) == 1 + 1 + 1  # u3, ws_a rewritten, u3's membership
    after = raw(settings)
    assert [r[0] for r in after["users"]] == ["u1", "u2", "u3"]
    assert json.loads(after["spaces"][0][1])["member_count"] == 3
    assert len(after["spaces_members"]) == 4


def test_a_later_update_within_the_same_second_is_not_skipped(tmp_path: Path) -> None:
    """u1 signs up at 09:00:00 sharp (``…:00Z``) and is loaded; u2 signs up at 09:00:00.5
    (``…:00.500Z``). As text the loaded value sorts after u2's, so a cursor kept as text drops
    u2; kept as a time it is found."""
    no_step = (None,) * 7
    rows = {
        "people": [ALICE, BOB],
        "funnel": [
            (1, "2026-01-10 09:00:00", *no_step, "email"),
            (2, "2026-01-10 09:00:00.5", *no_step, "direct"),
        ],
    }
    home = tmp_path / "world"
    harness.make_world(home, rows, [firestore_world.project], datetime(2026, 1, 10, 9, 0, 0, 200))
    with harness.serve(home, firestore_api.API) as server:
        settings = harness.warehouse_settings(tmp_path / "home", server)
        assert load(settings, server) == 1
        server.store.set_clock(datetime(2026, 1, 10, 9, 1))
        assert load(settings, server) == 1
        assert load(settings, server) == 0
    assert harness.query(
        settings, "select _id, updated_at from raw_firestore.users order by updated_at"
    ) == [("u1", datetime(2026, 1, 10, 9)), ("u2", datetime(2026, 1, 10, 9, 0, 0, 500000))]


def test_the_project_comes_from_the_settings(tmp_path: Path, server: SandboxServer) -> None:
    env = {"ROUNDTRIP_HOME": str(tmp_path), "ROUNDTRIP_SANDBOX_PORT": str(server.port)}
    assert connector_options(load_settings(env=env)) == {"project": "roundtrip-app"}
    other = load_settings(env={**env, "ROUNDTRIP_FIRESTORE_PROJECT": "someone-else"})
    assert connector_options(other) == {"project": "someone-else"}
    with pytest.raises(Exception, match="404 Client Error"):  # the sandbox has no such project
        run_source(other, "firestore", firestore_source, connector_options)
