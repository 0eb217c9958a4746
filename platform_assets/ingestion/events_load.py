"""Load event-stream landing files into ``raw_events`` by received day, RudderStack's way.

A CDP's object-storage destination writes NDJSON.gz batches under
``<landing>/<source>/YYYY/MM/DD/HH.ndjson.gz`` (the hour the events were *received*). This
module turns a range of received days of them into RudderStack's warehouse schema: ``pages``,
``tracks``, ``identifies``, ``users`` (latest traits per user id) and one table per tracked
event with its properties as columns, using RudderStack's column names (``id``, ``anonymous_id``,
``context_*`` flattened, ``original_timestamp``, ``sent_at``, ``received_at``, ``timestamp``,
``uuid_ts``, ``event``, ``event_text``).

Plain Python and DuckDB, no Dagster (the asset in ``events.py`` wraps it; the bench calls it).
The rules:

- DuckDB parses the files (``read_ndjson_objects`` + ``json_transform`` to the fields it
  reads): one call for all the files, and only when that fails, one call per file to find the
  bad ones.
- A malformed file (bad gzip, bad JSON, a line without its required fields) is moved to the
  quarantine folder with ``<file>.reason.txt`` naming the lines and what was wrong; the rest of
  the days load.
- Rows are deduplicated on message id, within the load and against other days already loaded.
- The days are replaced in one transaction, so re-running them changes nothing and a failure
  leaves the previous state. A backfill of many days is one load (one read, one transaction).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

SCHEMA = "raw_events"
FILE_SUFFIX = ".ndjson.gz"

EVENT_PROPERTIES: dict[str, dict[str, str]] = {
    "signed_up": {"plan": "VARCHAR"},
    "demo_requested": {"form": "VARCHAR"},
    "trial_started": {"trial_days": "BIGINT"},
    "workspace_created": {"workspace_id": "VARCHAR"},
    "nps_survey_submitted": {"score": "BIGINT"},
}
"""Track events with a table of their own → the property columns that always exist (staging
selects them). Any other property a payload carries becomes a column when it first appears."""

IDENTIFY_TRAITS: dict[str, str] = {
    "email": "VARCHAR",
    "first_name": "VARCHAR",
    "last_name": "VARCHAR",
    "title": "VARCHAR",
    "company": "VARCHAR",
}
"""Trait columns of ``identifies``/``users`` that always exist; other traits are added on sight."""

TABLES = ("pages", "tracks", "identifies", "users", *EVENT_PROPERTIES)
"""Every table this loader writes in ``raw_events``."""

# What RudderStack lands on every event table, in order: (column, type, SQL over _batch).
_COMMON: tuple[tuple[str, str, str], ...] = (
    ("id", "VARCHAR", "id"),
    ("anonymous_id", "VARCHAR", "anonymous_id"),
    ("user_id", "VARCHAR", "user_id"),
    ("channel", "VARCHAR", "channel"),
    ("context_ip", "VARCHAR", "context.ip"),
    ("context_library_name", "VARCHAR", "context.library.name"),
    ("context_library_version", "VARCHAR", "context.library.version"),
    ("context_user_agent", "VARCHAR", 'context."userAgent"'),
    ("context_page_url", "VARCHAR", "context.page.url"),
    ("context_page_path", "VARCHAR", "context.page.path"),
    ("context_page_referrer", "VARCHAR", "context.page.referrer"),
    ("context_page_search", "VARCHAR", "context.page.search"),
    ("context_page_title", "VARCHAR", "context.page.title"),
    ("context_campaign_source", "VARCHAR", "context.campaign.source"),
    ("context_campaign_medium", "VARCHAR", "context.campaign.medium"),
    ("context_campaign_name", "VARCHAR", "context.campaign.name"),
    ("context_campaign_content", "VARCHAR", "context.campaign.content"),
    ("context_campaign_term", "VARCHAR", "context.campaign.term"),
    ("original_timestamp", "TIMESTAMP", "original_timestamp"),
    ("sent_at", "TIMESTAMP", "sent_at"),
    ("received_at", "TIMESTAMP", "received_at"),
    ("timestamp", "TIMESTAMP", "coalesce(timestamp, received_at)"),
    ("uuid_ts", "TIMESTAMP", "$uuid_ts"),
)
_PAGE = tuple(
    (name, "VARCHAR", f"coalesce(properties ->> '$.{name}', context.page.{name})")
    for name in ("url", "path", "referrer", "search", "title")
)
_TRACK = (("event", "VARCHAR", "event_name"), ("event_text", "VARCHAR", "event"))


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

# Why a line cannot be loaded (null when it can). A batch file holds one hour of receipts.
_PROBLEM = """
    case
        when coalesce(id, '') = '' then 'missing messageId'
        when type is null then 'missing type'
        when type not in ('page', 'track', 'identify') then 'unknown type ' || type
        when received_at_text is null then 'missing receivedAt'
        when received_at is null then 'receivedAt is not a timestamp: ' || received_at_text
        when date_trunc('hour', received_at) != strptime(
                regexp_extract(_file, '([0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2})[.]ndjson[.]gz$', 1),
                '%Y/%m/%d/%H'
            )
            then 'receivedAt ' || received_at_text || ' is not in the hour of its file'
        when anonymous_id is null and user_id is null then 'neither anonymousId nor userId'
        when type = 'track' and coalesce(event, '') = '' then 'track without event'
    end
