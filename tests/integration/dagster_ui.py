"""The Dagster webserver over a finished demo, and Debian's chromium driven by Playwright.

The webserver is the venv's ``dagster-webserver`` on a free localhost port, reading the demo's
instance (its DAGSTER_HOME) and loading the code location exactly as ``roundtrip demo`` serves it.
It runs in its own process group so that stopping it stops every process it started. Chromium is
the system's (``/usr/bin/chromium``): Playwright drives it and never downloads a browser.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.run import free_port
from platform_assets.demo import REPO_ROOT
from platform_assets.settings import load_settings

CHROMIUM = Path("/usr/bin/chromium")
CODE_LOCATION = "platform_assets.definitions"  # named after the module it loads
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


def _code_location_loaded(url: str) -> bool:
    """True once every code location loaded; raises with Dagster's error when one failed."""
    try:
        workspace = _graphql(url, _LOCATIONS)["workspaceOrError"]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False  # not listening yet
    entries = workspace.get("locationEntries") or []
    if not entries or any(entry["loadStatus"] != "LOADED" for entry in entries):
        return False
    for entry in entries:
        location = entry["locationOrLoadError"]
        if location["__typename"] == "PythonError":
            raise RuntimeError(f"code location {entry['name']} failed: {location['message']}")
    return True


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the webserver's process group, SIGKILL it if it lingers."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


@contextmanager
def dagster_webserver(home: Path, log: Path, timeout: float = 180) -> Iterator[str]:
    """Serve the Dagster UI for the ROUNDTRIP_HOME ``home``; yields its base URL once the code
    location has loaded. The server's output goes to ``log`` (quoted when it fails to start)."""
    port = free_port()
    env = {
        **os.environ,
        **load_settings(env={"ROUNDTRIP_HOME": str(home), "ROUNDTRIP_SCALE": "tiny"}).to_env(),
    }
    command = [
        str(Path(sys.executable).with_name("dagster-webserver")),
        *("-m", CODE_LOCATION, "-h", "127.0.0.1", "-p", str(port)),
    ]
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=REPO_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while not _code_location_loaded(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"dagster-webserver did not serve {url} (exit {process.returncode}):\n"
                        + log.read_text()[-4000:]
                    )
                time.sleep(0.5)
            yield url
        finally:
            _stop_group(process)
