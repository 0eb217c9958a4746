"""Uploads folder → ``raw_uploads``: budget and target spreadsheets a marketer drops by hand.

The "plug a spreadsheet" path for teams that keep their plan in files rather than Google
Sheets: ``$ROUNDTRIP_HOME/uploads/budgets*.csv|xlsx`` and ``targets*.csv|xlsx`` (see
:mod:`.uploads_files`). Materializing ``raw/uploads/<table>`` loads the newest file of its kind;
the uploads sensor requests that whenever a file arrives or changes, and a click in the UI does
the same.

A file is checked whole before anything is replaced (:mod:`.uploads_validate`). A bad file fails
the materialization with a message naming the file, the spreadsheet row and the problem
(``budgets_2026-07.csv row 5: Budget 'abc' is not a number``), is moved to
``quarantine/uploads/`` beside a ``.reason.txt``, and the table keeps the last good file's rows.
Failing the run (rather than materializing with a failed check) is what shows best: the asset's
latest materialization stays the last good file, the run page shows every problem, and the
run-failure alert tells the team. The failure is never retried: the file is already gone.
With no upload yet the table is created empty, so everything reading it works from day one.

(No ``from __future__ import annotations`` here: Dagster inspects the asset function's
``context`` annotation when it is decorated.)
"""

from datetime import UTC, datetime

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from platform_assets.ingestion.dlt_support import OWNER
from platform_assets.ingestion.uploads_files import KINDS, UploadKind, newest
from platform_assets.ingestion.uploads_load import SCHEMA, ensure_table, quarantine, replace_table
from platform_assets.ingestion.uploads_read import UploadRejected, read_rows
from platform_assets.ingestion.uploads_validate import validate
from platform_assets.settings import load_settings
from platform_assets.warehouse import DUCKDB_POOL, connect, row_count

PREVIEW_ROWS = 10


def _upload_asset(kind: UploadKind) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", "uploads", kind.table],
        group_name="raw_uploads",
        kinds={"csv", "xlsx", "duckdb"},
        owners=[OWNER],
        description=kind.description,
        pool=DUCKDB_POOL,
    )
    def load_upload(context: AssetExecutionContext) -> dg.MaterializeResult:
        """Load the newest upload of this kind into ``raw_uploads``, or reject it."""
        return _load(context, kind)

    return load_upload


def _load(context: AssetExecutionContext, kind: UploadKind) -> dg.MaterializeResult:
    settings = load_settings()
    settings.ensure_home()
    table = f"{SCHEMA}.{kind.table}"
    path = newest(settings.uploads_dir, kind)
    if path is None:
        with connect(settings) as con:
            ensure_table(con, kind)
            metadata = _table_metadata(con, kind)
        context.log.info(f"no {kind.table}*.csv|xlsx in {settings.uploads_dir}: {table} kept")
        return dg.MaterializeResult(metadata={"file": None, **metadata})
    try:
        records = validate(path.name, read_rows(path), kind)
    except UploadRejected as rejected:
        target = quarantine(path, settings.quarantine_dir, rejected.problems)
        raise dg.Failure(
            description=f"{rejected}\n{path.name} moved to {target}; {table} kept as it was.",
            metadata={
                "file": path.name,
                "quarantined_to": dg.MetadataValue.path(str(target)),
                "problems": dg.MetadataValue.json(rejected.problems),
            },
            allow_retries=False,
        ) from None
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with connect(settings) as con:
        replace_table(con, kind, records, path.name, loaded_at)
        metadata = _table_metadata(con, kind)
    context.log.info(f"loaded {len(records)} rows from {path.name} into {table}")
    return dg.MaterializeResult(metadata={"file": path.name, **metadata})


def _table_metadata(con: duckdb.DuckDBPyConnection, kind: UploadKind) -> dict[str, object]:
    """Row count, column schema and the first rows of the table, for the asset's page."""
    table = f'{SCHEMA}."{kind.table}"'
    columns = con.execute(f"describe {table}").fetchall()
    rows = con.execute(f"select * from {table} order by _row limit {PREVIEW_ROWS}").fetchall()
    names = [name for name, *_ in columns]
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, str(kind_)) for name, kind_, *_ in columns]
    )
    preview = [
        dg.TableRecord(data={name: _cell(value) for name, value in zip(names, row, strict=True)})
        for row in rows
    ]
    return {
        "table": f"{SCHEMA}.{kind.table}",
        "dagster/row_count": row_count(con, SCHEMA, kind.table),
        "dagster/column_schema": schema,
        "preview": dg.MetadataValue.table(preview, schema=schema),
    }


def _cell(value: object) -> str | int | float | None:
    """A warehouse value as a preview cell (dates and timestamps as text)."""
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


raw_uploads_budgets = _upload_asset(KINDS["budgets"])
raw_uploads_targets = _upload_asset(KINDS["targets"])
