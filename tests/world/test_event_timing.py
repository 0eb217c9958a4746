"""RudderStack's ``timestamp`` of delivered events: the occurrence time on the server's clock,
for late events and skewed devices too, and server-side events carry no device skew.

A hand-made stream goes through the world's delivery noise (``identity.deliver``, every event
late) and the landing-file writer; each line's ``timestamp`` is compared with when it happened.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.core_schema import CORE_TABLES
from platform_assets.sandbox.world.identity import deliver
from platform_assets.sandbox.world.landing import write_landing_files

ALL_LATE = WorldConfig(visitors=1, late_event_share=1.0, duplicate_message_share=0.02)
START = datetime(2026, 1, 5, 9)
DEVICES = pd.DataFrame(
    [
        ("fast", 1, "desktop", "macOS", "Chrome", False, 3600),  # clock an hour ahead
        ("slow", 2, "mobile", "iOS", "Safari", False, -120),
    ],
    columns=["anonymous_id", "person_id", "device_type", "os", "browser", "is_shared",
             "clock_skew_seconds"],
)  # fmt: skip


def _occurred(n: int) -> pd.Series:
    return pd.Series([START + timedelta(minutes=7 * i) for i in range(n)], dtype="datetime64[us]")


def _stream() -> dict[str, pd.DataFrame]:
    n = 200
    device = np.where(np.arange(n) % 2 == 0, "fast", "slow")
    pages = pd.DataFrame(
        {"session_id": None, "person_id": 1, "anonymous_id": device, "user_id": None,
         "occurred_at": _occurred(n), "url": "https://www.roundtrip.example/",
         "path": "/", "title": "Home", "referrer": None, "search": ""}
    )  # fmt: skip
    tracks = pd.DataFrame(
        {"person_id": 1, "anonymous_id": device, "user_id": "u-1",
         "event": np.where(np.arange(n) % 4 < 2, "signed_up", "demo_requested"),
         "occurred_at": _occurred(n), "session_id": None, "properties": "{}"}
    )  # fmt: skip
    return {
        "pageviews": deliver(ALL_LATE, pages, DEVICES, "pageviews"),
        "track_events": deliver(ALL_LATE, tracks, DEVICES, "track_events"),
    }


def _landed(tmp_path: Path, stream: dict[str, pd.DataFrame]) -> list[dict]:
    con = duckdb.connect()
    con.execute("create schema core")
    for table in ("devices", "sessions", "pageviews", "track_events", "identifies"):
        con.execute(f"create table core.{table} ({CORE_TABLES[table]})")
    for table, frame in {"devices": DEVICES, **stream}.items():
        con.register("frame", frame)
        con.execute(f"insert into core.{table} by name select * from frame")
        con.unregister("frame")
    write_landing_files(con, tmp_path, datetime(2026, 3, 1))
    lines = []
    for path in sorted(tmp_path.rglob("*.ndjson.gz")):
        lines += [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
    return lines


def _occurrences(stream: dict[str, pd.DataFrame]) -> dict[str, datetime]:
    """Message id → when the event happened (a re-delivery shares its original's)."""
    return {
        message: at
        for frame in stream.values()
        for message, at in zip(frame.message_id, frame.occurred_at, strict=True)
    }


def _time(iso: str) -> datetime:
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_timestamp_is_when_it_happened_even_for_late_events(tmp_path: Path) -> None:
    stream = _stream()
    occurred = _occurrences(stream)
    lines = _landed(tmp_path, stream)
    assert len(lines) == sum(len(frame) for frame in stream.values())
    for line in lines:
        happened, received = occurred[line["messageId"]], _time(line["receivedAt"])
        assert received - happened > timedelta(seconds=1)  # every event arrived late
        # Off by the network latency (at most 0.5 s) and the files' millisecond precision.
        assert abs(_time(line["timestamp"]) - happened) <= timedelta(seconds=0.502), line
    late = [line for line in lines if _time(line["receivedAt"]) - occurred[line["messageId"]]
            > timedelta(hours=1)]  # fmt: skip
    assert len(late) > 100


def test_device_skew_shows_in_browser_events_and_never_in_server_events(tmp_path: Path) -> None:
    stream = _stream()
    occurred = _occurrences(stream)
    skew = {"fast": timedelta(hours=1), "slow": timedelta(minutes=-2)}
    lines = _landed(tmp_path, stream)
    server = [line for line in lines if line["channel"] == "server"]
    browser = [line for line in lines if line["channel"] == "web"]
    assert server and browser
    for line in server:
        assert _time(line["originalTimestamp"]) == occurred[line["messageId"]]
        assert _time(line["sentAt"]) <= _time(line["receivedAt"])
    for line in browser:
        device = skew[line["anonymousId"]]
        assert _time(line["originalTimestamp"]) == occurred[line["messageId"]] + device
        sent_at_true = _time(line["sentAt"]) - device  # when it left, on the server's clock
        assert timedelta(0) <= _time(line["receivedAt"]) - sent_at_true <= timedelta(seconds=0.502)
