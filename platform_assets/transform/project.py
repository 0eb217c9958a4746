"""The dbt project as Dagster sees it: where it lives, and the manifest the assets are defined from.

Kept self-contained (no relative imports, nothing read at import time) so that
``dagster-dbt project prepare-and-package --file platform_assets/transform/project.py`` can
import it on its own when a deployment packages the manifest at build time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from platform_assets.settings import load_settings

# The package sits at the repository root beside dbt_project/ (an editable install, as `uv sync`
# makes); resolve() so the path is absolute whatever the working directory.
DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

WAREHOUSE_ENV_VAR = "ROUNDTRIP_WAREHOUSE_PATH"
"""The variable dbt's profiles.yml reads the warehouse path from."""

# Files and folders whose change means the manifest must be parsed again.
_PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> Path:
    """The dbt installed beside the running Python (``shutil.which`` misses an unactivated venv)."""
    return Path(sys.executable).parent / "dbt"


def _latest_input_change(project_dir: Path) -> float:
    paths = [project_dir / name for name in _PROJECT_INPUTS]
    files = [p for path in paths if path.exists() for p in [path, *path.rglob("*")]]
    return max(p.stat().st_mtime for p in files)


def prepare_manifest(force: bool = False) -> Path:
    """Write ``dbt_project/target/manifest.json`` with ``dbt parse`` when it is missing or older
    than the project's files (the dbt assets cannot be defined without it); returns its path.

    Call it before importing :mod:`platform_assets.transform.assets`: in CI, the test session and
    ``make demo``. A deployment can ship the manifest built by ``prepare-and-package`` instead.
    """
    manifest = dbt_project.manifest_path
    stale = not manifest.exists() or manifest.stat().st_mtime < _latest_input_change(
        dbt_project.project_dir
    )
    if not (force or stale):
        return manifest
    env = {
        **os.environ,
        WAREHOUSE_ENV_VAR: str(load_settings().warehouse_path),  # parsing never opens it
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    command = [
        str(dbt_executable()),
        "parse",
        "--quiet",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"dbt parse of {DBT_PROJECT_DIR} failed (exit {result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
    return manifest