"""

_MAX_REASONS = 20


@dataclass
class LoadReport:
    """What a load of received days ``first``..``last`` did: the run metadata the asset reports."""

    first: date
    last: date
    files_loaded: int = 0
    rows_read: int = 0
    duplicates_dropped: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, str] = field(default_factory=dict)  # file → reason


def day_files(landing_dir: Path, first: date, last: date) -> list[Path]:
    """Every batch file received on days ``first``..``last`` (UTC), in a stable order."""
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return sorted(
        file for day in days for file in Path(landing_dir).glob(f"*/{day:%Y/%m/%d}/*{FILE_SUFFIX}")
    )


def landed_days(landing_dir: Path) -> list[date]:
    """Received days that have at least one batch file (what a sensor turns into partitions)."""
    days = {
        date(int(p.parts[-4]), int(p.parts[-3]), int(p.parts[-2]))
        for p in Path(landing_dir).glob(f"*/[0-9]*/[0-9]*/[0-9]*/*{FILE_SUFFIX}")
    }
    return sorted(days)


def load_days(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    quarantine_dir: Path,
    first: date,
    last: date | None = None,
) -> LoadReport:
    """(Re)load the events received on days ``first``..``last`` (default: just ``first``) into
    ``raw_events``; see the module doc."""
    last = last or first
    report = LoadReport(first=first, last=last)
    start = datetime(first.year, first.month, first.day)
    bounds = {"start": start, "end": datetime(last.year, last.month, last.day) + timedelta(days=1)}
    files = day_files(landing_dir, first, last)
    failed = _read_batch(con, files)
    problems = con.execute(
        f"""
        select _file, _line, problem from (
            select _file, _line, {_PROBLEM} as problem from _batch
        )
        where problem is not null
        order by _file, _line
        """
    ).fetchall()
    for file, line, problem in problems:
        failed.setdefault(file, []).append(f"line {line}: {problem}")
    for file, reasons in failed.items():
        report.quarantined[file] = _quarantine(Path(file), landing_dir, quarantine_dir, reasons)
    if failed:
        con.execute("delete from _batch where list_contains($bad, _file)", {"bad": list(failed)})
    report.files_loaded = len(files) - len(failed)
    report.rows_read = _count(con, "select count(*) from _batch")
    _write(con, report, bounds)
    return report


def _read_batch(con: duckdb.DuckDBPyConnection, files: list[Path]) -> dict[str, list[str]]:
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


def _quarantine(file: Path, landing_dir: Path, quarantine_dir: Path, reasons: list[str]) -> str:
    """Move a bad file out of the landing folder, beside a reason file; return the reason."""
    target = Path(quarantine_dir) / "events" / file.relative_to(landing_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    more = len(reasons) - _MAX_REASONS
    lines = reasons[:_MAX_REASONS] + ([f"... and {more} more lines"] if more > 0 else [])
    reason = f"{file.relative_to(landing_dir)}: " + "; ".join(lines[:3])
    Path(f"{target}.reason.txt").write_text(
        f"quarantined {file}\n" + "".join(f"{line}\n" for line in lines)
    )
    shutil.move(file, target)
    return reason


def _column_type(json_types: list[str]) -> str:
    """The column type for a property given the JSON types its values had (like RudderStack)."""
    kinds = set(json_types) - {"NULL"}
    if kinds <= {"BIGINT", "UBIGINT"}:
        return "BIGINT"
    if kinds <= {"BIGINT", "UBIGINT", "DOUBLE"}:
        return "DOUBLE"
    if kinds == {"BOOLEAN"}:
        return "BOOLEAN"
    if kinds <= {"OBJECT", "ARRAY"}:
        return "JSON"
    return "VARCHAR"


def _column_name(key: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", key.strip().lower()).strip("_") or "_"


def _new_keys(
    con: duckdb.DuckDBPyConnection, payload: str, where: str, declared: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """Keys of the JSON ``payload`` column in this batch → (column name, type), declared first."""
    found = con.execute(
        f"""
        select key, list(distinct json_type({payload}, '$."' || key || '"'))
        from (select {payload}, unnest(json_keys({payload})) as key from _batch where {where})
        group by key
        order by key
        """
    ).fetchall()
    columns = {key: (_column_name(key), kind) for key, kind in declared.items()}
    reserved = {name for name, _, _ in (*_COMMON, *_PAGE, *_TRACK)}
    for key, kinds in found:
        if key in columns or None in kinds:
            continue
        name = _column_name(key)
        columns[key] = (f"_{name}" if name in reserved else name, _column_type(kinds))
    return columns


Columns = dict[str, dict[str, str]]
"""table → its columns → their types, as they are in the warehouse."""


def _columns(con: duckdb.DuckDBPyConnection) -> Columns:
    found: Columns = {}
    for table, column, kind in con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where schema_name = ? and not internal order by table_name, column_index",
        [SCHEMA],
    ).fetchall():
        found.setdefault(table, {})[column] = kind
    return found


def _ensure_table(
    con: duckdb.DuckDBPyConnection, existing: Columns, table: str, columns: list[tuple[str, str]]
) -> dict[str, str]:
    """Create ``table`` or add the columns it lacks; return its columns → types."""
    if table not in existing:
        body = ", ".join(f'"{name}" {kind}' for name, kind in columns)
        con.execute(f'create table {SCHEMA}."{table}" ({body})')
        existing[table] = dict(columns)
    have = existing[table]
    for name, kind in columns:
        if name not in have:
            con.execute(f'alter table {SCHEMA}."{table}" add column "{name}" {kind}')
            have[name] = kind
    return have


def _json_columns(
    payload: str, keys: dict[str, tuple[str, str]], types: dict[str, str]
) -> list[tuple[str, str, str]]:
    """(column, type, SQL) extracting each key of ``payload`` as the table's column type."""
    out = []
    for key, (name, _) in keys.items():
        kind = types[name]
        path = f"'$.\"{key}\"'"
        sql = (
            f"{payload} -> {path}"
            if kind == "JSON"
            else f"try_cast({payload} ->> {path} as {kind})"
        )
        out.append((name, kind, sql))
    return out


