"""The sync engine: diff a model against what the destination acknowledged, send the changes in
batches, and commit a checkpoint after every batch the destination answered.

Guarantees, and how they are kept:

- **Nothing is counted that the destination did not confirm.** A record enters the snapshot
  only from an accepted :class:`~.destinations.base.Outcome`; rejected records are stored with
  the destination's message and come back in the next run's diff with their latest values.
- **A crash re-sends at most the batch in flight.** Each batch's snapshot rows, error rows and
  the run's counters are written in one warehouse transaction after the destination answered;
  a process killed before that commit loses only that batch's acknowledgement.
- **Bad rows never leave.** Null or duplicated keys are invalid and never sent; a mapped column
  missing from the model stops the run before the first request; a whole batch refused for one
  bad record is split until that record is alone.
- **Mirror deletes are capped** at ``max_delete_share`` of the destination's records per run,
  the rest deferred; a full resync (asked for, or because the mapping changed) never deletes.
- **Every run is accounted for** in ``activation.sync_runs``: succeeded + rejected + invalid =
  added + changed + removed once it finishes (``pending`` holds what a failed run never sent).

The engine knows nothing of Dagster: the asset layer and the CLI call :func:`run`.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from platform_assets.activation import diff, state
from platform_assets.activation.destinations.base import (
    BatchRejected,
    Destination,
    Operation,
    Outcome,
    Record,
)
from platform_assets.activation.destinations.files import FileExport
from platform_assets.activation.http import DestinationUnavailable
from platform_assets.activation.spec import SyncSpec
from platform_assets.activation.state import COUNT_COLUMNS, SCHEMA, snapshot_table

SEND_OPERATION = {
    "upsert": Operation.UPSERT,
    "update": Operation.UPDATE,
    "insert": Operation.INSERT,
    "mirror": Operation.UPSERT,
}


class SyncError(Exception):
    """The sync cannot run as defined (missing model or column, unsupported operation);
    raised before anything is sent."""


class SyncFailed(Exception):
    """The run stopped partway (the destination stayed unavailable); ``result`` says how far
    it got. Everything acknowledged before is checkpointed; the rest is sent by the next run."""

    def __init__(self, message: str, result: SyncResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class SyncResult:
    """One run's outcome and counts (the row it wrote to ``activation.sync_runs``)."""

    sync: str
    run_id: str
    status: str  # succeeded | failed | paused | dry_run
    dry_run: bool = False
    full_resync: bool = False
    added: int = 0
    changed: int = 0
    removed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_COLUMNS, 0))
    pending: int = 0
    deferred: int = 0
    given_up: int = 0
    batches: int = 0
    requests: int = 0
    retries: int = 0
    diff_seconds: float = 0.0
    send_seconds: float = 0.0
    error: str | None = None
    destination: dict[str, Any] = field(default_factory=dict)
    """The destination as it described itself (object, batch size, rate limit, file...)."""

    def total(self, outcome: str) -> int:
        return sum(self.counts[f"{op}_{outcome}"] for op in state.OPERATIONS)

    @property
    def succeeded(self) -> int:
        return self.total("succeeded")

    @property
    def rejected(self) -> int:
        return self.total("rejected")

    @property
    def invalid(self) -> int:
        return self.total("invalid")

    @property
    def rejected_share(self) -> float:
        """Rejected ÷ records the destination answered for (0 when none were sent)."""
        answered = self.succeeded + self.rejected
        return self.rejected / answered if answered else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(succeeded=self.succeeded, rejected=self.rejected, invalid=self.invalid)
        return data


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def model_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    try:
        return [row[0] for row in con.execute(f"describe select * from {relation}").fetchall()]
    except duckdb.CatalogException:
        raise SyncError(
            f"model relation {relation} does not exist: build its dbt model first"
        ) from None


def require_columns(spec: SyncSpec, columns: list[str]) -> None:
    """Raise :class:`SyncError` naming every mapped or key column the model lacks."""
    missing = [column for column in spec.columns if column not in columns]
    if missing:
        raise SyncError(
            f"sync {spec.name}: model {spec.model_relation} has no column(s) "
            f"{', '.join(missing)} (mapped or primary key); nothing was sent"
        )


