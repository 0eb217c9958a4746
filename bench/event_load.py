"""Event-file loading: our loader against DuckDB's own ``read_json`` over the same landing files.

The loader does more than the peer (validation, dedupe, per-event tables, one transaction), so
the ratio says what that costs. Both run over every landing file under ``settings.landing_dir``
(written by ``world generate``) into a scratch DuckDB file, never the user's warehouse.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from platform_assets.ingestion.events_load import landed_days, load_days
from platform_assets.settings import Settings


def bench_event_load(settings: Settings) -> list[dict[str, Any]]:
    """``{"name", "value", "unit"}`` rows: loader rows/s with DuckDB's read_json as the peer."""
    days = landed_days(settings.landing_dir)
    if not days:
        return []
    files = [str(p) for p in sorted(settings.landing_dir.rglob("*.ndjson.gz"))]
    with tempfile.TemporaryDirectory(prefix="roundtrip-bench-events-") as tmp:
        scratch = Path(tmp)
        con = duckdb.connect(str(scratch / "ours.duckdb"))
        started = time.perf_counter()
        report = load_days(con, settings.landing_dir, scratch / "quarantine", days[0], days[-1])
        ours = time.perf_counter() - started
        con.close()

        peer_con = duckdb.connect(str(scratch / "peer.duckdb"))
        started = time.perf_counter()
        peer_con.execute(
            "create table events as select * from read_json(?, format = 'newline_delimited')",
            [files],
        )
        peer = time.perf_counter() - started
        peer_con.close()

    ours_rate, peer_rate = report.rows_read / ours, report.rows_read / peer
    return [
        {
            "name": "event_load_rows_per_s",
            "value": round(ours_rate, 1),
            "unit": "rows/s",
            "peer": round(peer_rate, 1),
            "ratio": round(ours_rate / peer_rate, 3),
            "rows": report.rows_read,
            "files": len(files),
            "days": len(days),
        },
        {"name": "event_load_seconds", "value": round(ours, 3), "unit": "s"},
    ]
