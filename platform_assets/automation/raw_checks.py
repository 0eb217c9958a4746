"""Asset checks on every raw table: row-count anomaly, column schema change, dbt source freshness.

One ``@multi_asset_check`` per source (:func:`raw_table_checks`) reads the source's tables in
one short read-only DuckDB connection, inside the ``duckdb`` pool so it never overlaps a writer,
and judges each table with the rules of :mod:`platform_assets.automation.raw_rules`:

- ``row_count_anomaly`` (WARN, not blocking): the row count against the counts this check
  recorded on its previous evaluations (its own metadata, so it works whether or not a loader
  reports ``dagster/row_count``): a shrink fails; so does a growth outside
  ``median ± 5 · 1.4826 · MAD`` of the last 20 growths, once five are known.
- ``column_schema_unchanged`` (ERROR, **blocking**): columns and types from
  ``information_schema`` against the schema the previous evaluation recorded. A removed or
  retyped column fails and stops the run before staging reads the table; an added column passes
  with a note. The failing evaluation records the new schema, so re-running the load after the
  staging models are fixed (or the change accepted) passes.
- ``dbt_source_freshness`` (WARN past ``warn_after``, ERROR past ``error_after``, not blocking):
  the age of the newest ``loaded_at_field`` value against the thresholds the dbt sources YAML
  declares (read from the parsed manifest, so dbt and Dagster never disagree). Read in this
  process rather than by ``dbt source freshness``: a second process opening the warehouse would
  contend with the writer. ``loaded_at`` columns are the wall-clock time of the load
  (``_fivetran_synced``, ``uuid_ts``), not the synthetic world's clock. Besides running with
  each load it runs hourly on its own (an automation condition), so a source whose loads stop
  still turns red.

The checks run in the same run as their table's materialization: schedules' jobs, sensors'
run requests, backfills and the UI's "Materialize" all include the checks of the assets they
select, and the blocking check then holds back anything downstream in that run.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
import duckdb

from platform_assets import ingestion
from platform_assets.automation.raw_rules import (
    ROW_COUNT_WINDOW,
    SourceFreshness,
    freshness_verdict,
    row_count_verdict,
    schema_verdict,
    source_freshness_rules,
)
from platform_assets.settings import load_settings
from platform_assets.transform.assets import MANIFEST
from platform_assets.warehouse import DUCKDB_POOL, connect, row_count, table_exists

ROW_COUNT = "row_count_anomaly"
SCHEMA = "column_schema_unchanged"
SOURCE_FRESHNESS = "dbt_source_freshness"
HISTORY = ROW_COUNT_WINDOW + 1
"""Previous row counts read back: the growths the anomaly rule judges against."""
FRESHNESS_CHECK_CRON = "0 * * * *"


@dataclass(frozen=True)
class Observation:
    """What one read of a raw table found (all empty for a table not landed yet)."""

    columns: dict[str, str] = field(default_factory=dict)
    """Column name → DuckDB type, in table order."""
    rows: int = 0
    newest: datetime | None = None
    """The newest loaded_at value, as naive UTC."""
    loaded_at_missing: bool = False


def observe(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, loaded_at_field: str | None
) -> Observation:
    """Columns, row count and newest load time of ``schema.table`` (empty when it is missing)."""
    if not table_exists(con, schema, table):
        return Observation()
    columns = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    )
    newest = None
    if loaded_at_field in columns:
        row = con.execute(f'select max("{loaded_at_field}") from "{schema}"."{table}"').fetchone()
        newest = row[0] if row else None
        if isinstance(newest, datetime) and newest.tzinfo is not None:
            newest = newest.astimezone(UTC).replace(tzinfo=None)
    return Observation(
        columns=columns,
        rows=row_count(con, schema, table),
        newest=newest,
        loaded_at_missing=bool(loaded_at_field) and loaded_at_field not in columns,
    )


def previous_metadata(
    instance: dg.DagsterInstance, check: dg.AssetCheckKey, limit: int
) -> list[Mapping[str, dg.MetadataValue]]:
    """The metadata of the check's last ``limit`` completed evaluations, newest first."""
    records = instance.event_log_storage.get_asset_check_execution_history(check, limit=limit + 1)
    found = []
    for record in records:
        event = record.event.dagster_event if record.event else None
        if event and event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            found.append(event.event_specific_data.metadata)  # type: ignore[union-attr]
    return found[:limit]


def _row_count_result(
    instance: dg.DagsterInstance, check: dg.AssetCheckKey, seen: Observation
) -> dg.AssetCheckResult:
    history = [
        int(meta["row_count"].value)  # type: ignore[arg-type]
        for meta in reversed(previous_metadata(instance, check, HISTORY))
        if "row_count" in meta
    ]
    verdict = row_count_verdict(history, seen.rows)
    return dg.AssetCheckResult(
        asset_key=check.asset_key,
        check_name=check.name,
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=verdict.description,
        metadata={"row_count": seen.rows, "previous_row_count": history[-1] if history else 0},
    )