def check_definition(
    con: duckdb.DuckDBPyConnection, spec: SyncSpec, destination: Destination
) -> None:
    """Everything that can be wrong before the first request: the model's columns, the
    destination's fields and whether it supports what the mode needs."""
    require_columns(spec, model_columns(con, spec.model_relation))
    needed = {SEND_OPERATION[spec.mode]}
    if spec.delete_policy == "delete":
        needed.add(Operation.DELETE)
    unsupported = sorted(op.value for op in needed - destination.operations)
    if unsupported:
        raise SyncError(
            f"sync {spec.name}: {destination.name} {destination.object_name} does not support "
            f"{', '.join(unsupported)} (it supports "
            f"{', '.join(sorted(op.value for op in destination.operations))})"
        )
    destination.check_fields(list(spec.mapping))


class _Run:
    """One run's state: the connection, the counters and the checkpoint writer."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        spec: SyncSpec,
        destination: Destination,
        result: SyncResult,
        on_checkpoint: Callable[[int], None] | None,
    ) -> None:
        self.con = con
        self.spec = spec
        self.destination = destination
        self.result = result
        self.on_checkpoint = on_checkpoint
        self.key_fields = [f for f, c in spec.mapping.items() if c == spec.primary_key]
        self.fields = list(spec.mapping)

    # --- sending --------------------------------------------------------------------------
    def operation(self, category: str) -> Operation:
        if category != "removed":
            return SEND_OPERATION[self.spec.mode]
        if self.spec.delete_policy == "delete":
            return Operation.DELETE
        return Operation.UPDATE if self.spec.mode == "update" else Operation.UPSERT

    def record(self, row: dict[str, Any]) -> Record:
        if row["category"] == "removed":  # clear or delete: the key fields only, values null
            values = dict.fromkeys(self.fields) if self.spec.delete_policy == "clear" else {}
            values.update(dict.fromkeys(self.key_fields, row["record_key"]))
        else:
            values = {f: row[f"v_{n}"] for n, f in enumerate(self.fields)}
        return Record(row["record_key"], values, row["destination_id"])

    def send(self, operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        """Send, splitting a batch the destination refused as a whole until the bad record
        is alone; one outcome per record, checked against what was sent."""
        try:
            outcomes = self.destination.send(operation, records)
        except BatchRejected as exc:
            if len(records) == 1:
                return [Outcome.rejected(records[0].key, str(exc), exc.retriable)]
            middle = len(records) // 2
            return self.send(operation, records[:middle]) + self.send(operation, records[middle:])
        if [o.key for o in outcomes] != [r.key for r in records]:
            raise SyncError(
                f"{self.destination.name} answered for {len(outcomes)} records in another "
                f"order or set than the {len(records)} sent (a destination client bug)"
            )
        return outcomes

    # --- checkpoints ----------------------------------------------------------------------
    def checkpoint(self, rows: list[dict[str, Any]], outcomes: list[Outcome]) -> None:
        """One transaction: snapshot rows of what was accepted, error rows of what was not,
        the run's counters."""
        spec, con, result = self.spec, self.con, self.result
        now = _now()
        kept = [(r, o) for r, o in zip(rows, outcomes, strict=True) if o.ok]
        gone = [r["record_key"] for r, o in kept if r["category"] == "removed"]
        landed = [(r, o) for r, o in kept if r["category"] != "removed"]
        failed = [(r, o) for r, o in zip(rows, outcomes, strict=True) if not o.ok]
        snapshot = snapshot_table(spec.name)
        con.execute("begin transaction")
        try:
            if landed:
                con.execute(
                    f"""
                    insert into {snapshot} as s
                    select unnest($keys), unnest($hashes), unnest($ids), $now, $run
                    on conflict (record_key) do update set
                        row_hash = excluded.row_hash,
                        destination_id = coalesce(excluded.destination_id, s.destination_id),
                        synced_at = excluded.synced_at,
                        run_id = excluded.run_id
                    """,
                    {
                        "keys": [r["record_key"] for r, _ in landed],
                        "hashes": [r["row_hash"] for r, _ in landed],
                        "ids": [o.destination_id for _, o in landed],
                        "now": now,
                        "run": result.run_id,
                    },
                )
            if gone:
                con.execute(
                    f"delete from {snapshot} where record_key in (select unnest($keys))",
                    {"keys": gone},
                )
            if kept:
                con.execute(
                    f"""
                    delete from {SCHEMA}.sync_record_errors
                    where sync_name = $sync and kind <> 'invalid'
                        and record_key in (select unnest($keys))
                    """,
                    {"sync": spec.name, "keys": [r["record_key"] for r, _ in kept]},
                )
            if failed:
                self._record_rejections(failed, now)
            for row, outcome in zip(rows, outcomes, strict=True):
                outcome_name = "succeeded" if outcome.ok else "rejected"
                result.counts[f"{row['category']}_{outcome_name}"] += 1
            result.pending -= len(rows)
            result.batches += 1
            self.save_counts()
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        if self.on_checkpoint is not None:
            self.on_checkpoint(result.batches)

    def _record_rejections(self, failed: list[tuple[dict, Outcome]], now: datetime) -> None:
        self.con.execute(
            """
            create or replace temp table _sync_rejected as
            select unnest($keys) as record_key, unnest($ops) as operation,
                unnest($errors) as error, unnest($retriable) as retriable,
                unnest($hashes) as row_hash
            """,
            {
                "keys": [r["record_key"] for r, _ in failed],
                "ops": [r["category"] for r, _ in failed],
                "errors": [o.error or "rejected without a message" for _, o in failed],
                "retriable": [o.retriable for _, o in failed],
                "hashes": [r["row_hash"] for r, _ in failed],
            },
        )
        self.con.execute(
            f"""
            create or replace temp table _sync_rejected_merged as
            select
                n.record_key, n.operation, n.error, n.retriable, n.row_hash,
                coalesce(e.attempts, 0) + 1 as attempts,
                coalesce(e.first_run_id, $run) as first_run_id,
                coalesce(e.first_failed_at, $now) as first_failed_at
            from _sync_rejected as n
            left join {SCHEMA}.sync_record_errors as e
                on e.sync_name = $sync and e.kind <> 'invalid' and e.record_key = n.record_key
            """,
            {"sync": self.spec.name, "run": self.result.run_id, "now": now},
        )
        self.con.execute(
            f"""
            delete from {SCHEMA}.sync_record_errors
            where sync_name = $sync and kind <> 'invalid'
                and record_key in (select record_key from _sync_rejected)
            """,
            {"sync": self.spec.name},
        )
        self.con.execute(
            f"""
            insert into {SCHEMA}.sync_record_errors
            select $sync, record_key, operation,
                case when not retriable and attempts >= $max_attempts
                    then 'given_up' else 'rejected' end,
                error, retriable, attempts, row_hash, first_run_id, $run, first_failed_at, $now
            from _sync_rejected_merged
            """,
            {
                "sync": self.spec.name,
                "max_attempts": self.spec.max_attempts,
                "run": self.result.run_id,
                "now": now,
            },
        )

    def save_counts(self, status: str | None = None, finished: bool = False) -> None:
        result = self.result
        sets = ", ".join(f"{c} = ${c}" for c in COUNT_COLUMNS)
        self.con.execute(
            f"""
            update {SCHEMA}.sync_runs set {sets},
                status = coalesce($status, status),
                finished_at = case when $finished then $now else finished_at end,
                pending = $pending, batches = $batches, requests = $requests,
                retries = $retries, send_seconds = $send_seconds, error = $error
            where run_id = $run
            """,
            {
                **result.counts,
                "status": status,
                "finished": finished,
                "now": _now(),
                "pending": result.pending,
                "batches": result.batches,
                "requests": result.requests,
                "retries": result.retries,
                "send_seconds": result.send_seconds,
                "error": result.error,
                "run": result.run_id,
            },
        )


