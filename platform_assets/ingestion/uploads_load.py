"""Land a checked upload in ``raw_uploads``, or move a rejected one to the quarantine folder.

A valid file replaces its table whole in one transaction (an upload is the complete grid, like a
sheet), so a reader sees the previous file's rows or the new file's, never a mix. Columns are
typed (the file was validated): ``month`` DATE (the month's first day), the key VARCHAR as typed,
the value DOUBLE, any other column VARCHAR; and the bookkeeping columns ``_file`` (the file's
name), ``_loaded_at`` (naive UTC) and ``_row`` (the row's number in the spreadsheet).

A rejected file goes to ``quarantine/uploads/`` with ``<file>.reason.txt`` beside it, so the
uploads folder holds only files that loaded and a marketer can see at a glance what to fix.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from platform_assets.ingestion.uploads_files import UploadKind

SCHEMA = "raw_uploads"


def replace_table(
    con: duckdb.DuckDBPyConnection,
    kind: UploadKind,
    records: list[dict[str, Any]],
    file: str,
    loaded_at: datetime,
) -> None:
    """Replace ``raw_uploads.<table>`` with ``records`` in one transaction."""
    extras = [name for name in records[0] if name not in (*kind.columns, "_row")]
    schema = pa.schema(
        [
            ("month", pa.date32()),
            (kind.key, pa.string()),
            (kind.value, pa.float64()),
            *((name, pa.string()) for name in extras),
            ("_file", pa.string()),
            ("_loaded_at", pa.timestamp("us")),
            ("_row", pa.int64()),
        ]
    )
    rows = [{**record, "_file": file, "_loaded_at": loaded_at} for record in records]
    upload = pa.Table.from_pylist(rows, schema=schema)
    con.register("_upload", upload)
    try:
        con.execute("begin")
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(f'create or replace table {SCHEMA}."{kind.table}" as select * from _upload')
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_upload")


def ensure_table(con: duckdb.DuckDBPyConnection, kind: UploadKind) -> None:
    """Create the table empty when no upload ever loaded, so SQL over it runs from day one."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"""
        create table if not exists {SCHEMA}."{kind.table}" (
            month date, "{kind.key}" varchar, "{kind.value}" double,
            _file varchar, _loaded_at timestamp, _row bigint
        )
        """
    )


def quarantine(file: Path, quarantine_dir: Path, problems: list[str]) -> Path:
    """Move a rejected upload to ``<quarantine_dir>/uploads/`` beside ``<name>.reason.txt``
    (every problem, one a line); where it went. A file of the same name there is replaced."""
    target = quarantine_dir / "uploads" / file.name
    target.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{target}.reason.txt").write_text(
        f"rejected {file}\n" + "".join(f"{problem}\n" for problem in problems)
    )
    shutil.move(file, target)
    return target
