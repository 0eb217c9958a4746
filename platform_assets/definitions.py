"""The roundtrip code location: every layer's assets in one Dagster ``Definitions``.

This module only assembles what the layer packages define and applies global policies. The dbt
manifest must exist before it is imported (``platform_assets.transform.project.prepare_manifest``;
``roundtrip demo``, CI and the test session do it).
"""

import dagster as dg
from dagster_dlt import DagsterDltResource

from platform_assets import analytics, ingestion
from platform_assets.activation.assets import sync_assets
from platform_assets.transform.assets import (
    dbt_activation_models,
    dbt_project_assets,
    dbt_resource,
)

defs = dg.Definitions(
    assets=[
        *dg.load_assets_from_package_module(ingestion),
        dbt_project_assets,
        *dg.load_assets_from_package_module(analytics),
        # the sync_* models: after the analytics assets they read, before the syncs that send
        # them (each sync asset depends on its model's key)
        dbt_activation_models,
        *sync_assets(),
    ],
    asset_checks=dg.load_asset_checks_from_package_module(analytics),
    resources={"dlt": DagsterDltResource(), "dbt": dbt_resource()},
    # Steps of one run share the process: 2.6-4.3x faster end to end than a process per step on
    # two cores, and DuckDB's single writer is never contended inside a run.
    executor=dg.in_process_executor,
)