def _insert_run(con: duckdb.DuckDBPyConnection, result: SyncResult, status: str) -> None:
    con.execute(
        f"""
        insert into {SCHEMA}.sync_runs (
            run_id, sync_name, status, dry_run, full_resync, started_at, finished_at,
            added, changed, removed,
            {", ".join(COUNT_COLUMNS)}, pending, deferred, given_up, diff_seconds, error
        ) values (
            $run, $sync, $status, $dry_run, $full_resync, $now,
            case when $status = 'running' then null else $now end, $added, $changed, $removed,
            {", ".join(f"${c}" for c in COUNT_COLUMNS)}, $pending, $deferred, $given_up,
            $diff_seconds, $error
        )
        """,
        {
            "run": result.run_id,
            "sync": result.sync,
            "status": status,
            "dry_run": result.dry_run,
            "full_resync": result.full_resync,
            "now": _now(),
            "added": result.added,
            "changed": result.changed,
            "removed": result.removed,
            **result.counts,
            "pending": result.pending,
            "deferred": result.deferred,
            "given_up": result.given_up,
            "diff_seconds": result.diff_seconds,
            "error": result.error,
        },
    )


def _mapping_changed(con: duckdb.DuckDBPyConnection, spec: SyncSpec) -> bool:
    """True when the snapshot was sent under another mapping (and holds anything)."""
    rows = con.execute(
        f"select mapping_hash from {SCHEMA}.sync_state where sync_name = ?", [spec.name]
    ).fetchall()
    if not rows:
        return False
    held = con.execute(f"select count(*) from {snapshot_table(spec.name)}").fetchall()[0][0]
    return rows[0][0] != spec.mapping_hash() and held > 0


