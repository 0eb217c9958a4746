"""Run ``roundtrip demo --no-ui --scale tiny`` the way a new user does, and keep what it left."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.run import free_port


@dataclass(frozen=True)
class DemoRun:
    """A finished ``roundtrip demo --no-ui`` run: its ROUNDTRIP_HOME and what it printed."""

    home: Path
    returncode: int
    stderr: str

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"

    def assert_succeeded(self) -> None:
        assert self.returncode == 0, self.stderr[-4000:]


def run_tiny_demo(home: Path) -> DemoRun:
    """The demo from an empty ``home``, its sandbox on a free port (stopped when it ends)."""
    env = {**os.environ, "ROUNDTRIP_HOME": str(home), "ROUNDTRIP_SANDBOX_PORT": str(free_port())}
    roundtrip = Path(sys.executable).with_name("roundtrip")
    demo = subprocess.run(
        [str(roundtrip), "demo", "--no-ui", "--scale", "tiny"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return DemoRun(home, demo.returncode, demo.stderr)
