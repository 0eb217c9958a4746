"""The demo a new user runs, once per test session: several tests read what it left behind.

``roundtrip demo --no-ui --scale tiny`` from an empty ROUNDTRIP_HOME is the slowest thing the
suite does (minutes); the end-to-end assertions (``test_demo.py``) and the browser test
(``test_ui.py``) both look at the same materialized warehouse and Dagster instance, so neither
may change them.
"""

from __future__ import annotations

import pytest

from tests.integration.demo_run import DemoRun, run_tiny_demo


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run_tiny_demo(tmp_path_factory.mktemp("demo") / "home")