def _plan(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[list[tuple[str, str, str]], str]]:
    """Per table: its columns (name, type, SQL over _batch) and the filter of its rows.

    Creates tables and adds new property/trait columns first (additive, so harmless if the load
    then fails)."""
    con.execute(f"create schema if not exists {SCHEMA}")
    existing = _columns(con)
    plan: dict[str, tuple[list[tuple[str, str, str]], str]] = {
        "pages": ([*_COMMON, *_PAGE], "type = 'page'"),
        "tracks": ([*_COMMON, *_TRACK], "type = 'track'"),
    }
    for table in ("pages", "tracks"):
        _ensure_table(con, existing, table, [(n, k) for n, k, _ in plan[table][0]])
    for table, declared, payload, where in (
        ("identifies", IDENTIFY_TRAITS, "traits", "type = 'identify'"),
        *(
            (event, props, "properties", f"type = 'track' and event_name = '{event}'")
            for event, props in EVENT_PROPERTIES.items()
        ),
    ):
        base = [*_COMMON, *(_TRACK if payload == "properties" else ())]
        keys = _new_keys(con, payload, where, declared)
        types = _ensure_table(
            con, existing, table, [(n, k) for n, k, _ in base] + list(keys.values())
        )
        plan[table] = ([*base, *_json_columns(payload, keys, types)], where)
    return plan


def _write(con: duckdb.DuckDBPyConnection, report: LoadReport, bounds: dict) -> None:
    """Replace the days' rows in every table in one transaction, then rebuild ``users``."""
    plan = _plan(con)
    in_range = "received_at >= $start and received_at < $end"
    elsewhere = " union all ".join(
        f"select id from {SCHEMA}.{t} where not ({in_range})"
        for t in ("pages", "tracks", "identifies")
    )
    # One row per message id: the first received, unless another day already holds it.
    con.execute(
        f"""
        create or replace temp table _fresh as
        select * from _batch
        anti join ({elsewhere}) as loaded using (id)
        qualify row_number() over (partition by id order by received_at, _file, _line) = 1
        """,
        bounds,
    )
    report.duplicates_dropped = report.rows_read - _count(con, "select count(*) from _fresh")
    uuid_ts = datetime.now(UTC).replace(tzinfo=None)
    con.begin()
    try:
        for table, (columns, where) in plan.items():
            con.execute(f"delete from {SCHEMA}.{table} where {in_range}", bounds)
            names = ", ".join(f'"{name}"' for name, _, _ in columns)
            exprs = ", ".join(f"cast({sql} as {kind})" for _, kind, sql in columns)
            report.rows[table] = _count(
                con,
                f"insert into {SCHEMA}.{table} ({names}) select {exprs} from _fresh "
                f"where {where} order by received_at, id",
                {"uuid_ts": uuid_ts},
            )
        report.rows["users"] = _rebuild_users(con, list(plan["identifies"][0]))
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _rebuild_users(con: duckdb.DuckDBPyConnection, identifies: list[tuple[str, str, str]]) -> int:
    """``users``: one row per user id, each trait's latest non-null value (RudderStack's merge).

    Returns its row count."""
    common = {name for name, _, _ in _COMMON}
    latest = "".join(
        f'arg_max("{name}", received_at) filter (where "{name}" is not null) as "{name}", '
        for name, _, _ in identifies
        if name not in common
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.users as
        select
            user_id as id,
            {latest}
            max(received_at) as received_at,
            max(uuid_ts) as uuid_ts,
        from {SCHEMA}.identifies
        where user_id is not null
        group by user_id
        order by id
        """
    )
    return _count(con, f"select count(*) from {SCHEMA}.users")


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> int:
    """The single number a statement returns (a count, or the rows an INSERT wrote)."""
    row = con.execute(sql, params or {}).fetchone()
    return int(row[0]) if row else 0