def _schema_result(
    instance: dg.DagsterInstance, check: dg.AssetCheckKey, seen: Observation
) -> dg.AssetCheckResult:
    last = next(iter(previous_metadata(instance, check, 1)), {})
    recorded = last.get("columns")
    previous = (
        {column.name: column.type for column in recorded.value.columns}  # type: ignore[union-attr]
        if recorded is not None
        else None
    )
    verdict = schema_verdict(previous, seen.columns)
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, type) for name, type in seen.columns.items()]
    )
    return dg.AssetCheckResult(
        asset_key=check.asset_key,
        check_name=check.name,
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=verdict.description,
        metadata={"columns": dg.MetadataValue.table_schema(schema)},
    )


def _freshness_result(
    check: dg.AssetCheckKey, seen: Observation, rule: SourceFreshness
) -> dg.AssetCheckResult:
    if seen.loaded_at_missing:
        return dg.AssetCheckResult(
            asset_key=check.asset_key,
            check_name=check.name,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"the table has no loaded_at column {rule.loaded_at_field!r}",
        )
    newest = seen.newest
    now = datetime.now(UTC).replace(tzinfo=None)
    verdict = freshness_verdict(now - newest if newest else None, rule)
    return dg.AssetCheckResult(
        asset_key=check.asset_key,
        check_name=check.name,
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.ERROR if verdict.error else dg.AssetCheckSeverity.WARN,
        description=verdict.description,
        metadata={
            "max_loaded_at": dg.MetadataValue.text(newest.isoformat() if newest else "none"),
            "age_hours": round((now - newest).total_seconds() / 3600, 2) if newest else None,
        },
    )


def _specs(key: dg.AssetKey, rule: SourceFreshness | None) -> Iterator[dg.AssetCheckSpec]:
    yield dg.AssetCheckSpec(
        ROW_COUNT,
        asset=key,
        description="The row count never drops, and grows within median ± 5 robust deviations "
        "of its recent growth (WARN).",
    )
    yield dg.AssetCheckSpec(
        SCHEMA,
        asset=key,
        blocking=True,
        description="No column removed or retyped since the last load (added columns pass); "
        "blocks staging on failure.",
    )
    if rule is not None:
        yield dg.AssetCheckSpec(
            SOURCE_FRESHNESS,
            asset=key,
            description=f"dbt source freshness on {rule.loaded_at_field}: warn after "
            f"{rule.warn_after}, error after {rule.error_after} (from the dbt sources YAML).",
            metadata={
                "loaded_at_field": rule.loaded_at_field,
                "warn_after_hours": rule.warn_after.total_seconds() / 3600
                if rule.warn_after
                else None,
                "error_after_hours": rule.error_after.total_seconds() / 3600
                if rule.error_after
                else None,
            },
            automation_condition=dg.AutomationCondition.cron_tick_passed(FRESHNESS_CHECK_CRON)
            & ~dg.AutomationCondition.in_progress(),
        )


def raw_table_checks(
    source: str, tables: Sequence[str], freshness: Mapping[str, SourceFreshness]
) -> dg.AssetChecksDefinition:
    """The checks of ``raw/<source>/<table>`` for each table (in schema ``raw_<source>``);
    ``freshness`` maps a table to its dbt source freshness rule, when it has one."""
    schema = f"raw_{source}"
    specs = [
        spec
        for table in tables
        for spec in _specs(dg.AssetKey(["raw", source, table]), freshness.get(table))
    ]

    @dg.multi_asset_check(
        name=f"{source}_raw_checks",
        specs=specs,
        can_subset=True,
        pool=DUCKDB_POOL,
        description=f"Row count, column schema and source freshness of the raw_{source} tables.",
    )
    def _checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        selected = context.selected_asset_check_keys
        read = sorted({check.asset_key.path[-1] for check in selected})
        settings = load_settings()
        seen: dict[str, Observation] = {}
        if settings.warehouse_path.exists():
            with connect(settings, read_only=True) as con:
                for table in read:
                    rule = freshness.get(table)
                    seen[table] = observe(con, schema, table, rule and rule.loaded_at_field)
        for check in sorted(selected, key=lambda c: (c.asset_key.to_user_string(), c.name)):
            table = check.asset_key.path[-1]
            found = seen.get(table, Observation())
            if check.name == ROW_COUNT:
                yield _row_count_result(context.instance, check, found)
            elif check.name == SCHEMA:
                yield _schema_result(context.instance, check, found)
            else:
                yield _freshness_result(check, found, freshness[table])

    return _checks


def _raw_tables() -> dict[str, list[str]]:
    """source → its tables, from the ingestion assets' ``raw/<source>/<table>`` keys."""
    tables: dict[str, list[str]] = {}
    for assets in dg.load_assets_from_package_module(ingestion):
        for key in getattr(assets, "keys", ()):
            if len(key.path) == 3 and key.path[0] == "raw":
                tables.setdefault(key.path[1], []).append(key.path[2])
    return {source: sorted(names) for source, names in sorted(tables.items())}


def _all_checks() -> list[dg.AssetChecksDefinition]:
    rules = source_freshness_rules(MANIFEST)
    return [
        raw_table_checks(
            source,
            tables,
            {table: rules[(source, table)] for table in tables if (source, table) in rules},
        )
        for source, tables in _raw_tables().items()
    ]


defs = dg.Definitions(asset_checks=_all_checks())
