"""Amplitude end to end on a hand-made world: the projection, the Export API over real HTTP
(zip of hourly gzipped NDJSON, 404 when empty) and the hourly incremental ingestion.

Seven product events (times in 2026, UTC). Amplitude files an event under the hour it was
uploaded (2-8 s after it happened), so event 3 at Jan 31 23:59:58 belongs to Feb 1 hour 00.
At ``T0`` (Feb 1 12:00) the complete hours hold events 1-4; by ``T1`` (a day later) events 5 and
6 too; event 7 is uploaded at Feb 2 12:00:0x, in an hour not complete at T1.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb
import pytest
import requests

from platform_assets.ingestion.amplitude import EVENT_COLUMNS, amplitude_source, connector_options
from platform_assets.ingestion.dlt_support import run_source
from platform_assets.sandbox.apis import amplitude as amplitude_api
from platform_assets.sandbox.server import SandboxServer, request_log
from platform_assets.sandbox.world.sources import amplitude
from platform_assets.settings import WORLD_START, Settings, SettingsError, load_settings
from tests.sources import harness

T0 = datetime(2026, 2, 1, 12, 0)
T1 = datetime(2026, 2, 2, 12, 0)
AUTH = ("amp-key-roundtrip", "amp-secret-roundtrip")
PROPS = '{"plan": "team"}'
EVENTS = [
    (1, 1, "u1", "d1", "login", "2026-01-31 09:10:00", 1769850600000, "Web", "US", PROPS),
    (2, 1, "u1", "d1", "create_report", "2026-01-31 09:40:00", 1769850600000, "Web", "US", None),
    (3, 2, "u2", "d2", "login", "2026-01-31 23:59:58", 1769903998000, "iOS", "DE", None),
    (4, 2, "u2", "d2", "invite_sent", "2026-02-01 11:20:00", 1769944800000, "iOS", "DE", None),
    (5, 1, "u1", "d1", "login", "2026-02-01 12:10:00", 1769947800000, "Web", "US", None),
    (6, 3, "u3", "d3", "login", "2026-02-02 08:00:00", 1770019200000, "Web", "FR", None),
    (7, 3, "u3", "d3", "login", "2026-02-02 11:59:59", 1770033599000, "Web", "FR", None),
]


def make_world(home: Path, clock: datetime = T0) -> Path:
    """The world file under ``home/sandbox``, projected for Amplitude, its clock at ``clock``."""
    return harness.make_world(home, {"product_events": EVENTS}, [amplitude.project], clock)


server = harness.server_fixture(make_world, amplitude_api.API)


def export(server: SandboxServer, start: str, end: str, auth=AUTH) -> requests.Response:
    url = f"{server.url}/amplitude/api/2/export"
    return requests.get(url, params={"start": start, "end": end}, auth=auth, timeout=5)


def test_projection_files_events_by_upload_hour(tmp_path: Path) -> None:
    con = duckdb.connect(str(make_world(tmp_path)))
    rows = con.execute(
        "select event_id, date_trunc('hour', server_upload_time), uuid from src_amplitude.events"
    ).fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert rows[2][1] == datetime(2026, 2, 1, 0)  # uploaded after midnight
    assert rows[6][1] == datetime(2026, 2, 2, 12)
    assert len({r[2] for r in rows}) == 7 and all(len(r[2]) == 36 for r in rows)


def test_export_is_a_zip_of_complete_hours(server: SandboxServer) -> None:
    response = export(server, "20260131T00", "20260202T23")
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    files = {
        name: [json.loads(line) for line in gzip.decompress(archive.read(name)).splitlines()]
        for name in archive.namelist()
    }
    # hour 12 of Feb 1 (event 5) is not complete at the clock: not exported yet
    assert {name: [e["event_id"] for e in events] for name, events in files.items()} == {
        "187520/187520_2026-01-31_9#0.json.gz": [1, 2],
        "187520/187520_2026-02-01_0#0.json.gz": [3],
        "187520/187520_2026-02-01_11#0.json.gz": [4],
    }
    first = files["187520/187520_2026-01-31_9#0.json.gz"][0]
    assert first["event_properties"] == {"plan": "team"}
    assert first["event_time"] == "2026-01-31 09:10:00.000000"
    assert (first["user_id"], first["device_id"], first["session_id"]) == (
        "u1",
        "d1",
        1769850600000,
    )
    assert request_log(server.url, "amplitude")["rows"] == 4


def test_export_errors(server: SandboxServer) -> None:
    assert export(server, "20260201T12", "20260201T23").status_code == 404  # nothing complete
    assert export(server, "2026-02-01", "20260201T23").status_code == 400
    assert export(server, "20260201T12", "20260101T00").status_code == 400
    assert export(server, "20250101T00", "20260201T00").status_code == 400  # over 365 days
    assert export(server, "20260131T00", "20260131T23", auth=None).status_code == 401
    assert export(server, "20260131T00", "20260131T23", auth=("a", "b")).status_code == 401


def load(settings: Settings, server: SandboxServer) -> int:
    """Rows the Export API served for one run of the source, from 20 Jan on."""
    source = partial(amplitude_source, first_hour=datetime(2026, 1, 20))
    return harness.load(settings, server, "amplitude", source)["rows"]


def test_hourly_incremental_ingestion(tmp_path: Path, server: SandboxServer) -> None:
    settings = harness.warehouse_settings(tmp_path / "home", server)
    assert load(settings, server) == 4
    columns = {r[0] for r in harness.query(settings, "describe raw_amplitude.event")}
    assert set(EVENT_COLUMNS) <= columns
    first = harness.query(
        settings,
        "select id, event_type, user_id, event_time, event_properties, session_id "
        "from raw_amplitude.event order by event_time",
    )
    assert [r[1] for r in first] == ["login", "create_report", "login", "invite_sent"]
    assert first[0][0].startswith("187520_") and json.loads(first[0][4]) == {"plan": "team"}

    assert load(settings, server) == 0  # the cursor is past every complete hour
    server.store.set_clock(T1)
    assert load(settings, server) == 2  # events 5 and 6; event 7's hour is still open
    assert harness.query(
        settings, "select count(*), count(distinct id) from raw_amplitude.event"
    ) == [(6, 6)]


def test_a_first_sync_starts_at_the_configured_hour_however_late_it_runs(
    tmp_path: Path, server: SandboxServer
) -> None:
    """A year and more after the world began, a first sync still reads it from its start (a
    window before the wall clock would start in 2026-06 and find nothing)."""
    assert load_settings(env={}).amplitude_start == WORLD_START == datetime(2026, 1, 1)
    late = partial(amplitude_source, now=lambda: datetime(2027, 6, 1, tzinfo=UTC))
    settings = harness.warehouse_settings(tmp_path / "home", server)
    log = harness.load(settings, server, "amplitude", late)
    assert log["rows"] == 4
    assert min(entry["query"] for entry in log["entries"]).startswith("start=20260101T00&")


def test_the_first_hour_comes_from_the_settings(tmp_path: Path, server: SandboxServer) -> None:
    settings = load_settings(
        env={
            "ROUNDTRIP_HOME": str(tmp_path / "home"),
            "ROUNDTRIP_SANDBOX_PORT": str(server.port),
            "ROUNDTRIP_AMPLITUDE_START": "2026-02-01T00:00:00+00:00",
        }
    )
    assert connector_options(settings) == {"first_hour": datetime(2026, 2, 1)}
    run_source(settings, "amplitude", amplitude_source, connector_options)
    assert harness.query(settings, "select count(*) from raw_amplitude.event") == [(2,)]  # 3, 4
    with pytest.raises(SettingsError, match="ROUNDTRIP_AMPLITUDE_START='last year'"):
        load_settings(env={"ROUNDTRIP_AMPLITUDE_START": "last year"})
