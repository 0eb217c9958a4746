"""Turn a dlt source into Dagster assets that land raw tables the roundtrip way.

Every SaaS connector in this package is a dlt source factory
``(base_url, credential) -> DltSource`` (with keyword options where a connector needs more
settings); :func:`build_source_assets` wraps it in a
``@dlt_assets`` multi-asset whose keys are ``["raw", <source>, <table>]``, lands into schema
``raw_<source>`` of the warehouse in parquet (the insert path was 5-8x slower), and joins the
``duckdb`` concurrency pool. A fresh source and pipeline are built for every run from settings
(after dlt's retry policy is set, so the connectors' HTTP clients get it), so a second run never
reuses a spent source. Import only builds a placeholder source and a definition-only pipeline in
a per-process temporary folder to derive the asset specs: dlt reads its own configuration then,
but no roundtrip setting (URL, credential, option) is read before a run. dlt's telemetry is
switched off (in the environment, where dlt reads it) when this module is imported, before dlt
creates anything.

(No ``from __future__ import annotations`` here: Dagster inspects the asset function's
``context`` annotation when it is decorated.)
"""

import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import dlt
from dagster import AssetExecutionContext
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.extract.source import DltSource

from platform_assets.settings import Settings, load_settings
from platform_assets.warehouse import DUCKDB_POOL

# dlt resolves its runtime settings, and starts its telemetry, the first time anything touches
# its configuration (even a write to ``dlt.config``), so the switch goes where dlt looks first,
# before anything below builds a source or pipeline: nothing may reach the network.
os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"

SourceFactory = Callable[..., DltSource]
"""(base_url, credential, **options) -> a fresh dlt source."""

ConnectorOptions = Callable[[Settings], Mapping[str, Any]]
"""Settings -> the keyword options a connector needs besides its URL and credential."""

OWNER = "team:data-platform"

# dlt's HTTP client: how hard to retry 429/5xx/timeouts before a run fails. It honours
# Retry-After and backs off exponentially in between.
RETRY_CONFIG: Mapping[str, Any] = {
    "runtime.request_max_attempts": 8,
    "runtime.request_backoff_factor": 0.5,
    "runtime.request_max_retry_delay": 10,
    "runtime.request_timeout": 15,
}

_PLACEHOLDER_URL = "http://placeholder.invalid"


def column_hints(
    types: Mapping[str, str] | str, *, not_null: Collection[str] = ("id",)
) -> TTableSchemaColumns:
    """dlt column hints from column → data type (a mapping, or ``"name:type name:type ..."``).

    Connectors declare every column dbt relies on, because dlt never creates a column that is
    always null. Each call builds a fresh dict per column: dlt writes into the hint dicts it is
    given, so two resources must never share one. Columns in ``not_null`` are required;
    timestamps are naive UTC, as Fivetran lands them (a ``timestamptz`` would make every cast
    downstream depend on the reader's session time zone).
    """
    if isinstance(types, str):
        types = dict(item.split(":") for item in types.split())
    hints: TTableSchemaColumns = {}
    for name, data_type in types.items():
        hint: dict[str, Any] = {
            "name": name,
            "data_type": data_type,
            "nullable": name not in not_null,
        }
        if data_type == "timestamp":
            hint["timezone"] = False
        hints[name] = hint  # type: ignore[assignment]
    return hints


def synced_now() -> datetime:
    """The ``_fivetran_synced`` stamp of a run: now, as naive UTC like the rest of the raw layer."""
    return datetime.now(UTC).replace(tzinfo=None)


class RawTableTranslator(DagsterDltTranslator):
    """Keys dlt resources as ``raw/<source>/<table>`` with the raw layer's group, kinds, owner."""

    def __init__(self, source: str, descriptions: Mapping[str, str]) -> None:
        super().__init__()
        self.source = source
        self.descriptions = descriptions

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        table = str(data.resource.table_name)
        return spec.replace_attributes(
            key=dg.AssetKey(["raw", self.source, table]),
            deps=[],
            group_name=f"raw_{self.source}",
            kinds={"dlt", "duckdb", self.source.replace("_", "")},
            owners=[OWNER],
            description=self.descriptions.get(table)
            or f"Raw `{table}` from the {self.source} API, as an EL tool lands it "
            f"(schema raw_{self.source}).",
        )


