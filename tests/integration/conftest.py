"""The demo a new user runs, once per test session: several tests read what it left behind.

``roundtrip demo --no-ui --scale tiny`` from an empty ROUNDTRIP_HOME is the slowest thing the
suite does (minutes); the end-to-end assertions (``test_demo.py``) and the browser test
(``test_ui.py``) both look at the same materialized warehouse and Dagster instance, so neither
may change them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.demo_run import DemoRun, run_tiny_demo


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run_tiny_demo(tmp_path_factory.mktemp("demo") / "home")


_SCREENSHOTS = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser test saves what it saw; the folder is printed when the session ends."""
    folder = tmp_path_factory.mktemp("ui-screenshots")
    request.config.stash[_SCREENSHOTS] = folder
    return folder


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    folder = config.stash.get(_SCREENSHOTS, None)
    if folder is not None:
        shots = sorted(path.name for path in folder.glob("*.png"))
        terminalreporter.write_line(f"Dagster UI screenshots in {folder}: {', '.join(shots)}")
