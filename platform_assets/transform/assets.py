"""Every dbt model and seed (and their data tests, as asset checks) as three Dagster multi-assets.

- ``dbt_event_day_models`` (:data:`dbt_event_day_models`): the event staging models
  (:data:`EVENT_DAY_MODELS`), daily-partitioned like the ``raw_events`` tables they read. A run
  of some days passes them to dbt as the vars ``events_min_day``/``events_max_day`` and dbt
  replaces exactly those received days of the incremental tables
  (``dbt_project/macros/event_days.sql``; ``stg_events__users`` is a view, recreated), so a
  day's staging rows are rebuilt in the same run that reloads the day and re-running it changes
  nothing. A range of days is one run (single-run backfill policy): one dbt invocation.
- ``dbt_models`` (:data:`dbt_project_assets`): seeds, the other staging models, intermediate and
  marts (unpartitioned: each reads every day of the event models).
- ``dbt_activation_models`` (:data:`dbt_activation_models`): the ``sync_*`` models of
  ``models/activation`` (:data:`ACTIVATION_MODELS`), one per reverse-ETL sync. They read the
  Python analytics assets (lead scores, Markov and Shapley credits), which read the marts: one
  multi-asset for both would be a cycle (marts → analytics → marts' own op), so the sync models
  are a step of their own and a run of everything orders marts → analytics → sync models.

Each op runs ``dbt build`` for its selected nodes, so unit tests run before their model and data
tests right after the node they check. It joins the ``duckdb`` pool: DuckDB has one writer, and
dbt writes the same file the ingestion assets do. A run may override the project's dbt vars
(the definitions: conversion event, lookback, half-life...) in its config, e.g. in the
launchpad: ``ops: {dbt_models: {config: {vars: {conversion_event: signup}}}}``.
"""

import json
import shutil
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext, Config
from dagster_dbt import DbtCliResource, dbt_assets
from pydantic import Field

from platform_assets.ingestion.events import events_partitions, window_days
from platform_assets.settings import load_settings
from platform_assets.transform.metadata import with_warehouse_metadata
from platform_assets.transform.project import DBT_PROJECT_DIR, dbt_project
from platform_assets.transform.resource import dbt_resource
from platform_assets.transform.selection import unselected_tests
from platform_assets.transform.translator import RoundtripDbtTranslator, attach_multi_parent_tests
from platform_assets.warehouse import DUCKDB_POOL, connect

__all__ = [
    "ACTIVATION_MODELS",
    "EVENT_DAY_MODELS",
    "DbtBuildConfig",
    "dbt_activation_models",
    "dbt_event_day_models",
    "dbt_project_assets",
    "dbt_resource",
]

MANIFEST = attach_multi_parent_tests(json.loads(dbt_project.manifest_path.read_text()))
"""The parsed project, every multi-parent singular test attached to the node it checks."""

TRANSLATOR = RoundtripDbtTranslator()

ACTIVATION_MODELS = "path:models/activation"
"""The dbt selection of the sync models (and their ``int_activation__*`` building blocks)."""

EVENT_DAY_MODELS = "tag:event_days"
"""The dbt selection of the event staging models: the tables built per received day, and the
users view (one multi-asset for all, so the view's test against identifies stays a check)."""


_dbt_multi_asset = partial(
    dbt_assets,
    manifest=MANIFEST,
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    pool=DUCKDB_POOL,  # dbt writes the warehouse: DuckDB has one writer
)
"""``@dbt_assets`` over this project, as every multi-asset here defines it."""


