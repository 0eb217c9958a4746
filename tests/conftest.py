"""Fixtures shared by the whole suite: a tiny world generated once, a private copy of it per test,
and the sandbox APIs serving that copy on a free port; the grouping of tests on pytest-xdist
workers, and the browser test's screenshot folder, printed at the end (also under xdist).

Tests set ``ROUNDTRIP_HOME`` (and the sandbox port) in the environment, exactly as a user would,
so assets and connectors read the same settings they read in production.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from platform_assets.settings import Settings, load_settings

TINY_SEED = 7

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")


def pytest_configure(config: pytest.Config) -> None:
    """The dbt assets are defined from the manifest when their module is imported: parse the
    project (when any of its files changed) before collection imports it."""
    from platform_assets.transform.project import prepare_manifest

    prepare_manifest()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` runs two pytest-xdist workers with ``--dist loadgroup``: each module's tests
    stay on one worker, so a module fixture (a built warehouse) is built once; tests that share a
    costlier fixture across modules (the demo) name one group themselves."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def settings_for(home: Path, **env: str) -> Settings:
    return load_settings(env={"ROUNDTRIP_HOME": str(home), "ROUNDTRIP_SCALE": "tiny", **env})


@pytest.fixture(scope="session")
def tiny_world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny world (seed 7), generated once per session; copy it before changing anything."""
    from platform_assets.sandbox import world

    home = tmp_path_factory.mktemp("tiny-world")
    world.generate(settings_for(home, ROUNDTRIP_SEED=str(TINY_SEED)))
    return home


@pytest.fixture()
def world_home(tiny_world_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private ROUNDTRIP_HOME holding a copy of the tiny world (its clock and landing files)."""
    home = tmp_path / "home"
    shutil.copytree(tiny_world_template, home)
    monkeypatch.setenv("ROUNDTRIP_HOME", str(home))
    monkeypatch.setenv("ROUNDTRIP_SCALE", "tiny")
    monkeypatch.setenv("ROUNDTRIP_SEED", str(TINY_SEED))
    return home


@pytest.fixture()
def sandbox(world_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The sandbox APIs serving ``world_home`` on a free port; yields settings that point at it."""
    from platform_assets.sandbox.server import start_server

    server = start_server(settings_for(world_home), port=0)
    monkeypatch.setenv("ROUNDTRIP_SANDBOX_PORT", str(server.port))
    try:
        yield load_settings()
    finally:
        server.stop()


_UI_SCREENSHOTS = pytest.StashKey[Path]()
_WORKER_OUTPUT_KEY = "ui_screenshots"


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser test (``tests/integration/test_ui.py``) saves what it saw; the folder
    is printed when the session ends."""
    folder = tmp_path_factory.mktemp("ui-screenshots")
    request.config.stash[_UI_SCREENSHOTS] = folder
    return folder


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: hand the screenshots' folder to the controller, which prints."""
    folder = session.config.stash.get(_UI_SCREENSHOTS, None)
    worker_output = getattr(session.config, "workeroutput", None)
    if folder is not None and worker_output is not None:
        worker_output[_WORKER_OUTPUT_KEY] = str(folder)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook
def pytest_testnodedown(node: Any, error: object) -> None:
    folder = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT_KEY)
    if folder:
        node.config.stash[_UI_SCREENSHOTS] = Path(folder)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    folder = config.stash.get(_UI_SCREENSHOTS, None)
    if folder is not None:
        shots = sorted(path.name for path in folder.glob("*.png"))
        terminalreporter.write_line(f"Dagster UI screenshots in {folder}: {', '.join(shots)}")
