"""The syncs as Dagster assets: ``["activation", <destination>, <object>]``, one per definition.

Each asset sits downstream of its ``sync_*`` dbt model, so lineage runs from raw SaaS tables to
the destination; it materializes by running the engine (through :mod:`.service`), reports the
run's counts as metadata, and carries a blocking check on the share of records the destination
rejected. A sync with ``cron`` in its definition runs on that schedule; the others follow their
model (eager automation). Run config can ask for a dry run or a full resync.
"""

import dagster as dg

from platform_assets.activation import service
from platform_assets.activation.engine import SyncError, SyncFailed, SyncResult
from platform_assets.activation.spec import SyncSpec, load_all
from platform_assets.settings import load_settings
from platform_assets.warehouse import DUCKDB_POOL

GROUP = "activation"
CHECK_NAME = "rejected_share_below_threshold"
RETRY_POLICY = dg.RetryPolicy(
    max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
"""A failed sync step is retried after ~30 s, then ~60 s (± jitter): the engine commits a checkpoint
after every acknowledged batch, so a retry sends only what the destination has not acknowledged.
Not when the destination stayed unavailable (:class:`SyncFailed`): the HTTP client already
retried with backoff for minutes, and each further attempt would hold DuckDB's one writer (the
``duckdb`` pool) as long again, stalling every load behind it; the next automation window tries
again. Nor for a sync that cannot run as defined (:class:`SyncError`: a missing model or column,
an operation the destination lacks): it would fail the same way."""


class SyncRunConfig(dg.Config):
    """Per-run choices from the launchpad."""

    dry_run: bool = False
    """Diff and count only (destinations that can validate without writing also predict
    rejections); nothing is sent and no state changes."""
    full_resync: bool = False
    """Send every row of the model again (nothing is deleted)."""


def _metadata(result: SyncResult, spec: SyncSpec) -> dict[str, dg.MetadataValue]:
    counts = "\n".join(
        [
            "| | succeeded | rejected | invalid | total |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {op} | {result.counts[f'{op}_succeeded']} | {result.counts[f'{op}_rejected']}"
                f" | {result.counts[f'{op}_invalid']} | {getattr(result, op)} |"
                for op in ("added", "changed", "removed")
            ),
        ]
    )
    return {
        "status": dg.MetadataValue.text(result.status),
        "run_id": dg.MetadataValue.text(result.run_id),
        "added": dg.MetadataValue.int(result.added),
        "changed": dg.MetadataValue.int(result.changed),
        "removed": dg.MetadataValue.int(result.removed),
        "succeeded": dg.MetadataValue.int(result.succeeded),
        "rejected": dg.MetadataValue.int(result.rejected),
        "invalid": dg.MetadataValue.int(result.invalid),
        "deferred_deletes": dg.MetadataValue.int(result.deferred),
        "given_up": dg.MetadataValue.int(result.given_up),
        "rejected_share": dg.MetadataValue.float(round(result.rejected_share, 6)),
        "counts": dg.MetadataValue.md(counts),
        "batches": dg.MetadataValue.int(result.batches),
        "requests": dg.MetadataValue.int(result.requests),
        "retries": dg.MetadataValue.int(result.retries),
        "diff_seconds": dg.MetadataValue.float(round(result.diff_seconds, 3)),
        "send_seconds": dg.MetadataValue.float(round(result.send_seconds, 3)),
        "full_resync": dg.MetadataValue.bool(result.full_resync),
        "mode": dg.MetadataValue.text(spec.mode),
        "destination": dg.MetadataValue.json(result.destination),
    }


def sync_asset(spec: SyncSpec) -> dg.AssetsDefinition:
    """The asset that runs ``spec``."""
    key = dg.AssetKey(spec.asset_key_path)
    automation = (
        dg.AutomationCondition.on_cron(spec.cron) if spec.cron else dg.AutomationCondition.eager()
    )

    @dg.asset(
        key=key,
        deps=[dg.AssetKey(["activation", spec.model])],
        group_name=GROUP,
        kinds={spec.destination, "reverse_etl"},
        owners=list(spec.owners),
        pool=DUCKDB_POOL,
        retry_policy=RETRY_POLICY,
        automation_condition=automation,
        description=(
            f"{spec.description}\n\n{spec.mode} of `{spec.model}` into {spec.destination} "
            f"{spec.object} by `{spec.primary_key}`; fields: "
            + ", ".join(f"{field} ← {column}" for field, column in spec.mapping.items())
        ),
        metadata={"sync": spec.name, "definition": spec.to_dict()},
        check_specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                blocking=True,
                description=(
                    f"At most {spec.max_rejected_share:.0%} of the records sent were rejected by "
                    f"{spec.destination} (see activation.sync_record_errors)."
                ),
            )
        ],
    )
    def _sync(context: dg.AssetExecutionContext, config: SyncRunConfig) -> dg.MaterializeResult:
        try:
            result = service.run_sync(
                spec,
                load_settings(),
                dry_run=config.dry_run,
                full_resync=config.full_resync,
                log=context.log.info,
            )
        except (SyncFailed, SyncError) as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        passed = result.rejected_share <= spec.max_rejected_share
        return dg.MaterializeResult(
            metadata=_metadata(result, spec),
            check_results=[
                dg.AssetCheckResult(
                    check_name=CHECK_NAME,
                    passed=passed,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=(
                        f"{result.rejected} of {result.succeeded + result.rejected} records "
                        f"rejected ({result.rejected_share:.1%}; threshold "
                        f"{spec.max_rejected_share:.0%})."
                    ),
                    metadata={"rejected": result.rejected, "succeeded": result.succeeded},
                )
            ],
        )

    return _sync


def sync_assets() -> list[dg.AssetsDefinition]:
    """One asset per definition in ``activation/syncs``."""
    return [sync_asset(spec) for spec in load_all().values()]
