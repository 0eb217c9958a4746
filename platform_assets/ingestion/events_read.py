"""Parse event-stream batch files into the temp table ``_batch``, one row per line.

DuckDB parses the files (``read_ndjson_objects`` + ``json_transform`` to the fields the loader
reads): one call for all the files, and only when that fails, one call per file to find the
bad ones, which are returned with what is wrong so the loader can quarantine them. Whether a
parsed line is *loadable* is ``events_quarantine``'s question, not this module's.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import duckdb


def _text(*keys: str) -> dict[str, str]:
    return dict.fromkeys(keys, "VARCHAR")


PAYLOAD: dict = {
    **_text("type", "messageId", "anonymousId", "userId", "channel", "event", "name"),
    "properties": "JSON",
    "traits": "JSON",
    "context": {
        "ip": "VARCHAR",
        "library": _text("name", "version"),
        "userAgent": "VARCHAR",
        "page": _text("url", "path", "referrer", "search", "title"),
        "campaign": _text("source", "medium", "name", "content", "term"),
    },
    **_text("originalTimestamp", "sentAt", "receivedAt", "timestamp"),
}
"""The payload fields the loader reads (RudderStack's event spec) as a ``json_transform``
structure; other keys are ignored, a missing or wrongly typed key reads as null."""


def _sql_type(structure: dict | str) -> str:
    if isinstance(structure, str):
        return structure
    return "STRUCT(" + ", ".join(f'"{k}" {_sql_type(v)}' for k, v in structure.items()) + ")"


def _utc(field: str) -> str:
    return f"timezone('UTC', try_cast(p.\"{field}\" as timestamptz))"


# The parsed payload as the loader keeps it: (column, type, SQL over the transformed line p).
_BATCH: tuple[tuple[str, str, str], ...] = (
    ("_file", "VARCHAR", "filename"),
    ("type", "VARCHAR", 'p."type"'),
    ("id", "VARCHAR", 'p."messageId"'),
    ("anonymous_id", "VARCHAR", 'p."anonymousId"'),
    ("user_id", "VARCHAR", 'p."userId"'),
    ("channel", "VARCHAR", "p.channel"),
    ("event", "VARCHAR", "p.event"),
    ("event_name", "VARCHAR", "lower(regexp_replace(trim(p.event), '[^A-Za-z0-9]+', '_', 'g'))"),
    ("name", "VARCHAR", "p.name"),
    ("properties", "JSON", "p.properties"),
    ("traits", "JSON", "p.traits"),
    ("context", _sql_type(PAYLOAD["context"]), "p.context"),
    ("received_at_text", "VARCHAR", 'p."receivedAt"'),
    ("original_timestamp", "TIMESTAMP", _utc("originalTimestamp")),
    ("sent_at", "TIMESTAMP", _utc("sentAt")),
    ("received_at", "TIMESTAMP", _utc("receivedAt")),
    ("timestamp", "TIMESTAMP", _utc("timestamp")),
)


def read_batch(con: duckdb.DuckDBPyConnection, files: list[Path]) -> dict[str, list[str]]:
    """Parse ``files`` into temp table ``_batch``; return the files DuckDB could not parse."""
    columns = ", ".join(f'"{name}" {kind}' for name, kind, _ in _BATCH)
    con.execute(f"create or replace temp table _raw ({columns})")
    failed: dict[str, list[str]] = {}
    try:
        _append(con, [str(f) for f in files])
    except duckdb.Error:
        for file in files:
            try:
                _append(con, [str(file)])
            except duckdb.Error as exc:
                failed[str(file)] = [_diagnose(file) or str(exc).splitlines()[0]]
    # Inserts keep file order and line order, so a row's position in its file is its line.
    con.execute(
        "create or replace temp table _batch as "
        "select *, row_number() over (partition by _file order by rowid) as _line from _raw"
    )
    con.execute("drop table _raw")
    return failed


def _diagnose(file: Path) -> str | None:
    """Say exactly where a file DuckDB refused goes wrong (its messages can point a line late).

    Only runs on files that already failed, so a Python pass over them costs nothing normally.
    """
    try:
        text = gzip.decompress(file.read_bytes())
    except (OSError, EOFError, zlib.error) as exc:
        return f"not a complete gzip file: {exc}"
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            payload = json.loads(line)
        except ValueError as exc:
            return f"line {number}: invalid JSON: {exc}"
        if not isinstance(payload, dict):
            return f"line {number}: not a JSON object"
    return None


def _append(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    if not files:
        return
    select = ", ".join(sql for _, _, sql in _BATCH)
    # read_ndjson_objects + json_transform: as fast as read_json's auto-detection (a declared
    # read_json schema measured 2x slower) and lenient about keys a payload lacks.
    con.execute(
        f"insert into _raw select {select} from ("
        "select filename, json_transform(json, $payload) as p "
        "from read_ndjson_objects($files, filename = true))",
        {"files": files, "payload": json.dumps(PAYLOAD)},
    )
