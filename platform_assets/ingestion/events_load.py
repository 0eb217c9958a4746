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
- A malformed file (bad gzip, bad JSON, a line without its required fields, a property value
  its column's type cannot hold) is moved to the quarantine folder with ``<file>.reason.txt``
  naming the lines and what was wrong; the rest of the days load.
- Property and trait keys are data, never SQL: they reach DuckDB as bound JSON pointers. Their
  columns get RudderStack's lower snake_case names; a key whose name is taken gets a numeric
  suffix, and each column's comment records the key it holds, so a key keeps its column on
  every later load.
- Rows are deduplicated on message id, within the load and against other days already loaded:
  the earliest receipt wins wherever it lies, so the tables do not depend on load order.
- The days that have files are replaced in one transaction, so re-running them changes nothing
  and a failure leaves the previous state; a day without files is left as it is. A backfill of
  many days is one load (one read, one transaction).
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
_PAGE = (
    ("name", "VARCHAR", "coalesce(name, properties ->> '$.name')"),
    *(
        (name, "VARCHAR", f"coalesce(properties ->> '$.{name}', context.page.{name})")
        for name in ("url", "path", "referrer", "search", "title")
    ),
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
_KEY_COMMENT = "source key: "
"""Prefix of a property/trait column's comment; the JSON-quoted key the column holds follows."""


@dataclass
class LoadReport:
    """What a load of received days ``first``..``last`` did: the run metadata the asset reports."""

    first: date
    last: date
    files_loaded: int = 0
    rows_read: int = 0
    duplicates_dropped: int = 0
    later_receipts_replaced: int = 0
    """Rows of other days removed because this load holds an earlier receipt of their message."""
    days_without_files: list[date] = field(default_factory=list)
    """Days of the range with no loadable file: their rows were left as they were."""
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, str] = field(default_factory=dict)  # file → reason


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _file_day(file: Path) -> date:
    """The received day a batch file's ``YYYY/MM/DD/HH`` path says."""
    return date(int(file.parts[-4]), int(file.parts[-3]), int(file.parts[-2]))


def day_files(landing_dir: Path, first: date, last: date) -> list[Path]:
    """Every batch file received on days ``first``..``last`` (UTC), in a stable order."""
    return sorted(
        file
        for day in _days(first, last)
        for file in Path(landing_dir).glob(f"*/{day:%Y/%m/%d}/*{FILE_SUFFIX}")
    )


def landed_days(landing_dir: Path) -> list[date]:
    """Received days that have at least one batch file (what a sensor turns into partitions)."""
    files = Path(landing_dir).glob(f"*/[0-9]*/[0-9]*/[0-9]*/*{FILE_SUFFIX}")
    return sorted({_file_day(file) for file in files})


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
    files = day_files(landing_dir, first, last)
    failed = _read_batch(con, files)
    _reject(con, failed, _line_problems(con))
    layout = _layout(con)
    if _reject(con, failed, _value_problems(con, layout)):
        layout = _layout(con)  # a key only the rejected lines carried gets no column
    for file, reasons in sorted(failed.items()):
        report.quarantined[file] = _quarantine(Path(file), landing_dir, quarantine_dir, reasons)
    days = sorted({_file_day(file) for file in files if str(file) not in failed})
    report.days_without_files = [day for day in _days(first, last) if day not in days]
    report.files_loaded = len(files) - len(failed)
    report.rows_read = _count(con, "select count(*) from _batch")
    _write(con, report, layout, days)
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


Problem = tuple[str, int, str]
"""A line that cannot load: (file, line number, what is wrong)."""


def _line_problems(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    return con.execute(
        f"""
        select _file, _line, problem from (
            select _file, _line, {_PROBLEM} as problem from _batch
        )
        where problem is not null
        order by _file, _line
        """
    ).fetchall()


def _reject(
    con: duckdb.DuckDBPyConnection, failed: dict[str, list[str]], problems: list[Problem]
) -> bool:
    """Record ``problems`` in ``failed`` and drop their files' rows from ``_batch`` (a file is
    quarantined whole, so the hour it holds is never half loaded); whether there were any."""
    for file, line, problem in problems:
        failed.setdefault(file, []).append(f"line {line}: {problem}")
    if problems:
        bad = sorted({file for file, _, _ in problems})
        con.execute("delete from _batch where list_contains($bad, _file)", {"bad": bad})
    return bool(problems)


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
    """The column type for a property given the JSON types its non-null values had (like
    RudderStack)."""
    kinds = set(json_types)
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
    """RudderStack's column name for a key: lower snake_case (``firstName`` → ``first_name``,
    ``it's`` → ``it_s``), ``_`` in front of a leading digit."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key.strip())
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    return f"_{name}" if name[:1].isdigit() else name or "_"


def _assign_columns(keys: list[str], owners: dict[str, str], taken: set[str]) -> dict[str, str]:
    """Key → column: the column a key already has (``owners``), else its snake_case name, with
    ``_1``, ``_2``... appended while that is ``taken`` (``Plan`` beside ``plan`` → ``plan_1``).

    Keys already in snake_case choose first, then the others in sorted order, so the names do
    not depend on the order the keys were met in."""
    taken = taken | set(owners.values())
    columns: dict[str, str] = {}
    for key in sorted(keys, key=lambda k: (_column_name(k) != k, k)):
        if key in owners:
            columns[key] = owners[key]
            continue
        name = base = _column_name(key)
        suffix = 0
        while name in taken:
            suffix += 1
            name = f"{base}_{suffix}"
        taken.add(name)
        columns[key] = name
    return columns


def _pointer(key: str) -> str:
    """The JSON pointer (RFC 6901) of a top-level key, bound as a parameter: keys are data."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


Columns = dict[str, dict[str, str]]
"""table → its columns → their types, as they are in the warehouse."""


def _columns(con: duckdb.DuckDBPyConnection) -> tuple[Columns, dict[str, dict[str, str]]]:
    """The tables' columns → types, and per table each key → the column holding it (from the
    column's comment; a column without one holds the key of its own name)."""
    types: Columns = {}
    owners: dict[str, dict[str, str]] = {}
    for table, column, kind, comment in con.execute(
        "select table_name, column_name, data_type, comment from duckdb_columns() "
        "where schema_name = ? and not internal order by table_name, column_index",
        [SCHEMA],
    ).fetchall():
        types.setdefault(table, {})[column] = kind
        key = column
        if comment and comment.startswith(_KEY_COMMENT):
            key = json.loads(comment.removeprefix(_KEY_COMMENT))
        owners.setdefault(table, {})[key] = column
    return types, owners


@dataclass
class _Table:
    """How one ``raw_events`` table is written from ``_batch``.

    ``columns`` are (name, type, SQL over ``_batch``) and ``where`` picks its rows. A table with
    a column per ``payload`` key (properties or traits) maps those columns to (key, parameter):
    the SQL reads the key through the parameter, bound to its JSON pointer in ``params``."""

    columns: list[tuple[str, str, str]]
    where: str
    payload: str = ""
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, str]:
        return {param: _pointer(key) for key, param in self.keys.values()}


def _layout(con: duckdb.DuckDBPyConnection) -> dict[str, _Table]:
    """Per table, how ``_batch`` is written into it: its columns as they are, plus a new column
    for each key this batch brings. Only reads; ``_create`` then makes the tables match."""
    types, owners = _columns(con)
    layout = {
        "pages": _Table([*_COMMON, *_PAGE], "type = 'page'"),
        "tracks": _Table([*_COMMON, *_TRACK], "type = 'track'"),
    }
    for table, declared, payload, where in (
        ("identifies", IDENTIFY_TRAITS, "traits", "type = 'identify'"),
        *(
            (event, props, "properties", f"type = 'track' and event_name = '{event}'")
            for event, props in EVENT_PROPERTIES.items()
        ),
    ):
        base = [*_COMMON, *(_TRACK if payload == "properties" else ())]
        layout[table] = _keyed_table(
            con,
            _Table(base, where, payload),
            declared,
            types.get(table, {}),
            owners.get(table, {}),
        )
    return layout


def _keyed_table(
    con: duckdb.DuckDBPyConnection,
    table: _Table,
    declared: dict[str, str],
    have: dict[str, str],
    owners: dict[str, str],
) -> _Table:
    """``table`` with a column for each declared key and each key the batch's payloads carry
    (a key that is only ever null gets none, as in RudderStack)."""
    found = con.execute(
        f"""
        select e.key, list(distinct e.type) filter (where e.type != 'NULL')
        from (
            select {table.payload} as doc from _batch
            where {table.where} and json_type({table.payload}) = 'OBJECT'
        ) as b, json_each(b.doc) as e
        group by e.key
        """
    ).fetchall()
    kinds = {key: types for key, types in found if types}
    base = {name for name, _, _ in table.columns}
    names = _assign_columns(
        [*declared, *(key for key in kinds if key not in declared)],
        {key: column for key, column in owners.items() if column not in base},
        base | set(have),
    )
    for number, (key, name) in enumerate(names.items()):
        kind = have.get(name) or declared.get(key) or _column_type(kinds[key])
        param = f"k{number}"
        sql = (
            f"{table.payload} -> ${param}"
            if kind == "JSON"
            else f"try_cast({table.payload} ->> ${param} as {kind})"
        )
        table.columns.append((name, kind, sql))
        table.keys[name] = (key, param)
    return table


def _value_problems(con: duckdb.DuckDBPyConnection, layout: dict[str, _Table]) -> list[Problem]:
    """Lines with a property/trait value its column's type cannot hold (``"nine"`` for the
    BIGINT ``score``): loading them would turn the value into null, so their files go."""
    problems: list[Problem] = []
    for spec in layout.values():
        noun = "property" if spec.payload == "properties" else "trait"
        for name, kind, _ in spec.columns:
            if name not in spec.keys or kind in ("VARCHAR", "JSON"):
                continue
            key, param = spec.keys[name]
            value = f"{spec.payload} ->> ${param}"
            rows = con.execute(
                f"select _file, _line, {value} from _batch where {spec.where} "
                f"and {value} is not null and try_cast({value} as {kind}) is null",
                {param: _pointer(key)},
            ).fetchall()
            problems += [
                (file, line, f"{noun} {json.dumps(key)} = {text[:60]} is not {kind} ({name})")
                for file, line, text in rows
            ]
    return sorted(problems)


def _create(con: duckdb.DuckDBPyConnection, layout: dict[str, _Table]) -> None:
    """Create the tables and add the columns they lack, each key column commented with its key.

    Additive, so harmless if the load then fails."""
    con.execute(f"create schema if not exists {SCHEMA}")
    existing, _ = _columns(con)
    for table, spec in layout.items():
        if table not in existing:
            body = ", ".join(f'"{name}" {kind}' for name, kind, _ in spec.columns)
            con.execute(f'create table {SCHEMA}."{table}" ({body})')
        have = existing.get(table, {})
        for name, kind, _ in spec.columns:
            if name in have:
                continue
            if table in existing:
                con.execute(f'alter table {SCHEMA}."{table}" add column "{name}" {kind}')
            if name in spec.keys:
                # json.dumps leaves no quote or control character the literal needs to escape
                # but the single quote.
                text = (_KEY_COMMENT + json.dumps(spec.keys[name][0])).replace("'", "''")
                con.execute(f'comment on column {SCHEMA}."{table}"."{name}" is \'{text}\'')


def _write(
    con: duckdb.DuckDBPyConnection, report: LoadReport, layout: dict[str, _Table], days: list[date]
) -> None:
    """Replace ``days``' rows in every table in one transaction, then rebuild ``users``.

    One row per message id, its earliest receipt: a load keeps a message another day holds only
    when its own receipt is earlier, and then removes that day's row."""
    _create(con, layout)
    replaced = "list_contains($days::date[], cast(received_at as date))"
    held = " union all ".join(
        f"select id, received_at from {SCHEMA}.{table} where not {replaced}"
        for table in ("pages", "tracks", "identifies")
    )
    con.execute(
        """
        create or replace temp table _first as
        select * from _batch
        qualify row_number() over (partition by id order by received_at, _file, _line) = 1
        """
    )
    con.execute(
        f"""
        create or replace temp table _held as
        select id, min(h.received_at) < any_value(f.received_at) as earlier
        from ({held}) as h join _first as f using (id)
        group by id
        """,
        {"days": days},
    )
    con.execute(
        "create or replace temp table _fresh as select * from _first "
        "anti join (select id from _held where earlier) using (id)"
    )
    report.duplicates_dropped = report.rows_read - _count(con, "select count(*) from _fresh")
    report.later_receipts_replaced = _count(con, "select count(*) from _held where not earlier")
    uuid_ts = datetime.now(UTC).replace(tzinfo=None)
    con.begin()
    try:
        for table, spec in layout.items():
            con.execute(
                f"delete from {SCHEMA}.{table} where {replaced} "
                "or id in (select id from _held where not earlier)",
                {"days": days},
            )
            names = ", ".join(f'"{name}"' for name, _, _ in spec.columns)
            exprs = ", ".join(f"cast({sql} as {kind})" for _, kind, sql in spec.columns)
            report.rows[table] = _count(
                con,
                f"insert into {SCHEMA}.{table} ({names}) select {exprs} from _fresh "
                f"where {spec.where} order by received_at, id",
                {"uuid_ts": uuid_ts, **spec.params},
            )
        report.rows["users"] = _rebuild_users(con)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _rebuild_users(con: duckdb.DuckDBPyConnection) -> int:
    """``users``: one row per user id, each trait's latest non-null value (RudderStack's merge),
    over every trait column ``identifies`` has (not only those this load saw).

    Returns its row count."""
    common = {name for name, _, _ in _COMMON}
    latest = "".join(
        f'arg_max("{name}", received_at) filter (where "{name}" is not null) as "{name}", '
        for name in _columns(con)[0]["identifies"]
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