def _save_mapping(con: duckdb.DuckDBPyConnection, spec: SyncSpec) -> None:
    """Record the mapping the snapshot now holds (a later change means a full resync)."""
    con.execute(
        f"""
        insert into {SCHEMA}.sync_state values (?, ?, ?)
        on conflict (sync_name) do update set
            mapping_hash = excluded.mapping_hash, updated_at = excluded.updated_at
        """,
        [spec.name, spec.mapping_hash(), _now()],
    )


def _delete_cap(con: duckdb.DuckDBPyConnection, spec: SyncSpec, dest: Destination) -> int | None:
    """How many removed records this run may send: the share of the destination's records
    (its own count, else what the snapshot says it holds)."""
    if spec.delete_policy == "ignore":
        return None
    base = dest.count() if spec.delete_policy == "delete" else None
    if base is None:
        base = con.execute(f"select count(*) from {snapshot_table(spec.name)}").fetchall()[0][0]
    return math.floor(spec.max_delete_share * base)


def _record_invalid(con: duckdb.DuckDBPyConnection, spec: SyncSpec, run_id: str) -> None:
    """Replace the sync's invalid rows with this run's (they describe the model as it is)."""
    now = _now()
    con.execute(
        f"delete from {SCHEMA}.sync_record_errors where sync_name = ? and kind = 'invalid'",
        [spec.name],
    )
    con.execute(
        f"""
        insert into {SCHEMA}.sync_record_errors
        select $sync, record_key, category, 'invalid', error, false, 1, row_hash,
            $run, $run, $now, $now
        from _sync_invalid
        """,
        {"sync": spec.name, "run": run_id, "now": now},
    )


