"""The sync engine's bookkeeping in the warehouse (schema ``activation``).

- ``snapshot__<sync>``: what the destination acknowledged, one row per record key: the hash of
  the mapped values it holds, the id it gave the record, and when. The diff compares the model
  with this; a checkpoint adds to it. A record only gets here when the destination confirmed it.
- ``sync_state``: per sync, the mapping the snapshot was sent with (a change → full resync).
- ``sync_runs``: one row per run with its counts (added / changed / removed × succeeded /
  rejected / invalid, plus pending and deferred), timings and outcome; updated at every
  checkpoint, so a run killed midway still shows how far it got.
- ``sync_record_errors``: records the destination rejected (with its message, whether retrying
  can help, how many attempts) and rows the model had that can never be sent (invalid keys).
"""

from __future__ import annotations

import duckdb

SCHEMA = "activation"
OPERATIONS = ("added", "changed", "removed")
OUTCOMES = ("succeeded", "rejected", "invalid")
COUNT_COLUMNS = [f"{op}_{outcome}" for op in OPERATIONS for outcome in OUTCOMES]

_DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.sync_state (
    sync_name varchar primary key,
    mapping_hash varchar not null,
    updated_at timestamp not null
);
create table if not exists {SCHEMA}.sync_runs (
    run_id varchar primary key,
    sync_name varchar not null,
    status varchar not null,
    dry_run boolean not null,
    full_resync boolean not null,
    started_at timestamp not null,
    finished_at timestamp,
    added bigint not null default 0,
    changed bigint not null default 0,
    removed bigint not null default 0,
    {", ".join(f"{c} bigint not null default 0" for c in COUNT_COLUMNS)},
    pending bigint not null default 0,
    deferred bigint not null default 0,
    given_up bigint not null default 0,
    batches bigint not null default 0,
    requests bigint not null default 0,
    retries bigint not null default 0,
    diff_seconds double,
    send_seconds double,
    error varchar
);
create table if not exists {SCHEMA}.sync_record_errors (
    sync_name varchar not null,
    record_key varchar,
    operation varchar not null,
    kind varchar not null,
    error varchar not null,
    retriable boolean not null,
    attempts integer not null,
    row_hash varchar,
    first_run_id varchar not null,
    last_run_id varchar not null,
    first_failed_at timestamp not null,
    last_failed_at timestamp not null
);
"""
"""``sync_record_errors.kind``: ``rejected`` (will be retried), ``given_up`` (permanently
rejected ``max_attempts`` times; retried again only when its values change) or ``invalid``."""


def snapshot_table(sync_name: str) -> str:
    return f'{SCHEMA}."snapshot__{sync_name}"'


def ensure(con: duckdb.DuckDBPyConnection, sync_name: str) -> None:
    """Create the bookkeeping tables (idempotent)."""
    con.execute(_DDL)
    con.execute(
        f"""
        create table if not exists {snapshot_table(sync_name)} (
            record_key varchar primary key,
            row_hash varchar not null,
            destination_id varchar,
            synced_at timestamp not null,
            run_id varchar not null
        )
        """
    )
