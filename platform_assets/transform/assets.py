"""Every dbt model (and its data tests, as asset checks) as one Dagster multi-asset.

The op runs ``dbt build`` for the selected models, so tests run right after the model they
check, and streams dbt's events as materializations and check results. It joins the ``duckdb``
pool: DuckDB has one writer, and dbt writes the same file the ingestion assets do.
"""

import shutil
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from platform_assets.transform.project import dbt_project
from platform_assets.transform.resource import dbt_resource
from platform_assets.transform.translator import RoundtripDbtTranslator
from platform_assets.warehouse import DUCKDB_POOL

__all__ = ["dbt_project_assets", "dbt_resource"]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=RoundtripDbtTranslator(),
    name="dbt_models",
    pool=DUCKDB_POOL,
)
def dbt_project_assets(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """dbt build of the selected models, streamed as materializations and check results.

    No ``fetch_row_counts()``: it queries the warehouse from this process while the dbt
    subprocess holds DuckDB's single write lock, so it fails or, worse, takes the lock first.
    dagster-dbt gives every invocation its own folder under ``dbt_project/target/``; a
    successful run's folder is removed, a failed run's stays for debugging.
    """
    invocation = dbt.cli(["build"], context=context)
    yield from invocation.stream()
    shutil.rmtree(invocation.target_path, ignore_errors=True)
