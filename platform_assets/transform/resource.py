"""The dbt CLI resource the dbt assets run with.

dbt's profile reads the warehouse path from ``ROUNDTRIP_WAREHOUSE_PATH``. The resource sets it
from settings on every invocation (at run time, never at import), absolute, so dbt and the
ingestion assets always open the same DuckDB file whatever the working directory.
"""

from __future__ import annotations

import os
from typing import Any

from dagster_dbt import DbtCliInvocation, DbtCliResource

from platform_assets.settings import load_settings
from platform_assets.transform.project import WAREHOUSE_ENV_VAR, dbt_executable, dbt_project


class RoundtripDbtCliResource(DbtCliResource):
    """DbtCliResource that points dbt's profile at the settings' warehouse before each call.

    The variable goes into this process's environment because dagster-dbt builds dbt's
    environment from it and also renders the profile in-process (to set up its dbt adapter).
    """

    def cli(self, args: list[str], **kwargs: Any) -> DbtCliInvocation:
        os.environ[WAREHOUSE_ENV_VAR] = str(load_settings().warehouse_path)
        return super().cli(args, **kwargs)


def dbt_resource() -> RoundtripDbtCliResource:
    """The ``dbt`` resource for Definitions: this repo's project and the venv's dbt."""
    return RoundtripDbtCliResource(project_dir=dbt_project, dbt_executable=str(dbt_executable()))
