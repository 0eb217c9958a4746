"""The one way Python code reads and writes the warehouse.

DuckDB by default (one file under ``ROUNDTRIP_HOME``). DuckDB allows a single writer per file,
so every Dagster asset that writes declares ``pool="duckdb"`` (see ``definitions.py``); code here
opens short-lived connections and never retries on a lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from platform_assets.settings import Settings, load_settings

DUCKDB_POOL = "duckdb"
"""The Dagster concurrency pool every warehouse-writing step joins (limit 1)."""


@contextmanager
def connect(
    settings: Settings | None = None, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, closing it when the block ends."""
    settings = settings or load_settings()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse_path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def row_count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    row = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
    return int(row[0]) if row else 0