class DbtBuildConfig(Config):
    """Run config of the dbt step."""

    vars: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "dbt vars for this run only, over dbt_project.yml's (e.g. "
            '{"conversion_event": "signup", "attribution_lookback_days": 30}). The marts are '
            "rebuilt with these definitions until the next run without them."
        ),
    )

    full_refresh: bool = Field(
        default=False,
        description=(
            "Rebuild incremental models from every raw row (dbt --full-refresh), e.g. after a "
            "change to an event staging model's columns."
        ),
    )

    def dbt_args(self, exclude: list[str], run_vars: dict[str, Any] | None = None) -> list[str]:
        """``dbt build`` with ``run_vars`` (set by the step) and the run's vars, if any, leaving
        out the ``exclude`` tests."""
        args = ["build"]
        dbt_vars = {**self.vars, **(run_vars or {})}
        if dbt_vars:
            args += ["--vars", json.dumps(dbt_vars)]
        if self.full_refresh:
            args.append("--full-refresh")
        if exclude:
            args += ["--exclude", " ".join(exclude)]
        return args


@_dbt_multi_asset(
    name="dbt_models",
    exclude=f"{ACTIVATION_MODELS} {EVENT_DAY_MODELS}",
)
def dbt_project_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """dbt build of the selected seeds, staging, intermediate and marts models and their
    checks (:func:`build`)."""
    yield from build(context, dbt, config)


@_dbt_multi_asset(
    name="dbt_activation_models",
    select=ACTIVATION_MODELS,
)
def dbt_activation_models(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """dbt build of the selected sync models and their checks (:func:`build`)."""
    yield from build(context, dbt, config)


@_dbt_multi_asset(
    name="dbt_event_day_models",
    # with the events source: the raw tables' own tests (unique message ids) are this
    # multi-asset's checks, so its builds must run them
    select=f"{EVENT_DAY_MODELS} source:events",
    partitions_def=events_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def dbt_event_day_models(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """dbt build of the selected event staging models over the run's received days
    (:func:`build`)."""
    first, last = window_days(context.partition_time_window)
    days = {"events_min_day": first.isoformat(), "events_max_day": last.isoformat()}
    yield from build(context, dbt, config, run_vars=days)


def build(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtBuildConfig,
    run_vars: dict[str, Any] | None = None,
) -> Iterator[Any]:
    """dbt build of the selected nodes and checks, reported with row counts, column schema and
    lineage. The tests of unselected checks that dbt would pick up are left out
    (:mod:`platform_assets.transform.selection`), among them a test of one multi-asset that
    reads a node of the other (a sync model's relationship to a staging model).

    Events are buffered until dbt exits (the UI shows them at the end of the step): dbt holds
    DuckDB's single write lock while it runs, so the warehouse metadata can only be read after
    it, read-only, once (see :mod:`platform_assets.transform.metadata`, which also says why
    dagster-dbt's ``fetch_row_counts()`` / ``fetch_column_metadata()`` are not used).
    dagster-dbt gives every invocation its own folder under ``dbt_project/target/`` (or under
    its temporary copy of the project, see :func:`remove_project_copy`); a successful run's
    folder is removed after the metadata is read from it, a failed run's stays for debugging.
    """
    exclude = unselected_tests(
        MANIFEST,
        TRANSLATOR,
        dbt_project,
        context.selected_asset_keys,
        context.selected_asset_check_keys,
    )
    invocation = dbt.cli(config.dbt_args(exclude, run_vars), context=context)
    yield from with_warehouse_metadata(
        invocation.stream(),
        connect=partial(connect, load_settings(), read_only=True),
        manifest=invocation.manifest,
        translator=invocation.dagster_dbt_translator,
        target_path=invocation.target_path,
        project=invocation.project,
        log=context.log,
    )
    shutil.rmtree(invocation.target_path, ignore_errors=True)
    remove_project_copy(invocation.project_dir)


def remove_project_copy(project_dir: Path) -> None:
    """Remove the copy of the dbt project dagster-dbt makes for a selection of more than 200
    nodes (it writes a YAML selector there, runs dbt in it and leaves it behind: one copy of
    ``dbt_project/``, target folder included, per full build). Never the project itself."""
    copy = Path(project_dir).resolve()
    if copy != DBT_PROJECT_DIR.resolve() and copy.is_relative_to(
        Path(tempfile.gettempdir()).resolve()
    ):
        shutil.rmtree(copy, ignore_errors=True)
