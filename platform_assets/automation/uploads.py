"""The uploads sensor: a spreadsheet dropped in ``$ROUNDTRIP_HOME/uploads`` loads by itself.

Every tick it looks at the newest ``budgets*`` and ``targets*`` file (CSV or XLSX, the files
that count: see ``ingestion/uploads_files.py``) and, when one is new or changed since the last
request, requests a run of the matching ``raw/uploads/<table>`` asset. The run key is the file's
name, modification time and size, and the cursor remembers the last file requested per table,
so a file loads once and an edited file (new time or size) loads again. A file modified in the
last few seconds is left for the next tick: it may still be being copied in, and a half-written
file would be rejected and quarantined.

The runs never retry on failure: a rejected file is already in quarantine, and a retry would
reload an older file over the message a marketer needs to see.
"""

import json
import time

import dagster as dg

from platform_assets.ingestion.uploads_files import KINDS, newest, signature
from platform_assets.settings import load_settings

SETTLE_SECONDS = 2.0
"""How long a file must stay unmodified before it is loaded."""

uploads_job = dg.define_asset_job(
    "load_uploads",
    selection=dg.AssetSelection.groups("raw_uploads"),
    description="Load the newest budget/target spreadsheets from the uploads folder.",
    tags={"dagster/retry_on_asset_or_op_failure": "false"},
)


@dg.sensor(
    job=uploads_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Loads a budget/target spreadsheet dropped in the uploads folder.",
)
def uploads_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """A run of ``raw/uploads/<table>`` for each table whose newest file is new or changed."""
    settings = load_settings()
    requested: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    now = time.time()
    run_requests = []
    for table, kind in KINDS.items():
        path = newest(settings.uploads_dir, kind)
        if path is None or now - path.stat().st_mtime < SETTLE_SECONDS:
            continue
        key = signature(path)
        if requested.get(table) == key:
            continue
        requested[table] = key
        run_requests.append(
            dg.RunRequest(
                run_key=key,
                asset_selection=[dg.AssetKey(["raw", "uploads", table])],
                tags={"roundtrip/upload": path.name},
            )
        )
    if not run_requests:
        return dg.SkipReason(f"no new or changed upload in {settings.uploads_dir}")
    return dg.SensorResult(run_requests=run_requests, cursor=json.dumps(requested, sort_keys=True))


defs = dg.Definitions(jobs=[uploads_job], sensors=[uploads_sensor])
