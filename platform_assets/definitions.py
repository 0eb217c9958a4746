"""The roundtrip code location: every layer's assets in one Dagster ``Definitions``.

This module only assembles what the layer packages define, merges the schedules, sensors and
checks of ``automation/``, and applies its global policies (automation conditions and retries,
then freshness). The dbt manifest must exist before it is imported
(``platform_assets.transform.project.prepare_manifest``; ``roundtrip demo``, CI and the test
session do it).
"""

import dagster as dg
from dagster_dlt import DagsterDltResource

from platform_assets import analytics, ingestion, reports
from platform_assets.activation.assets import sync_assets
from platform_assets.automation import (
    conditions,
    freshness,
    landing,
    raw_checks,
    run_failure,
    schedules,
    uploads,
)
from platform_assets.transform.assets import (
    dbt_activation_models,
    dbt_event_day_models,
    dbt_project_assets,
    dbt_resource,
)


def _layers() -> dg.Definitions:
    """Every room's assets, with the resources and executor they share."""
    return dg.Definitions(
        assets=[
            *dg.load_assets_from_package_module(ingestion),
            dbt_event_day_models,
            dbt_project_assets,
            *dg.load_assets_from_package_module(analytics),
            # the sync_* models: after the analytics assets they read, before the syncs that send
            # them (each sync asset depends on its model's key)
            dbt_activation_models,
            *sync_assets(),
            *dg.load_assets_from_package_module(reports),
        ],
        asset_checks=dg.load_asset_checks_from_package_module(analytics),
        resources={"dlt": DagsterDltResource(), "dbt": dbt_resource()},
        # Steps of one run share the process: 2.6-4.3x faster end to end than a process per step on
        # two cores, and DuckDB's single writer is never contended inside a run.
        executor=dg.in_process_executor,
    )


defs = freshness.apply(
    conditions.apply(
        dg.Definitions.merge(
            _layers(), schedules.defs, run_failure.defs, landing.defs, uploads.defs, raw_checks.defs
        )
    )
)
