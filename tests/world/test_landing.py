"""Landing files: RudderStack payloads from a hand-made core, one gzip batch per source per hour."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from platform_assets.sandbox.world.core_schema import CORE_TABLES
from platform_assets.sandbox.world.landing import hour_file, write_landing_files

T0 = datetime(2026, 1, 5, 9, 0)


def ts(hour: int, minute: int = 0, second: int = 0) -> str:
    return f"2026-01-05 {hour:02d}:{minute:02d}:{second:02d}"


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    marks = ", ".join("?" * len(rows[0]))
    con.executemany(f"insert into core.{table} values ({marks})", rows)


@pytest.fixture
def world() -> duckdb.DuckDBPyConnection:
    """A world with one visitor on two devices: pages, web and backend tracks, an identify,
    a duplicated delivery, a late event and an event in the (incomplete) hour of the clock."""
    con = duckdb.connect()
    con.execute("create schema core")
    for table in ("devices", "sessions", "pageviews", "track_events", "identifies"):
        con.execute(f"create table core.{table} ({CORE_TABLES[table]})")
    _insert(
        con,
        "devices",
        [
            ("anon-1", 1, "desktop", "macOS", "Chrome", False, 90),
            ("anon-2", 1, "mobile", "iOS", "Safari", False, 0),
        ],
    )
    _insert(
        con,
        "sessions",
        [
            (10, 1, "anon-1", ts(9, 1), "paid_search", "google", "cpc", "brand", None, "cdp",
             "gclid-1", None, "https://www.google.com/",
             "https://www.roundtrip.example/?utm_source=google&gclid=gclid-1",
             "google_ads", 1, 2, 3, None),
        ],
    )  # fmt: skip
    page = "https://www.roundtrip.example/pricing"
    _insert(
        con,
        "pageviews",
        [
            ("p1", 10, 1, "anon-1", None, ts(9, 1), ts(9, 2, 30), ts(9, 1, 2),
             "https://www.roundtrip.example/?utm_source=google&gclid=gclid-1", "/",
             "Home", "https://www.google.com/", "?utm_source=google&gclid=gclid-1"),
            ("p2", 10, 1, "anon-1", None, ts(9, 5), ts(9, 6, 30), ts(9, 5, 1), page, "/pricing",
             "Pricing", None, None),
            ("p2", 10, 1, "anon-1", None, ts(9, 5), ts(9, 6, 30), ts(9, 5, 4), page, "/pricing",
             "Pricing", None, None),  # duplicated delivery
            ("p3", None, 1, "anon-2", "u-1", ts(9, 50), ts(9, 50), "2026-01-07 08:00:00", page,
             "/pricing", "Pricing", None, None),  # late: received two days later
            ("p4", None, 1, "anon-2", "u-1", ts(11, 10), ts(11, 10), ts(11, 10, 1), page,
             "/pricing", "Pricing", None, None),  # in the clock's hour: not complete
        ],
    )  # fmt: skip
    _insert(
        con,
        "track_events",
        [
            ("t1", 1, "anon-1", None, "demo_requested", ts(9, 7), ts(9, 8, 30), ts(9, 7, 1), 10,
             '{"form": "demo"}'),
            ("t2", 1, "anon-1", "u-1", "signed_up", ts(10, 15), ts(10, 15), ts(10, 15, 1), 10,
             '{"plan": "trial"}'),
        ],
    )  # fmt: skip
    _insert(
        con,
        "identifies",
        [("i1", 1, "anon-1", "u-1", ts(10, 16), ts(10, 17, 30), ts(10, 16, 1),
          '{"email": " Ada@Example.com", "first_name": "Ada"}')],
    )  # fmt: skip
    return con


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


def all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.ndjson.gz"))}


def test_one_file_per_source_per_complete_hour(world, tmp_path):
    written = write_landing_files(world, tmp_path, datetime(2026, 1, 7, 11, 30))
    assert sorted(all_files(tmp_path)) == [
        "backend/2026/01/05/10.ndjson.gz",
        "website/2026/01/05/09.ndjson.gz",
        "website/2026/01/05/10.ndjson.gz",
        "website/2026/01/05/11.ndjson.gz",
        "website/2026/01/07/08.ndjson.gz",
    ]
    assert written == 5
    nine = read_lines(hour_file(tmp_path, "website", T0))
    # ordered by receipt; the duplicated delivery stays (twice), the late p3 is not here
    assert [(e["type"], e["messageId"]) for e in nine] == [
        ("page", "p1"),
        ("page", "p2"),
        ("page", "p2"),
        ("track", "t1"),
    ]
    assert [e["messageId"] for e in read_lines(tmp_path / "website/2026/01/07/08.ndjson.gz")] == [
        "p3"
    ]


def test_only_hours_complete_at_until(world, tmp_path):
    assert write_landing_files(world, tmp_path, datetime(2026, 1, 5, 11, 10, 30)) == 3
    assert not (tmp_path / "website/2026/01/05/11.ndjson.gz").exists()
    assert write_landing_files(world, tmp_path, datetime(2026, 1, 5, 12, 0)) == 1
    assert (tmp_path / "website/2026/01/05/11.ndjson.gz").exists()


def test_payload_shapes(world, tmp_path):
    write_landing_files(world, tmp_path, datetime(2026, 1, 6))
    page, _, _, track = read_lines(hour_file(tmp_path, "website", T0))
    assert list(page) == [
        "type", "messageId", "anonymousId", "userId", "channel", "name", "properties", "context",
        "originalTimestamp", "sentAt", "receivedAt", "timestamp",
    ]  # fmt: skip
    assert page["context"]["campaign"] == {
        "source": "google",
        "medium": "cpc",
        "name": "brand",
        "content": None,
        "term": "cdp",
    }
    assert page["context"]["page"]["path"] == "/"
    assert page["context"]["library"]["name"] == "RudderLabs JavaScript SDK"
    assert page["context"]["userAgent"] == "Mozilla/5.0 (macOS; desktop) Chrome"
    # device clock runs 90 s fast: originalTimestamp carries it, timestamp corrects it
    assert page["originalTimestamp"] == "2026-01-05T09:02:30.000Z"
    assert page["sentAt"] == "2026-01-05T09:02:30.000Z"
    assert page["receivedAt"] == "2026-01-05T09:01:02.000Z"
    assert page["timestamp"] == "2026-01-05T09:01:02.000Z"
    assert track["event"] == "demo_requested" and track["properties"] == {"form": "demo"}

    (backend,) = read_lines(hour_file(tmp_path, "backend", datetime(2026, 1, 5, 10)))
    assert backend["channel"] == "server" and backend["event"] == "signed_up"
    assert backend["context"] == {"library": {"name": "rudder-sdk-python", "version": "2.1.4"}}
    identify = read_lines(hour_file(tmp_path, "website", datetime(2026, 1, 5, 10)))[0]
    assert identify["type"] == "identify"
    assert identify["traits"] == {"email": " Ada@Example.com", "first_name": "Ada"}


def test_byte_identical_and_idempotent(world, tmp_path):
    until = datetime(2026, 1, 8)
    write_landing_files(world, tmp_path / "a", until)
    write_landing_files(world, tmp_path / "b", until)
    first = all_files(tmp_path / "a")
    assert first == all_files(tmp_path / "b")
    # an hour already on disk is skipped, never rewritten
    marker = tmp_path / "a/website/2026/01/05/09.ndjson.gz"
    marker.write_bytes(b"kept")
    assert write_landing_files(world, tmp_path / "a", until) == 0
    assert marker.read_bytes() == b"kept"
    assert not list((tmp_path / "a").rglob("*.tmp"))


def test_writes_from_a_read_only_world(world, tmp_path):
    """``world advance`` opens the world read-only; the writer needs nothing more."""
    world_file = tmp_path / "world.duckdb"
    world.execute(f"attach '{world_file}' as w")
    world.execute("copy from database memory to w")
    world.execute("detach w")
    with duckdb.connect(str(world_file), read_only=True) as ro:
        assert write_landing_files(ro, tmp_path / "landing", datetime(2026, 1, 8)) == 5
