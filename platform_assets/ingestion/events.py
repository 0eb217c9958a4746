"""Event stream → ``raw_events``: a daily-partitioned asset over the CDP's landing files.

The CDP (RudderStack with an object-storage destination) drops one NDJSON.gz batch per source per
hour into ``$ROUNDTRIP_HOME/landing``; a partition is one *received* day (UTC). Materializing it
loads that day's files with :func:`events_load.load_days` (dedupe on message id, quarantine of
malformed files, the day replaced in one transaction) and reports files and rows as metadata.
A day with no landing files is left as it is and named in ``days_without_files``.
A backfill runs as one run over its whole range (one read of the files, one transaction).
"""

from collections.abc import Iterator
from datetime import date, timedelta

import dagster as dg
from dagster import AssetExecutionContext

from platform_assets.ingestion.dlt_support import OWNER
from platform_assets.ingestion.events_columns import EVENT_PROPERTIES, SCHEMA, TABLES
from platform_assets.ingestion.events_load import load_days
from platform_assets.settings import WORLD_START, load_settings
from platform_assets.warehouse import DUCKDB_POOL, connect

# The first day the event stream can have data: the synthetic world's start.
events_partitions = dg.DailyPartitionsDefinition(start_date=WORLD_START)

_DESCRIPTIONS = {
    "pages": "Page views from the website's JavaScript SDK, one row per message id "
    "(RudderStack warehouse schema, context flattened to context_* columns).",
    "tracks": "Every track call (website and backend), one row per message id; the event's "
    "properties live in its per-event table.",
    "identifies": "identify() calls tying an anonymous id to a user id, traits as columns.",
    "users": "One row per user id with each trait's latest non-null value (rebuilt from "
    "identifies on every load, as RudderStack maintains it).",
}


def window_days(window: dg.TimeWindow) -> tuple[date, date]:
    """The first and last day (inclusive) of a run's partition window (its end is exclusive)."""
    return window.start.date(), (window.end - timedelta(days=1)).date()


def _description(table: str) -> str:
    if table in EVENT_PROPERTIES:
        return (
            f"`{table}` track events with their properties as columns, one row per message id "
            "(RudderStack per-event table)."
        )
    return _DESCRIPTIONS[table]


@dg.multi_asset(
    name="raw_events",
    specs=[
        dg.AssetSpec(
            key=["raw", "events", table],
            group_name="raw_events",
            kinds={"rudderstack", "duckdb"},
            owners=[OWNER],
            description=_description(table),
        )
        for table in TABLES
    ],
    partitions_def=events_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
)
def raw_events(context: AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    """Load the landing files received on the partition's days into ``raw_events``."""
    settings = load_settings()
    settings.ensure_home()
    first, last = window_days(context.partition_time_window)
    with connect(settings) as con:
        report = load_days(con, settings.landing_dir, settings.quarantine_dir, first, last)
    for file, reason in report.quarantined.items():
        context.log.warning(f"quarantined {file}: {reason}")
    run = {
        "files_loaded": report.files_loaded,
        "files_quarantined": len(report.quarantined),
        "rows_read": report.rows_read,
        "duplicates_dropped": report.duplicates_dropped,
        "later_receipts_replaced": report.later_receipts_replaced,
    }
    if report.days_without_files:
        missing = [day.isoformat() for day in report.days_without_files]
        context.log.warning(f"no landing files for {', '.join(missing)}: left as they were")
        run["days_without_files"] = dg.MetadataValue.json(missing)
    if report.quarantined:
        run["quarantined"] = dg.MetadataValue.json(report.quarantined)
    for table in TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", "events", table],
            metadata={
                **run,
                "dagster/row_count": report.rows[table],
                "table": f"{SCHEMA}.{table}",
            },
        )
