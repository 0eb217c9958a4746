"""Amplitude → ``raw_amplitude.event``: product events, from Amplitude's Export API.

The Export API answers a range of hours with a zip of per-hour gzipped NDJSON files (404 when
the range holds no data), so this is a plain dlt resource, not a REST config: it asks for the
hours from its cursor up to now in 30-day windows, unzips, and lands Fivetran's ``event`` table
shape (``dbt_amplitude_source`` columns, declared in full so always-null ones exist).

A first sync starts at ``ROUNDTRIP_AMPLITUDE_START`` (default: the sandbox world's first day),
not at a span before the wall clock, which would silently drop history as time passes.
Timestamps land as naive UTC (the Export API's times are UTC).

Incremental by hour: Amplitude only exports hours it has finished loading, so every hour before
the newest one that came back is complete. The cursor (dlt resource state, kept in the warehouse
with the load) moves to the hour after the newest hour loaded; a re-run asks only from there and
gets a 404, i.e. nothing. Rows merge on ``id``, so an event exported twice lands once.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import HttpBasicAuth

from platform_assets.ingestion.dlt_support import build_source_assets, column_hints, synced_now
from platform_assets.settings import WORLD_START, Settings

SOURCE = "amplitude"
HOUR = timedelta(hours=1)
WINDOW = timedelta(days=30)
HOUR_FORMAT = "%Y%m%dT%H"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

_TYPES = {
    "timestamp": """_fivetran_synced client_event_time client_upload_time event_time
        processed_time server_received_time server_upload_time user_creation_time""",
    "bigint": "amplitude_id event_type_id schema session_id",
    "bool": "is_attribution_event paying",
    "json": "data event_properties group_properties groups user_properties",
    "text": """id _insert_id ad_id amplitude_event_type app city country device_brand
        device_carrier device_family device_id device_manufacturer device_model device_type dma
        event_type idfa ip_address language library location_lat location_lng os_name
        os_version platform project_name region start_version user_id uuid version_name""",
}
EVENT_COLUMNS: TTableSchemaColumns = column_hints(
    {name: data_type for data_type, names in _TYPES.items() for name in names.split()}
)
DESCRIPTIONS = {
    "event": "Amplitude events, one row per event (Fivetran's `event`), from the Export API.",
}

# Fivetran column → the Export API's field, where the names differ.
_RENAMED = {"_insert_id": "$insert_id", "ad_id": "adid", "schema": "$schema"}


def hour_of(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def event_row(event: dict[str, Any], synced: datetime) -> dict[str, Any]:
    """One exported event → one raw ``event`` row."""
    row = {name: event.get(_RENAMED.get(name, name)) for name in EVENT_COLUMNS}
    for name, column in EVENT_COLUMNS.items():
        if column["data_type"] == "timestamp" and isinstance(row[name], str):
            row[name] = datetime.strptime(row[name], TIME_FORMAT)
    row["app"] = row["project_name"] = str(event["app"])
    row["id"] = f"{event['app']}_{event['uuid']}"
    row["_fivetran_synced"] = synced
    return row


def read_archive(content: bytes) -> Iterator[dict[str, Any]]:
    """The events of an export zip, file by file (the files are per hour, in order)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in sorted(archive.namelist()):
            for line in gzip.decompress(archive.read(name)).splitlines():
                if line.strip():
                    yield json.loads(line)


@dlt.source(name=SOURCE, max_table_nesting=0)
def amplitude_source(
    base_url: str,
    credential: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    first_hour: datetime = WORLD_START,
) -> Any:
    """Amplitude's events from the Export API at ``base_url``.

    ``credential`` is ``{api_key}:{secret_key}``. A first sync starts at ``first_hour`` (naive
    UTC); ``now`` bounds the hours asked for (more are asked for as long as windows keep
    returning data, so a world clock ahead of the wall clock is still read).
    """
    api_key, _, secret_key = credential.partition(":")
    client = RESTClient(base_url=base_url.rstrip("/"), auth=HttpBasicAuth(api_key, secret_key))
    synced = synced_now()

    @dlt.resource(name="event", primary_key="id", write_disposition="merge", columns=EVENT_COLUMNS)
    def event() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.resource_state()
        current = now().astimezone(UTC).replace(tzinfo=None)
        default_start = hour_of(first_hour)
        start = datetime.strptime(
            state.get("next_hour", f"{default_start:{HOUR_FORMAT}}"), HOUR_FORMAT
        )
        while True:
            end = start + WINDOW - HOUR
            params = {"start": f"{start:{HOUR_FORMAT}}", "end": f"{end:{HOUR_FORMAT}}"}
            response = client.get("/api/2/export", params=params)
            rows = []
            if response.status_code != 404:  # 404: no data in the range
                response.raise_for_status()
                rows = [event_row(e, synced) for e in read_archive(response.content)]
            if rows:
                yield rows
                newest = max(hour_of(r["server_upload_time"]) for r in rows)
                state["next_hour"] = f"{newest + HOUR:{HOUR_FORMAT}}"
            elif end >= current:
                return
            start = end + HOUR

    return event


def connector_options(settings: Settings) -> Mapping[str, Any]:
    """What the connector takes from the settings besides its URL and key pair."""
    return {"first_hour": settings.amplitude_start}


amplitude_assets = build_source_assets(
    SOURCE, amplitude_source, DESCRIPTIONS, options=connector_options
)
