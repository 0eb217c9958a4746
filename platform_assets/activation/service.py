"""Running a sync end to end: settings → destination client → warehouse → engine → alert.

The CLI (``roundtrip sync ...``) and the Dagster assets both run syncs through here, so a sync
behaves the same from a terminal and from the UI: same connection handling, same alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from platform_assets import alerts
from platform_assets.activation import destinations, engine
from platform_assets.activation.engine import SyncFailed, SyncResult
from platform_assets.activation.http import Clock
from platform_assets.activation.spec import SyncSpec
from platform_assets.activation.state import SCHEMA
from platform_assets.settings import Settings
from platform_assets.warehouse import connect, table_exists


def run_sync(
    spec: SyncSpec,
    settings: Settings,
    *,
    dry_run: bool = False,
    full_resync: bool = False,
    clock: Clock | None = None,
    log: Callable[[str], None] = lambda message: None,
    on_checkpoint: Callable[[int], None] | None = None,
) -> SyncResult:
    """Run one sync; a failed run or one over its rejection threshold posts an alert."""
    destination = destinations.connect(
        spec.destination, spec.object, settings, spec.destination_options, clock
    )
    http = getattr(destination, "http", None)
    try:
        with connect(settings) as con:
            result = engine.run(
                con,
                spec,
                destination,
                dry_run=dry_run,
                full_resync=full_resync,
                requests_made=(lambda: (http.requests_sent, http.retries)) if http else None,
                on_checkpoint=on_checkpoint,
                log=log,
            )
    except SyncFailed as exc:
        alerts.post(
            settings.alert_webhook_url,
            f"roundtrip sync {spec.name} failed",
            {"error": str(exc), **_summary(exc.result)},
        )
        raise
    finally:
        destination.close()
    if not dry_run and result.rejected_share > spec.max_rejected_share:
        alerts.post(
            settings.alert_webhook_url,
            f"roundtrip sync {spec.name}: {result.rejected_share:.1%} of records rejected "
            f"(threshold {spec.max_rejected_share:.1%})",
            _summary(result),
        )
    return result


def _summary(result: SyncResult) -> dict[str, Any]:
    return {
        "run": result.run_id,
        "added / changed / removed": f"{result.added} / {result.changed} / {result.removed}",
        "succeeded / rejected / invalid": (
            f"{result.succeeded} / {result.rejected} / {result.invalid}"
        ),
        "left for the next run": result.pending,
    }


def status(spec: SyncSpec, settings: Settings, runs: int = 5) -> dict[str, Any]:
    """The last ``runs`` runs and the records waiting for a retry (or given up)."""
    with connect(settings, read_only=True) as con:
        if not table_exists(con, SCHEMA, "sync_runs"):
            return {"runs": [], "errors": []}
        cursor = con.execute(
            f"""
            select * from {SCHEMA}.sync_runs where sync_name = ?
            order by started_at desc limit ?
            """,
            [spec.name, runs],
        )
        names = [d[0] for d in cursor.description]
        last_runs = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        cursor = con.execute(
            f"""
            select record_key, kind, operation, error, retriable, attempts, last_failed_at
            from {SCHEMA}.sync_record_errors where sync_name = ?
            order by kind, record_key
            """,
            [spec.name],
        )
        names = [d[0] for d in cursor.description]
        errors = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {"runs": last_runs, "errors": errors}
