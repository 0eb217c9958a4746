"""Zendesk ingestion end to end: the dlt source against the fake API over HTTP, into a temporary
warehouse, on the hand-made world of ``test_zendesk_world``.

At T0 the world holds 2 tickets, 3 users, 2 organizations and 13 field-history rows in 6 audits;
by T1 t2 is solved (+2 history rows), p4 files t3 (+1 user, +3 history rows).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from platform_assets.ingestion import dlt_support
from platform_assets.ingestion.zendesk import TICKET_COLUMNS, zendesk_source
from platform_assets.sandbox.apis import zendesk as zendesk_api
from platform_assets.sandbox.server import SandboxServer, request_log, set_faults
from platform_assets.settings import Settings, load_settings
from tests.sources import harness
from tests.sources.test_zendesk_world import END_USER, T1, make_world

# Small pages, so every export is paginated.
SMALL_PAGES = partial(zendesk_source, per_page=1)
TABLES = ("ticket", "user", "organization", "ticket_field_history")


server = harness.server_fixture(make_world, zendesk_api.API)


def load(settings: Settings, server: SandboxServer) -> int:
    """Run the Zendesk source once; the rows the API served for it."""
    return harness.load(settings, server, "zendesk", SMALL_PAGES)["rows"]


def snapshot(settings: Settings) -> dict[str, list[tuple]]:
    return harness.snapshot(settings, "raw_zendesk", TABLES, exclude=harness.RUN_STAMPS)


def test_incremental_loads_fetch_only_new_and_changed(
    tmp_path: Path, server: SandboxServer
) -> None:
    settings = harness.warehouse_settings(tmp_path / "home", server)
    assert load(settings, server) == 2 + 3 + 2 + 6  # tickets, users, orgs, audits
    first = snapshot(settings)
    assert {t: len(rows) for t, rows in first.items()} == {
        "ticket": 2,
        "user": 3,
        "organization": 2,
        "ticket_field_history": 13,
    }
    columns = {r[0] for r in harness.query(settings, "describe raw_zendesk.ticket")}
    assert set(TICKET_COLUMNS) <= columns  # always-null Fivetran columns exist too
    assert harness.query(
        settings,
        "select field_name, value, user_id from raw_zendesk.ticket_field_history "
        "where ticket_id = 1 and updated = '2026-01-22 08:00:00'",
    ) == [("satisfaction_score", "good", END_USER + 1)]

    assert load(settings, server) == 0  # nothing changed at the source: nothing fetched
    assert snapshot(settings) == first

    server.store.set_clock(T1)  # world advance: only the clock moves
    assert load(settings, server) == 2 + 1 + 0 + 2  # t2 and t3, p4, their two audits
    after = snapshot(settings)
    assert {t: len(rows) for t, rows in after.items()} == {
        "ticket": 3,
        "user": 4,
        "organization": 2,
        "ticket_field_history": 18,
    }
    assert harness.query(settings, "select id, status from raw_zendesk.ticket order by id") == [
        (1, "solved"),
        (2, "solved"),
        (3, "new"),
    ]


def test_faults_are_retried_to_the_same_result(tmp_path: Path, server: SandboxServer) -> None:
    clean = harness.warehouse_settings(tmp_path / "clean", server)
    load(clean, server)
    set_faults(server.url, {"probability": 0.3, "kinds": ["429", "500", "503"], "seed": 3})
    faulty = harness.warehouse_settings(tmp_path / "faulty", server)
    load(faulty, server)
    assert request_log(server.url, "zendesk")["apis"]["zendesk"]["faults"]  # faults happened
    assert snapshot(faulty) == snapshot(clean)


def test_exhausted_retries_fail_clearly_and_write_nothing(
    tmp_path: Path, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.fail_fast(monkeypatch)
    set_faults(server.url, {"probability": 1.0, "kinds": ["503"], "seed": 1})
    settings = harness.warehouse_settings(tmp_path / "home", server)
    with pytest.raises(Exception, match="503"):
        dlt_support.run_source(settings, "zendesk", SMALL_PAGES)
    assert harness.landed_tables(settings, "raw_zendesk") == []


class RealExportSemantics(BaseHTTPRequestHandler):
    """Zendesk as the real API resumes: a time-based export's ``end_time`` is the newest second
    it served (an export from it repeats that second), and the ticket export's last
    ``after_cursor`` stays valid. Serves one user at ``USER_SECOND``, otherwise nothing; records
    every query."""

    queries: list[tuple[str, dict[str, list[str]]]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        self.queries.append((url.path.rsplit("/", 1)[1], query))
        key = url.path.rsplit("/", 1)[1].removesuffix(".json")
        if key == "cursor":
            body: dict = {"tickets": [], "after_cursor": "c1", "end_of_stream": True}
        else:
            start = int(query["start_time"][0])
            objects = []
            if key == "users" and start <= USER_SECOND:
                objects = [{"id": 7, "updated_at": "2026-01-20T09:00:00Z", "role": "end-user"}]
            body = {key: objects, "end_time": USER_SECOND if objects else start}
            body |= {"end_of_stream": True, "next_page": None}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


USER_SECOND = int(datetime(2026, 1, 20, 9, tzinfo=UTC).timestamp())


def test_a_rerun_resumes_where_zendesk_says_not_a_second_later(tmp_path: Path) -> None:
    api = ThreadingHTTPServer(("127.0.0.1", 0), RealExportSemantics)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{api.server_port}"
        settings = load_settings(
            env={"ROUNDTRIP_HOME": str(tmp_path / "home"), "ROUNDTRIP_ZENDESK_URL": url}
        )
        dlt_support.run_source(settings, "zendesk", zendesk_source)
        RealExportSemantics.queries.clear()
        dlt_support.run_source(settings, "zendesk", zendesk_source)
    finally:
        api.shutdown()
    second = dict(RealExportSemantics.queries)
    # a user changed later in that second is still found; the one already loaded merges
    assert second["users.json"]["start_time"] == [str(USER_SECOND)]
    assert second["organizations.json"]["start_time"] == ["0"]  # nothing came back: same start
    assert second["cursor.json"] == {"cursor": ["c1"], "per_page": ["1000"]}
    assert harness.query(settings, "select id, updated_at from raw_zendesk.user") == [
        (7, datetime(2026, 1, 20, 9))  # naive UTC
    ]
