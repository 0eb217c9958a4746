"""The tables and columns of ``raw_events``: what each table holds and which column holds a key.

RudderStack's warehouse schema: ``pages``, ``tracks``, ``identifies``, ``users`` and one table
per tracked event, with its column names (``id``, ``anonymous_id``, ``context_*`` flattened,
``original_timestamp``, ``sent_at``, ``received_at``, ``timestamp``, ``uuid_ts``, ``event``,
``event_text``) and a column per property or trait key.

Property and trait keys are data, never SQL: they reach DuckDB as bound JSON pointers. Their
columns get RudderStack's lower snake_case names; a key whose name is taken gets a numeric
suffix, and each column's comment records the key it holds, so a key keeps its column on every
later load. This module only plans and creates tables and columns; ``events_load`` fills them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import duckdb

SCHEMA = "raw_events"

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

COMMON: tuple[tuple[str, str, str], ...] = (
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
"""What RudderStack lands on every event table, in order: (column, type, SQL over _batch)."""

_PAGE = (
    ("name", "VARCHAR", "coalesce(name, properties ->> '$.name')"),
    *(
        (name, "VARCHAR", f"coalesce(properties ->> '$.{name}', context.page.{name})")
        for name in ("url", "path", "referrer", "search", "title")
    ),
)
_TRACK = (("event", "VARCHAR", "event_name"), ("event_text", "VARCHAR", "event"))

_KEY_COMMENT = "source key: "
"""Prefix of a property/trait column's comment; the JSON-quoted key the column holds follows."""


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


def pointer(key: str) -> str:
    """The JSON pointer (RFC 6901) of a top-level key, bound as a parameter: keys are data."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


Columns = dict[str, dict[str, str]]
"""table → its columns → their types, as they are in the warehouse."""


def existing_columns(con: duckdb.DuckDBPyConnection) -> tuple[Columns, dict[str, dict[str, str]]]:
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
class Table:
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
        return {param: pointer(key) for key, param in self.keys.values()}


def table_layout(con: duckdb.DuckDBPyConnection) -> dict[str, Table]:
    """Per table, how ``_batch`` is written into it: its columns as they are, plus a new column
    for each key this batch brings. Only reads; ``create_tables`` then makes the tables match."""
    types, owners = existing_columns(con)
    layout = {
        "pages": Table([*COMMON, *_PAGE], "type = 'page'"),
        "tracks": Table([*COMMON, *_TRACK], "type = 'track'"),
    }
    for table, declared, payload, where in (
        ("identifies", IDENTIFY_TRAITS, "traits", "type = 'identify'"),
        *(
            (event, props, "properties", f"type = 'track' and event_name = '{event}'")
            for event, props in EVENT_PROPERTIES.items()
        ),
    ):
        base = [*COMMON, *(_TRACK if payload == "properties" else ())]
        layout[table] = _keyed_table(
            con,
            Table(base, where, payload),
            declared,
            types.get(table, {}),
            owners.get(table, {}),
        )
    return layout


def _keyed_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    declared: dict[str, str],
    have: dict[str, str],
    owners: dict[str, str],
) -> Table:
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


def create_tables(con: duckdb.DuckDBPyConnection, layout: dict[str, Table]) -> None:
    """Create the tables and add the columns they lack, each key column commented with its key.

    Additive, so harmless if the load then fails."""
    con.execute(f"create schema if not exists {SCHEMA}")
    existing, _ = existing_columns(con)
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
