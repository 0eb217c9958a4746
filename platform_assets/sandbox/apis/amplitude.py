"""A fake of Amplitude's Export API over ``src_amplitude``.

``GET /api/2/export?start=YYYYMMDDTHH&end=YYYYMMDDTHH`` (below ``/amplitude``) answers, as the
real one, with a zip archive holding one gzipped NDJSON file per hour that has events, named
``{project_id}/{project_id}_{YYYY-MM-DD}_{H}#0.json.gz``; hours are by ``server_upload_time``
and both ends are inclusive. No events in the range → 404; a malformed or reversed range, or one
longer than 365 days → 400. Amplitude only exports an hour once it has finished loading it, so
the fake serves an hour once the world clock has passed its end.

Auth is HTTP Basic ``{api_key}:{secret_key}``. Amplitude publishes no request limit for this
endpoint; the sandbox allows 60 requests a minute.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from datetime import datetime, timedelta
from typing import Any

from platform_assets.sandbox.fakeapi import (
    ApiRequest,
    ApiResponse,
    FakeApi,
    RateLimit,
    Route,
    basic_credential,
)
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.amplitude import PROJECT_ID, SCHEMA

HOUR_FORMAT = "%Y%m%dT%H"
MAX_RANGE = timedelta(days=365)
HOUR = timedelta(hours=1)


def amplitude_time(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def event_json(row: dict[str, Any]) -> dict[str, Any]:
    """One event as the Export API writes it."""
    return {
        "$insert_id": row["insert_id"],
        "$schema": 12,
        "adid": None,
        "amplitude_attribution_ids": None,
        "amplitude_event_type": None,
        "amplitude_id": row["amplitude_id"],
        "app": PROJECT_ID,
        "city": None,
        "client_event_time": amplitude_time(row["client_event_time"]),
        "client_upload_time": amplitude_time(row["client_upload_time"]),
        "country": row["country"],
        "data": {},
        "data_type": "event",
        "device_brand": None,
        "device_carrier": None,
        "device_family": None,
        "device_id": row["device_id"],
        "device_manufacturer": None,
        "device_model": None,
        "device_type": None,
        "dma": None,
        "event_id": row["event_id"],
        "event_properties": json.loads(row["event_properties"]),
        "event_time": amplitude_time(row["event_time"]),
        "event_type": row["event_type"],
        "global_user_properties": {},
        "group_properties": {},
        "groups": {},
        "idfa": None,
        "ip_address": None,
        "is_attribution_event": False,
        "language": "English",
        "library": "amplitude-ts/2.11.0",
        "location_lat": None,
        "location_lng": None,
        "os_name": None,
        "os_version": None,
        "paying": None,
        "platform": row["platform"],
        "processed_time": amplitude_time(row["server_upload_time"]),
        "region": None,
        "server_received_time": amplitude_time(row["server_received_time"]),
        "server_upload_time": amplitude_time(row["server_upload_time"]),
        "session_id": row["session_id"],
        "start_version": None,
        "user_creation_time": None,
        "user_id": row["user_id"],
        "user_properties": json.loads(row["user_properties"]),
        "uuid": row["uuid"],
        "version_name": None,
    }


def export_archive(rows: list[dict[str, Any]]) -> bytes:
    """The zip of per-hour gzipped NDJSON files for ``rows`` (ordered by upload time)."""
    hours: dict[datetime, list[str]] = {}
    for row in rows:
        hour = row["server_upload_time"].replace(minute=0, second=0, microsecond=0)
        hours.setdefault(hour, []).append(json.dumps(event_json(row), separators=(",", ":")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for hour, lines in hours.items():
            name = f"{PROJECT_ID}/{PROJECT_ID}_{hour:%Y-%m-%d}_{hour.hour}#0.json.gz"
            info = zipfile.ZipInfo(
                name, date_time=(hour.year, hour.month, hour.day, hour.hour, 0, 0)
            )
            payload = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
            archive.writestr(info, payload)
    return buffer.getvalue()


class AmplitudeApi(FakeApi):
    name = "amplitude"
    rate_limit = RateLimit(requests=60, per_seconds=60.0)

    def routes(self) -> list[Route]:
        return [Route("GET", r"/api/2/export", self.export)]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        return basic_credential(request) == credential

    def error(self, status: int, message: str) -> ApiResponse:
        return ApiResponse(status=status, body=message, content_type="text/plain")

    def export(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        try:
            start = datetime.strptime(request.arg("start") or "", HOUR_FORMAT)
            end = datetime.strptime(request.arg("end") or "", HOUR_FORMAT)
        except ValueError:
            return self.error(400, "start and end must be hours of the form YYYYMMDDTHH")
        if end < start or end - start > MAX_RANGE:
            return self.error(400, "end must not precede start, and the range is 365 days at most")
        # an hour is exported once it is complete: its end is at or before the clock
        until = min(end + HOUR, store.clock().replace(minute=0, second=0, microsecond=0))
        rows = store.query(
            f"""
            select * from {SCHEMA}.events
            where server_upload_time >= ? and server_upload_time < ?
            order by server_upload_time, event_id
            """,
            [start, until],
        )
        if not rows:
            return self.error(404, "No data available for the requested time range")
        return ApiResponse(
            body=export_archive(rows), content_type="application/zip", rows=len(rows)
        )


API = AmplitudeApi()