def configure_dlt(settings: Settings) -> None:
    """Point dlt's working folder under ROUNDTRIP_HOME and set its HTTP retry policy."""
    for key, value in RETRY_CONFIG.items():
        dlt.config[key] = value
    settings.dlt_dir.mkdir(parents=True, exist_ok=True)


def make_pipeline(settings: Settings, source: str) -> dlt.Pipeline:
    """The dlt pipeline that lands ``source`` into schema ``raw_<source>`` of the warehouse."""
    configure_dlt(settings)
    return dlt.pipeline(
        pipeline_name=f"roundtrip_{source}",
        destination=dlt.destinations.duckdb(str(settings.warehouse_path)),
        dataset_name=f"raw_{source}",
        pipelines_dir=str(settings.dlt_dir / "pipelines"),
    )


def _fresh_source(
    settings: Settings, source: str, factory: SourceFactory, options: ConnectorOptions | None
) -> DltSource:
    """A new source for one run, pointed at the API the settings name (failing at once when it
    is unreachable): a dlt source cannot be run twice. dlt is configured first: connectors build
    their HTTP clients with the source, and a client keeps the retry policy it was built with."""
    configure_dlt(settings)
    settings.require_reachable(source)
    extra = options(settings) if options else {}
    return factory(settings.api_url(source), settings.credential(source), **extra)


def run_source(
    settings: Settings,
    source: str,
    factory: SourceFactory,
    options: ConnectorOptions | None = None,
) -> dlt.common.pipeline.LoadInfo:
    """Run one source outside Dagster (tests, benchmarks): same pipeline, same landing rules."""
    dlt_source = _fresh_source(settings, source, factory, options)
    pipeline = make_pipeline(settings, source)
    info = pipeline.run(dlt_source, loader_file_format="parquet")
    info.raise_on_failed_jobs()
    return info


@functools.cache
def _definitions_dir() -> Path:
    """This process's own scratch folder for definition-only pipelines, removed at exit: a
    shared folder would let processes (and users) overwrite each other's pipeline files."""
    path = Path(tempfile.mkdtemp(prefix="roundtrip-dlt-definitions-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _definition_pipeline(source: str) -> dlt.Pipeline:
    """A pipeline only used to derive asset specs when definitions load; never run (real runs
    build their own with :func:`make_pipeline`)."""
    return dlt.pipeline(
        pipeline_name=f"roundtrip_{source}_definitions",
        destination=dlt.destinations.duckdb(str(_definitions_dir() / "unused.duckdb")),
        dataset_name=f"raw_{source}",
        pipelines_dir=str(_definitions_dir() / "pipelines"),
    )


def build_source_assets(
    source: str,
    factory: SourceFactory,
    descriptions: Mapping[str, str],
    options: ConnectorOptions | None = None,
) -> dg.AssetsDefinition:
    """One multi-asset per source: every dlt resource becomes ``raw/<source>/<table>``.

    ``descriptions`` maps table name → the asset's description (shown in the UI); ``options``
    reads, at run time, what else the connector takes from the settings (the definitions are
    built from the factory's defaults, so no setting is read when the definitions load).
    """
    translator = RawTableTranslator(source, descriptions)

    @dlt_assets(
        dlt_source=factory(_PLACEHOLDER_URL, "placeholder"),
        dlt_pipeline=_definition_pipeline(source),
        name=f"{source}_raw",
        dagster_dlt_translator=translator,
        pool=DUCKDB_POOL,
    )
    def _assets(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        settings = load_settings()
        settings.ensure_home()
        yield from dlt.run(
            context=context,
            dlt_source=_fresh_source(settings, source, factory, options),
            dlt_pipeline=make_pipeline(settings, source),
            dagster_dlt_translator=translator,
            loader_file_format="parquet",
        )

    return _assets
