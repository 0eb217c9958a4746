"""What ``dlt_support`` guarantees a process from its first run on, checked in fresh Python
processes (dlt's configuration is process-wide, so this test session's would hide a miss)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from platform_assets.ingestion import dlt_support

# Serves 503 (Retry-After: 0, so retries do not wait) to every request and counts them, then runs
# the Zendesk connector once against it in this fresh process.
FIRST_RUN = """
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from platform_assets.ingestion.dlt_support import run_source
from platform_assets.ingestion.zendesk import zendesk_source
from platform_assets.settings import load_settings

hits = []

class Unavailable(BaseHTTPRequestHandler):
    def do_GET(self):
        hits.append(self.path)
        self.send_response(503)
        self.send_header("Retry-After", "0")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
threading.Thread(target=server.serve_forever, daemon=True).start()
settings = load_settings(env={
    "ROUNDTRIP_HOME": sys.argv[1],
    "ROUNDTRIP_ZENDESK_URL": f"http://127.0.0.1:{server.server_port}",
})
try:
    run_source(settings, "zendesk", zendesk_source)
except Exception as exc:
    error = str(exc)
print(json.dumps({"requests": len(hits), "paths": sorted(set(hits)), "error": error}))
"""

DEFINITIONS = """
import json
from dlt.common.runtime import anon_tracker

import platform_assets.ingestion.zendesk  # builds the definition-only source and pipeline
from platform_assets.ingestion import dlt_support

print(json.dumps({
    "tracker_endpoint": anon_tracker._ANON_TRACKER_ENDPOINT,
    "scratch": str(dlt_support._definitions_dir()),
}))
"""


def run_fresh(script: str, *args: str) -> dict:
    """``script`` in a new interpreter without this session's dlt settings in its environment;
    its last output line, parsed."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RUNTIME__") and key != "DO_NOT_TRACK"
    }
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_first_run_retries_with_the_configured_policy(tmp_path: Path) -> None:
    result = run_fresh(FIRST_RUN, str(tmp_path / "home"))
    attempts = dlt_support.RETRY_CONFIG["runtime.request_max_attempts"]
    assert attempts == 8  # dlt's own default is 5: the test tells them apart
    # the first export fails after exactly the configured attempts, and the run stops there
    assert result["paths"] == ["/api/v2/incremental/tickets/cursor.json?per_page=1000&start_time=0"]
    assert result["requests"] == attempts
    assert "503" in result["error"]


def test_definitions_start_no_telemetry_and_use_a_private_scratch_folder() -> None:
    first, second = run_fresh(DEFINITIONS), run_fresh(DEFINITIONS)
    # dlt marks its runtime started, but with telemetry off it never sets up the tracker
    assert first["tracker_endpoint"] is None and second["tracker_endpoint"] is None
    assert first["scratch"] != second["scratch"]
    assert not Path(first["scratch"]).exists()  # removed when its process ended
