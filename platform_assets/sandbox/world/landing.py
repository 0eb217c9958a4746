"""The event stream as a CDP's object-storage destination writes it: NDJSON.gz batch files.

RudderStack (or Segment) with an S3/GCS destination writes what its SDKs sent, one file per
source per hour of *receipt*. Here the world's ``core.pageviews``, ``core.track_events`` and
``core.identifies`` become RudderStack payloads under::

    <landing_dir>/<source>/YYYY/MM/DD/HH.ndjson.gz

with two sources: ``website`` (the JavaScript SDK: page, identify and browser-side track calls)
and ``backend`` (server-side track calls of :data:`BACKEND_EVENTS`, no browser context).

What the files keep from the world, on purpose: a duplicated delivery (same message id twice)
is two lines; a late event lands in the hour it was received, not the hour it happened; the
client clock skew of the device shows in ``originalTimestamp``/``sentAt`` (both read on the
device's clock; ``sentAt`` is when the device sent it, just before receipt, however late) while
``timestamp`` is RudderStack's skew-corrected time, ``receivedAt - (sentAt -
originalTimestamp)``: the occurrence time on the server's clock, give or take the network
latency, late events included. Server-side events run on the backend's clock: no skew.

Only hours complete at ``until`` are written, an hour already on disk is never rewritten (a
complete hour cannot change: lateness moves an event to a later hour, never into an old one),
and the same world gives byte-identical files (gzip mtime 0, fixed key order, ordered lines).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

BACKEND_EVENTS = ("signed_up", "trial_started", "workspace_created")
"""Track events the product's backend sends server-side; every other event comes from the site."""

FILE_SUFFIX = ".ndjson.gz"

_JS_LIBRARY = "{'name': 'RudderLabs JavaScript SDK', 'version': '3.7.2'}"
_SERVER_LIBRARY = "{'name': 'rudder-sdk-python', 'version': '2.1.4'}"
_FETCH_BATCH = 20_000


def hour_file(landing_dir: Path, source: str, hour: datetime) -> Path:
    """Where the batch of ``source`` received during ``hour`` lives."""
    return Path(landing_dir) / source / f"{hour:%Y/%m/%d/%H}{FILE_SUFFIX}"


def _iso(column: str) -> str:
    return f"strftime({column}, '%Y-%m-%dT%H:%M:%S.%gZ')"


def _timing(original: str) -> str:
    """The four RudderStack timestamps, given the SQL for the client's original timestamp."""
    return f"""
        'originalTimestamp': {_iso(original)},
        'sentAt': {_iso("e.sent_at")},
        'receivedAt': {_iso("e.received_at")},
        'timestamp': {_iso(f"e.received_at - (e.sent_at - ({original}))")},
    """


_CAMPAIGN = """
    {'source': s.utm_source, 'medium': s.utm_medium, 'name': s.utm_campaign,
     'content': s.utm_content, 'term': s.utm_term}
"""

_BROWSER = f"""
    'ip': d.ip,
    'library': {_JS_LIBRARY},
    'userAgent': d.user_agent,
"""

_SKEWED = "e.occurred_at + to_seconds(coalesce(d.clock_skew_seconds, 0))"

