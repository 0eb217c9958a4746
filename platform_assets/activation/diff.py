"""The diff: what to send this run, computed in SQL where the data is.

The model is compared with the snapshot of what the destination acknowledged, by primary key over
an md5 of the mapped values (keyed by destination field name, so renaming a field changes the
hash). The result is a temporary table ``_sync_send`` of the records to send in order (added and
changed first, removed last), each with its category and mapped values, and the counts the run
reports. Rows that can never be sent (a null or duplicated key) are listed apart as invalid.
Nothing here writes outside temporary tables, so a dry run is this step alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb

from platform_assets.activation.spec import SyncSpec
from platform_assets.activation.state import SCHEMA, snapshot_table


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class Plan:
    """How many records of each category the run will send, and what it leaves alone."""

    added: int
    changed: int
    removed: int
    invalid_added: int
    invalid_changed: int
    given_up: int
    deferred: int
    seconds: float

    @property
    def to_send(self) -> int:
        return self.added + self.changed + self.removed


def value_columns(spec: SyncSpec) -> list[str]:
    """``_sync_send`` holds one column per mapped destination field, named ``v_<n>``."""
    return [f"v_{n}" for n in range(len(spec.mapping))]


def build(
    con: duckdb.DuckDBPyConnection,
    spec: SyncSpec,
    *,
    full_resync: bool,
    delete_cap: int | None,
) -> Plan:
    """Create ``_sync_model`` (key, hash, values), ``_sync_invalid`` and ``_sync_send``, and
    count them.

    ``full_resync`` sends every valid row (as added or changed) and deletes nothing;
    ``delete_cap`` limits how many removed records are sent (None: no limit)."""
    started = time.perf_counter()
    key = quote(spec.primary_key)
    fields = list(spec.mapping.items())
    hashed = ", ".join(f"{quote(field)} := {quote(column)}" for field, column in fields)
    values = ", ".join(f"{quote(column)} as v_{n}" for n, (_field, column) in enumerate(fields))
    con.execute(
        f"""
        create or replace temp table _sync_model as
        select
            cast({key} as varchar) as record_key,
            md5(cast(to_json(struct_pack({hashed})) as varchar)) as row_hash,
            {values}
        from {spec.model_relation}
        """
    )
    # Duplicated keys are rare: count them apart rather than with a window over every row.
    con.execute(
        """
        create or replace temp table _sync_duplicates as
        select record_key, count(*) as key_rows
        from _sync_model where record_key is not null
        group by record_key having count(*) > 1
        """
    )
    snapshot = snapshot_table(spec.name)
    con.execute(
        f"""
        create or replace temp table _sync_invalid as
        select
            m.record_key,
            case when s.record_key is null then 'added' else 'changed' end as category,
            m.row_hash,
            case
                when m.record_key is null then 'null primary key {spec.primary_key}'
                else 'primary key {spec.primary_key} appears in ' || d.key_rows || ' rows'
            end as error
        from _sync_model as m
        left join _sync_duplicates as d on m.record_key = d.record_key
        left join {snapshot} as s on m.record_key = s.record_key
        where m.record_key is null or d.key_rows is not null
        """
    )
    changed_rule = "true" if full_resync else "m.row_hash <> s.row_hash"
    categories = "('added')" if spec.mode == "insert" else "('added', 'changed')"
    con.execute(
        f"""
        create or replace temp table _sync_candidates as
        select
            m.record_key,
            case when s.record_key is null then 'added' else 'changed' end as category,
            m.row_hash,
            s.destination_id
        from _sync_model as m
        left join {snapshot} as s on m.record_key = s.record_key
        where m.record_key is not null
            and m.record_key not in (select record_key from _sync_duplicates)
            and (s.record_key is null or {changed_rule})
        """
    )
    con.execute(
        f"""
        create or replace temp table _sync_given_up as
        select c.record_key
        from _sync_candidates as c
        join {SCHEMA}.sync_record_errors as e
            on e.sync_name = $sync and e.kind = 'given_up'
            and e.record_key = c.record_key and e.row_hash = c.row_hash
        """,
        {"sync": spec.name},
    )
    removing = spec.delete_policy != "ignore" and not full_resync
    con.execute(
        f"""
        create or replace temp table _sync_removed as
        select s.record_key, s.destination_id, row_number() over (order by s.record_key) as n
        from {snapshot} as s
        where {"true" if removing else "false"}
            and not exists (select 1 from _sync_model as m where m.record_key = s.record_key)
        """
    )
    value_list = ", ".join(f"m.v_{n}" for n in range(len(fields)))
    null_list = ", ".join(f"null as v_{n}" for n in range(len(fields)))
    cap = "true" if delete_cap is None else f"n <= {int(delete_cap)}"
    con.execute(
        f"""
        create or replace temp table _sync_send as
        with sending as (
            select c.record_key, c.category, c.row_hash, c.destination_id, 0 as phase,
                {value_list}
            from _sync_candidates as c
            join _sync_model as m using (record_key)
            where c.category in {categories}
                and c.record_key not in (select record_key from _sync_given_up)
            union all by name
            select record_key, 'removed' as category, null as row_hash, destination_id,
                1 as phase, {null_list}
            from _sync_removed
            where {cap}
        )
        select row_number() over (order by phase, record_key) as seq, *
        from sending
        """
    )
    counts = dict(
        con.execute("select category, count(*) from _sync_send group by category").fetchall()
    )
    invalid = dict(
        con.execute("select category, count(*) from _sync_invalid group by category").fetchall()
    )
    given_up = con.execute("select count(*) from _sync_given_up").fetchall()[0][0]
    removed_all = con.execute("select count(*) from _sync_removed").fetchall()[0][0]
    return Plan(
        added=counts.get("added", 0) + invalid.get("added", 0),
        changed=counts.get("changed", 0) + invalid.get("changed", 0),
        removed=counts.get("removed", 0),
        invalid_added=invalid.get("added", 0),
        invalid_changed=invalid.get("changed", 0),
        given_up=given_up,
        deferred=removed_all - counts.get("removed", 0),
        seconds=time.perf_counter() - started,
    )
