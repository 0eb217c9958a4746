"""Event-file loading: our loader against DuckDB's own ``read_json`` over the same landing files.

Like with like: both read the same list of files (every landed day, as one backfill would),
from a warm page cache (the files are read once before either is timed), each into a fresh
DuckDB file in a scratch folder, never the user's warehouse. Each rate is the rows that run
itself read per second. The loader does more than the peer (validation, dedupe, per-event
tables, one transaction), so the ratio says what that costs.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from platform_assets.ingestion.events_load import day_files, landed_days, load_days
from platform_assets.settings import Settings


def bench_event_load(settings: Settings) -> list[dict[str, Any]]:
    """``{"name", "value", "unit"}`` rows at the settings' scale: loader rows/s with DuckDB's
    read_json over the same files as the peer, and the loader's wall time."""
    days = landed_days(settings.landing_dir)
    if not days:
        return []
    files = day_files(settings.landing_dir, days[0], days[-1])
    for file in files:
        file.read_bytes()  # neither run pays for the first read from disk
    with tempfile.TemporaryDirectory(prefix="roundtrip-bench-events-") as tmp:
        scratch = Path(tmp)
        # The peer goes first: the loader moves a malformed file to quarantine.
        with duckdb.connect(str(scratch / "peer.duckdb")) as con:
            started = time.perf_counter()
            con.execute(
                "create table events as select * from read_json(?, format = 'newline_delimited')",
                [[str(file) for file in files]],
            )
            peer = time.perf_counter() - started
            peer_rows = con.execute("select count(*) from events").fetchone()[0]
        with duckdb.connect(str(scratch / "ours.duckdb")) as con:
            started = time.perf_counter()
            report = load_days(con, settings.landing_dir, scratch / "quarantine", days[0], days[-1])
            ours = time.perf_counter() - started

    ours_rate, peer_rate = report.rows_read / ours, peer_rows / peer
    prefix = f"event_load_{settings.scale}"
    return [
        {
            "name": f"{prefix}_rows_per_s",
            "value": round(ours_rate, 1),
            "unit": "rows/s",
            "peer": round(peer_rate, 1),
            "ratio": round(ours_rate / peer_rate, 3),
            "rows": report.rows_read,
            "peer_rows": peer_rows,
            "files": len(files),
            "files_quarantined": len(report.quarantined),
            "days": len(days),
        },
        {"name": f"{prefix}_seconds", "value": round(ours, 3), "unit": "s"},
    ]
