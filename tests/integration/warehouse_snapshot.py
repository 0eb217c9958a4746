"""Compare whole raw layers: a content fingerprint of every raw table, bookkeeping excluded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

# Columns an EL tool writes about the load itself (ids and times of a load), not the data.
BOOKKEEPING = ("_dlt_load_id", "_dlt_id", "_fivetran_synced", "uuid_ts", "_loaded_at")


def raw_rows(warehouse: Path) -> dict[str, set[tuple[str, ...]]]:
    """``{schema.table: {row as column=value strings}}`` for every raw table, bookkeeping
    excluded; rows carry their column names so tables with different column sets compare."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        result = {}
        for schema, table, columns in _raw_tables(con):
            select = ", ".join(f"'{c}=' || coalesce(\"{c}\"::varchar, 'null')" for c in columns)
            rows = con.execute(f'select {select} from "{schema}"."{table}"').fetchall()
            result[f"{schema}.{table}"] = {tuple(row) for row in rows}
        return result
    finally:
        con.close()


def _raw_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[str]]]:
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema like 'raw\\_%' escape '\\' "
        # dlt's scratch schemas for merge loads (raw_<source>_staging) are not data
        "and table_schema not like '%\\_staging' escape '\\' "
        "and table_name not like '\\_dlt%' escape '\\' order by 1, 2"
    ).fetchall()
    found = []
    for schema, table in tables:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by column_name",
                [schema, table],
            ).fetchall()
            if name not in BOOKKEEPING
        ]
        found.append((schema, table, columns))
    return found


def raw_fingerprint(warehouse: Path) -> dict[str, tuple[int, str]]:
    """``{schema.table: (rows, sha256 of the sorted rows)}`` for every raw table."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        result = {}
        for schema, table, columns in _raw_tables(con):
            select = ", ".join(f'"{c}"::varchar' for c in columns)
            rows = con.execute(f'select {select} from "{schema}"."{table}"').fetchall()
            lines = sorted(repr(row) for row in rows)
            digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
            result[f"{schema}.{table}"] = (len(rows), digest)
        return result
    finally:
        con.close()