def run(
    con: duckdb.DuckDBPyConnection,
    spec: SyncSpec,
    destination: Destination | FileExport,
    *,
    dry_run: bool = False,
    full_resync: bool = False,
    requests_made: Callable[[], tuple[int, int]] | None = None,
    on_checkpoint: Callable[[int], None] | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> SyncResult:
    """Run ``spec`` once against ``destination`` on the warehouse connection ``con``.

    ``requests_made`` returns (requests, retries) so far, for the run's counters;
    ``on_checkpoint(n)`` is called after the n-th checkpoint commits.
    Raises :class:`SyncError` before sending when the definition cannot work and
    :class:`SyncFailed` when the destination stayed unavailable partway."""
    state.ensure(con, spec.name)
    result = SyncResult(sync=spec.name, run_id=uuid.uuid4().hex, status="running")
    result.dry_run = dry_run
    result.destination = destination.describe()
    if spec.paused:
        result.status = "paused"
        _insert_run(con, result, "paused")
        log(f"sync {spec.name} is paused (paused: true in its definition); nothing sent")
        return result
    if isinstance(destination, FileExport):
        return _export(con, spec, destination, result, full_resync, log)
    try:
        check_definition(con, spec, destination)
        delete_cap = _delete_cap(con, spec, destination)
    except DestinationUnavailable as exc:
        result.status, result.error = "failed", str(exc)
        _insert_run(con, result, "failed")
        raise SyncFailed(f"sync {spec.name} could not start: {exc}", result) from exc
    con.execute(
        f"""
        update {SCHEMA}.sync_runs set status = 'interrupted', finished_at = ?
        where sync_name = ? and status = 'running'
        """,
        [_now(), spec.name],
    )
    result.full_resync = full_resync or _mapping_changed(con, spec)
    if result.full_resync and not full_resync:
        log(f"sync {spec.name}: the mapping changed since the last run, so this is a full resync")
    plan = diff.build(
        con,
        spec,
        full_resync=result.full_resync,
        delete_cap=None if result.full_resync else delete_cap,
    )
    result.added, result.changed, result.removed = plan.added, plan.changed, plan.removed
    result.counts["added_invalid"] = plan.invalid_added
    result.counts["changed_invalid"] = plan.invalid_changed
    result.pending = plan.to_send - plan.invalid_added - plan.invalid_changed
    result.deferred, result.given_up, result.diff_seconds = (
        plan.deferred,
        plan.given_up,
        plan.seconds,
    )
    log(
        f"sync {spec.name}: {plan.added} added, {plan.changed} changed, {plan.removed} removed "
        f"({plan.invalid_added + plan.invalid_changed} invalid, {plan.deferred} deletes deferred "
        f"by the cap, {plan.given_up} given up) in {plan.seconds:.2f}s"
    )
    sync_run = _Run(con, spec, destination, result, on_checkpoint)
    batch_size = min(spec.batch_size or destination.max_batch_size, destination.max_batch_size)
    if dry_run:
        result.status = "dry_run"
        _predict(sync_run, batch_size)
        _insert_run(con, result, "dry_run")
        return result

    con.execute("begin transaction")
    _insert_run(con, result, "running")
    _record_invalid(con, spec, result.run_id)
    con.execute("commit")
    started = time.perf_counter()
    try:
        for operation, group in _batches(sync_run, batch_size):
            outcomes = sync_run.send(operation, [sync_run.record(r) for r in group])
            result.send_seconds = time.perf_counter() - started
            if requests_made is not None:
                result.requests, result.retries = requests_made()
            sync_run.checkpoint(group, outcomes)
    except DestinationUnavailable as exc:
        result.status, result.error = "failed", str(exc)
        result.send_seconds = time.perf_counter() - started
        sync_run.save_counts(status="failed", finished=True)
        raise SyncFailed(
            f"sync {spec.name} stopped: {exc}; {result.succeeded} records synced and "
            f"checkpointed, {result.pending} left for the next run",
            result,
        ) from exc
    except Exception as exc:  # a refused token, a client bug: recorded, then raised as it is
        result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
        sync_run.save_counts(status="failed", finished=True)
        raise
    result.status = "succeeded"
    result.send_seconds = time.perf_counter() - started
    con.execute("begin transaction")
    sync_run.save_counts(status="succeeded", finished=True)
    _save_mapping(con, spec)
    con.execute("commit")
    log(
        f"sync {spec.name}: {result.succeeded} succeeded, {result.rejected} rejected, "
        f"{result.invalid} invalid in {result.batches} batches"
    )
    return result


def _batches(sync_run: _Run, batch_size: int) -> Iterator[tuple[Operation, list[dict[str, Any]]]]:
    """The planned records in order, a page of ``batch_size`` at a time, each page split into
    runs of one destination operation. Every page is fetched whole before it is sent, so the
    connection is free for the checkpoint that follows."""
    last_seq = 0
    while True:
        cursor = sync_run.con.execute(
            "select * from _sync_send where seq > ? order by seq limit ?", [last_seq, batch_size]
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if not rows:
            return
        last_seq = rows[-1]["seq"]
        groups: list[tuple[Operation, list[dict[str, Any]]]] = []
        for row in rows:
            operation = sync_run.operation(row["category"])
            if groups and groups[-1][0] == operation:
                groups[-1][1].append(row)
            else:
                groups.append((operation, [row]))
        yield from groups


def _predict(sync_run: _Run, batch_size: int) -> None:
    """A dry run's predicted outcomes, from destinations that validate without writing (Google
    Ads' ``validateOnly``); others leave the succeeded/rejected counts at zero."""
    result = sync_run.result
    for operation, group in _batches(sync_run, batch_size):
        outcomes = sync_run.destination.validate(operation, [sync_run.record(row) for row in group])
        if outcomes is None:
            return
        for row, outcome in zip(group, outcomes, strict=True):
            result.counts[f"{row['category']}_{'succeeded' if outcome.ok else 'rejected'}"] += 1


def _export(
    con: duckdb.DuckDBPyConnection,
    spec: SyncSpec,
    export: FileExport,
    result: SyncResult,
    full_resync: bool,
    log: Callable[[str], None],
) -> SyncResult:
    """A file export: diff for the counts, then rewrite the whole file when anything changed
    (or it is missing), and take the model's valid rows as the new snapshot in one commit."""
    columns = model_columns(con, spec.model_relation)
    spec = spec.with_columns(columns)
    require_columns(spec, columns)
    result.full_resync = full_resync or not export.exists()
    chosen = diff.build(con, spec, full_resync=result.full_resync, delete_cap=None)
    result.added, result.changed, result.removed = chosen.added, chosen.changed, chosen.removed
    result.counts["added_invalid"] = chosen.invalid_added
    result.counts["changed_invalid"] = chosen.invalid_changed
    result.diff_seconds = chosen.seconds
    if result.dry_run:
        result.status = "dry_run"
        _insert_run(con, result, "dry_run")
        return result
    sent = chosen.to_send - chosen.invalid_added - chosen.invalid_changed
    started = time.perf_counter()
    if sent or result.full_resync:
        key = diff.quote(spec.primary_key)
        select = ", ".join(
            f"{diff.quote(column)} as {diff.quote(field)}" for field, column in spec.mapping.items()
        )
        manifest = export.write(
            con,
            f"select {select} from {spec.model_relation} "
            f"where {key} is not null qualify count(*) over (partition by {key}) = 1 "
            f"order by {key}",
            result.run_id,
        )
        log(f"sync {spec.name}: wrote {manifest['rows']} rows to {manifest['file']}")
        result.batches = 1
    for category in state.OPERATIONS:
        count = getattr(result, category) - result.counts[f"{category}_invalid"]
        result.counts[f"{category}_succeeded"] = count
    result.status, result.send_seconds = "succeeded", time.perf_counter() - started
    snapshot = snapshot_table(spec.name)
    con.execute("begin transaction")
    _insert_run(con, result, "succeeded")
    con.execute(f"delete from {snapshot}")
    con.execute(
        f"""
        insert into {snapshot}
        select record_key, row_hash, null, $now, $run from _sync_model
        where record_key is not null
            and record_key not in (select record_key from _sync_duplicates)
        """,
        {"now": _now(), "run": result.run_id},
    )
    _record_invalid(con, spec, result.run_id)
    _save_mapping(con, spec)
    con.execute("commit")
    return result
