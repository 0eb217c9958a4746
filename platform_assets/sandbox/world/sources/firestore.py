"""Firestore's view of the world: the product's own app database.

Three collections, one row per document version (``_valid_from`` = the document's updateTime,
``create_time`` = its createTime):

- ``users`` (top-level, document id = the product's user id): people who signed up. A user
  document is rewritten when its owner joins a space (``space_ids`` grows).
- ``spaces`` (top-level, document id = workspace id): rewritten whenever a member joins
  (``member_count``) and whenever its plan changes (``core.workspace_versions``).
- ``members`` (the subcollection ``spaces/{space_id}/members``, document id = the member's user
  id, unique only within its space, as apps key such subcollections): one per workspace
  membership, never rewritten; it appears once both the space and the member's account exist.

Every document carries an ``updated_at`` field equal to its updateTime: the app maintains it, and
incremental reads filter on it (a structured query's fieldFilter), as real exports do.
"""

from __future__ import annotations

import duckdb

from platform_assets.sandbox.world.product import PLAN_RANK

SCHEMA = "src_firestore"
PROJECT = "roundtrip-app"
_PLAN_RANK_SQL = (
    "case v.plan "
    + " ".join(f"when '{plan}' then {rank}" for plan, rank in PLAN_RANK.items())
    + " else -1 end"
)


def project(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``src_firestore`` from ``core`` in the world file, deterministically."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"""
        create or replace table {SCHEMA}.members as
        with memberships as (
            -- a membership shows once both the space and the member's account exist
            select
                m.workspace_id as space_id,
                p.user_id,
                m.role,
                greatest(
                    m.joined_at, w.created_at, coalesce(f.signup_at, p.first_seen_at)
                ) as joined_at,
            from core.workspace_members as m
            join core.workspaces as w using (workspace_id)
            join core.people as p on p.person_id = m.person_id
            left join core.funnel as f on f.person_id = m.person_id
            where p.user_id is not null
        )

        select
            user_id as doc_id,
            space_id,
            user_id,
            role,
            joined_at,
            joined_at as create_time,
            joined_at as _valid_from,
            joined_at as updated_at,
        from memberships
        order by space_id, doc_id
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.users as
        with signed_up as (
            select
                p.user_id,
                p.email_as_typed as email,
                p.first_name,
                p.last_name,
                p.country,
                coalesce(f.signup_at, p.first_seen_at) as signed_up_at,
            from core.people as p
            left join core.funnel as f using (person_id)
            where p.user_id is not null
        ),

        change_times as (
            select user_id, signed_up_at as _valid_from from signed_up
            union
            select user_id, joined_at from {SCHEMA}.members
        )

        select
            s.user_id as doc_id,
            s.*,
            coalesce(
                (
                    select list(m.space_id order by m.joined_at, m.space_id)
                    from {SCHEMA}.members as m
                    where m.user_id = s.user_id and m.joined_at <= c._valid_from
                ),
                []
            ) as space_ids,
            s.signed_up_at as create_time,
            c._valid_from,
            c._valid_from as updated_at,
        from signed_up as s
        join change_times as c using (user_id)
        order by doc_id, c._valid_from
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.spaces as
        with owners as (
            select w.*, p.user_id as owner_id,
            from core.workspaces as w
            left join core.people as p on p.person_id = w.owner_person_id
        ),

        change_times as (
            select workspace_id, created_at as _valid_from from owners
            union
            select workspace_id, greatest(v.changed_at, o.created_at)
            from core.workspace_versions as v
            join owners as o using (workspace_id)
            union
            select space_id, joined_at from {SCHEMA}.members
        )

        select
            o.workspace_id as doc_id,
            o.name,
            o.owner_id,
            coalesce(
                (
                    -- versions at one instant (a hand-made core may have them): the
                    -- best-paying plan wins, as it does in the world
                    select last(
                        v.plan order by v.changed_at, {_PLAN_RANK_SQL}, v.plan
                    )
                    from core.workspace_versions as v
                    where v.workspace_id = o.workspace_id and v.changed_at <= c._valid_from
                ),
                o.plan
            ) as plan,
            (
                select count(*) from {SCHEMA}.members as m
                where m.space_id = o.workspace_id and m.joined_at <= c._valid_from
            ) as member_count,
            o.created_at,
            o.created_at as create_time,
            c._valid_from,
            c._valid_from as updated_at,
        from owners as o
        join change_times as c using (workspace_id)
        order by doc_id, c._valid_from
        """
    )