# One SELECT per payload shape: (source, received_at, message_id, line). Each builds a struct
# whose key order is the file's key order, so to_json is stable byte for byte.
_PAYLOADS = f"""
with device as (
    select
        anonymous_id,
        clock_skew_seconds,
        'Mozilla/5.0 (' || coalesce(os, 'unknown') || '; ' || coalesce(device_type, 'unknown')
            || ') ' || coalesce(browser, 'unknown') as user_agent,
        concat_ws('.', 11 + ('0x' || substr(h, 1, 2))::integer % 200,
            ('0x' || substr(h, 3, 2))::integer, ('0x' || substr(h, 5, 2))::integer,
            1 + ('0x' || substr(h, 7, 2))::integer % 254) as ip,
    from (select *, md5(anonymous_id) as h from core.devices)
    qualify row_number() over (partition by anonymous_id order by person_id) = 1
),

pages as (
    select 'website' as source, e.received_at, e.message_id, to_json({{
        'type': 'page',
        'messageId': e.message_id,
        'anonymousId': e.anonymous_id,
        'userId': e.user_id,
        'channel': 'web',
        'name': e.title,
        'properties': {{'url': e.url, 'path': e.path, 'referrer': e.referrer,
                        'search': e.search, 'title': e.title}},
        'context': {{
            {_BROWSER}
            'page': {{'url': e.url, 'path': e.path, 'referrer': e.referrer,
                      'search': e.search, 'title': e.title}},
            'campaign': {_CAMPAIGN},
        }},
        {_timing(_SKEWED)}
    }}) as line
    from core.pageviews as e
    left join device as d on d.anonymous_id = e.anonymous_id
    left join core.sessions as s on s.session_id = e.session_id
),

web_tracks as (
    select 'website' as source, e.received_at, e.message_id, to_json({{
        'type': 'track',
        'messageId': e.message_id,
        'anonymousId': e.anonymous_id,
        'userId': e.user_id,
        'channel': 'web',
        'event': e.event,
        'properties': coalesce(e.properties, '{{}}')::json,
        'context': {{
            {_BROWSER}
            'campaign': {_CAMPAIGN},
        }},
        {_timing(_SKEWED)}
    }}) as line
    from core.track_events as e
    left join device as d on d.anonymous_id = e.anonymous_id
    left join core.sessions as s on s.session_id = e.session_id
    where e.event not in {BACKEND_EVENTS}
),

server_tracks as (
    select 'backend' as source, e.received_at, e.message_id, to_json({{
        'type': 'track',
        'messageId': e.message_id,
        'anonymousId': e.anonymous_id,
        'userId': e.user_id,
        'channel': 'server',
        'event': e.event,
        'properties': coalesce(e.properties, '{{}}')::json,
        'context': {{'library': {_SERVER_LIBRARY}}},
        {_timing("e.occurred_at")}
    }}) as line
    from core.track_events as e
    where e.event in {BACKEND_EVENTS}
),

identifies as (
    select 'website' as source, e.received_at, e.message_id, to_json({{
        'type': 'identify',
        'messageId': e.message_id,
        'anonymousId': e.anonymous_id,
        'userId': e.user_id,
        'channel': 'web',
        'traits': coalesce(e.traits, '{{}}')::json,
        'context': {{
            {_BROWSER}
        }},
        {_timing(_SKEWED)}
    }}) as line
    from core.identifies as e
    left join device as d on d.anonymous_id = e.anonymous_id
)

select source, date_trunc('hour', received_at) as hour, received_at, message_id, line
from (
    select * from pages
    union all select * from web_tracks
    union all select * from server_tracks
    union all select * from identifies
)
"""


def _utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def write_landing_files(con: duckdb.DuckDBPyConnection, landing_dir: Path, until: datetime) -> int:
    """Write every missing hourly batch file complete at ``until``; return how many were written.

    ``con`` is a connection to the world file (schema ``core``). Files are written to a temporary
    name and renamed, so a reader never sees half a batch.
    """
    landing_dir = Path(landing_dir)
    cutoff = _utc_naive(until).replace(minute=0, second=0, microsecond=0)
    con.execute(f"create or replace temp view _landing_payloads as {_PAYLOADS}")
    hours = con.execute(
        "select distinct source, hour from _landing_payloads where received_at < ? "
        "order by source, hour",
        [cutoff],
    ).fetchall()
    todo = [(s, h) for s, h in hours if not hour_file(landing_dir, s, h).exists()]
    if not todo:
        return 0
    con.register(
        "_landing_todo",
        pa.table({"source": [s for s, _ in todo], "hour": [h for _, h in todo]}),
    )
    try:
        cursor = con.execute(
            """
            select p.source, p.hour, p.line
            from _landing_payloads as p
            semi join _landing_todo as t on t.source = p.source and t.hour = p.hour
            where p.received_at < ?
            order by p.source, p.hour, p.received_at, p.message_id, p.line
            """,
            [cutoff],
        )
        written = 0
        for source, hour, lines in _batches(cursor):
            _write_atomically(hour_file(landing_dir, source, hour), lines)
            written += 1
    finally:
        con.unregister("_landing_todo")
    return written


def _batches(cursor: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, datetime, list[str]]]:
    """Group an ordered (source, hour, line) stream into one list of lines per file."""
    key: tuple[str, datetime] | None = None
    lines: list[str] = []
    while rows := cursor.fetchmany(_FETCH_BATCH):
        for source, hour, line in rows:
            if (source, hour) != key:
                if key is not None:
                    yield key[0], key[1], lines
                key, lines = (source, hour), []
            lines.append(line)
    if key is not None:
        yield key[0], key[1], lines


def _write_atomically(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6, mtime=0)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
