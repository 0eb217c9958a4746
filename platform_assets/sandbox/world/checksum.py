"""A fingerprint of a world file, so a test can say "same seed → byte-identical world"."""

from __future__ import annotations

import hashlib

import duckdb

_SCHEMAS = "table_schema IN ('core', 'sandbox_truth') OR table_schema LIKE 'src\\_%' ESCAPE '\\'"


def world_checksum(con: duckdb.DuckDBPyConnection) -> str:
    """sha256 over every table of schemas core, sandbox_truth and src_*: sorted by schema and
    table, each table's column names/types, then its rows in a canonical order (sorted by each
    row's md5), so physical row order never matters but any value, row or column does."""
    tables = con.execute(
        f"SELECT table_schema, table_name FROM information_schema.tables WHERE {_SCHEMAS} "
        "ORDER BY table_schema, table_name"
    ).fetchall()
    digest = hashlib.sha256()
    for schema, table in tables:
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema, table],
        ).fetchall()
        count, rows_md5 = con.execute(
            "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
            f'FROM (SELECT md5(CAST(t AS VARCHAR)) AS h FROM "{schema}"."{table}" AS t)'
        ).fetchone()
        digest.update(f"{schema}.{table}|{columns}|{count}|{rows_md5}\n".encode())
    return digest.hexdigest()
