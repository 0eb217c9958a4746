"""Amplitude's view of the world: product events of people who signed up, as its Export API
returns them (one JSON object per event, Amplitude's own field names).

Events are immutable, so there is one row per event and no versions. Amplitude files an event
under the hour it was *uploaded* to its servers (``server_upload_time``), a few seconds after it
happened; the Export API slices by that hour. ``uuid`` and ``$insert_id`` are derived from the
core event id, so the same world always yields the same ids.
"""

from __future__ import annotations

import duckdb

SCHEMA = "src_amplitude"
PROJECT_ID = 187520
AMPLITUDE_ID_BASE = 500_000_000_000


def project(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``src_amplitude`` from ``core`` in the world file, deterministically."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"""
        create or replace table {SCHEMA}.events as
        with hashed as (
            select *, md5('amplitude-event-' || event_id) as h,
            from core.product_events
        )

        select
            event_id,
            substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-a'
                || substr(h, 18, 3) || '-' || substr(h, 21, 12) as uuid,
            'ins-' || substr(h, 1, 24) as insert_id,
            {AMPLITUDE_ID_BASE} + person_id as amplitude_id,
            user_id,
            device_id,
            event_type,
            occurred_at as event_time,
            occurred_at as client_event_time,
            occurred_at + to_seconds(1 + event_id % 5) as client_upload_time,
            occurred_at + to_seconds(2 + event_id % 7) as server_received_time,
            occurred_at + to_seconds(2 + event_id % 7) as server_upload_time,
            amplitude_session_id as session_id,
            platform,
            country,
            coalesce(event_properties, '{{}}') as event_properties,
            json_object('country', country, 'platform', platform) as user_properties,
        from hashed
        order by server_upload_time, event_id
        """
    )
