"""Load event-stream landing files into ``raw_events`` by received day, RudderStack's way.

A CDP's object-storage destination writes NDJSON.gz batches under
``<landing>/<source>/YYYY/MM/DD/HH.ndjson.gz`` (the hour the events were *received*). This
module turns a range of received days of them into RudderStack's warehouse schema
(``events_columns``), in steps each its own module: parse the files (``events_read``), set
aside the files with lines that cannot load (``events_quarantine``), then write here.

Plain Python and DuckDB, no Dagster (the asset in ``events.py`` wraps it; the bench calls it).
The rules this module keeps:

- Rows are deduplicated on message id, within the load and against other days already loaded:
  the earliest receipt wins wherever it lies, so the tables do not depend on load order.
- The days that have files are replaced in one transaction, so re-running them changes nothing
  and a failure leaves the previous state; a day without files is left as it is. A backfill of
  many days is one load (one read, one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from platform_assets.ingestion.events_columns import (
    COMMON,
    SCHEMA,
    Table,
    create_tables,
    existing_columns,
    table_layout,
)
from platform_assets.ingestion.events_quarantine import (
    line_problems,
    quarantine,
    reject,
    value_problems,
)
from platform_assets.ingestion.events_read import read_batch

FILE_SUFFIX = ".ndjson.gz"


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


def landed_files(landing_dir: Path) -> dict[date, list[Path]]:
    """Every batch file by received day, days in order, each day's files in a stable order
    (one walk of the landing folder)."""
    by_day: dict[date, list[Path]] = {}
    for file in Path(landing_dir).glob(f"*/[0-9]*/[0-9]*/[0-9]*/*{FILE_SUFFIX}"):
        by_day.setdefault(_file_day(file), []).append(file)
    return {day: sorted(by_day[day]) for day in sorted(by_day)}


def landed_days(landing_dir: Path) -> list[date]:
    """Received days that have at least one batch file (what a sensor turns into partitions)."""
    return list(landed_files(landing_dir))


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
    failed = read_batch(con, files)
    reject(con, failed, line_problems(con))
    layout = table_layout(con)
    if reject(con, failed, value_problems(con, layout)):
        layout = table_layout(con)  # a key only the rejected lines carried gets no column
    for file, reasons in sorted(failed.items()):
        report.quarantined[file] = quarantine(Path(file), landing_dir, quarantine_dir, reasons)
    days = sorted({_file_day(file) for file in files if str(file) not in failed})
    report.days_without_files = [day for day in _days(first, last) if day not in days]
    report.files_loaded = len(files) - len(failed)
    report.rows_read = _count(con, "select count(*) from _batch")
    _write(con, report, layout, days)
    return report


def _write(
    con: duckdb.DuckDBPyConnection, report: LoadReport, layout: dict[str, Table], days: list[date]
) -> None:
    """Replace ``days``' rows in every table in one transaction, then rebuild ``users``.

    One row per message id, its earliest receipt: a load keeps a message another day holds only
    when its own receipt is earlier, and then removes that day's row."""
    create_tables(con, layout)
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
    common = {name for name, _, _ in COMMON}
    latest = "".join(
        f'arg_max("{name}", received_at) filter (where "{name}" is not null) as "{name}", '
        for name in existing_columns(con)[0]["identifies"]
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
