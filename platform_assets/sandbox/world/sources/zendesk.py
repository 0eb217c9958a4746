"""Zendesk's view of the world: the support desk's organizations, users and tickets.

- ``organizations``: one per company whose people wrote in, created with that company's first
  ticket (Zendesk creates an organization when a known domain first appears).
- ``users``: end-users (people who filed a ticket, created with their first ticket) and agents
  (employees who were assigned a ticket, or whose role is support).
- ``tickets``: one row per version of a ticket (``_valid_from``), from ``core.ticket_versions``
  plus the ``new`` version at creation when the core timeline starts later.
- ``ticket_field_changes``: what Zendesk's audit log records for every version: one row per field
  set at creation or changed since the previous version (status, priority, type, assignee,
  satisfaction score), grouped into audits by ``audit_id``.

Zendesk stores whole seconds, so every time here is truncated to the second: everything stamped
in one second becomes visible together as the clock passes it, which keeps ``start_time`` cursors
exact. Ids look like Zendesk's: tickets count up from 1, users and organizations are large
integers offset from the core ids.
"""

from __future__ import annotations

import duckdb

SCHEMA = "src_zendesk"
SUBDOMAIN = "roundtrip"
ORGANIZATION_ID_BASE = 360_000_000_000
END_USER_ID_BASE = 370_000_000_000
AGENT_ID_BASE = 380_000_000_000
AUDIT_ID_BASE = 900_000_000_000


def project(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``src_zendesk`` from ``core`` in the world file, deterministically."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"""
        create or replace table {SCHEMA}.organizations as
        select
            {ORGANIZATION_ID_BASE} + c.company_id as id,
            c.company_id as external_id,
            c.name,
            c.domain,
            date_trunc('second', min(t.created_at)) as created_at,
            date_trunc('second', min(t.created_at)) as _valid_from,
        from core.companies as c
        join core.tickets as t on t.company_id = c.company_id
        group by all
        order by id
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.users as
        with end_users as (
            select
                {END_USER_ID_BASE} + p.person_id as id,
                p.first_name || ' ' || p.last_name as name,
                p.email_as_typed as email,
                'end-user' as role,
                {ORGANIZATION_ID_BASE} + p.company_id as organization_id,
                p.user_id as external_id,
                date_trunc('second', min(t.created_at)) as created_at,
            from core.people as p
            join core.tickets as t on t.person_id = p.person_id
            group by all
        ),

        agents as (
            select
                {AGENT_ID_BASE} + e.employee_id as id,
                e.first_name || ' ' || e.last_name as name,
                e.email,
                'agent' as role,
                cast(null as bigint) as organization_id,
                cast(null as varchar) as external_id,
                date_trunc('second', e.created_at) as created_at,
            from core.employees as e
            where e.employee_id in (select assignee_id from core.tickets)
                or e.role ilike '%support%'
        )

        select *, created_at as _valid_from from end_users
        union all
        select *, created_at as _valid_from from agents
        order by id
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.tickets as
        with changes as (
            select ticket_id, date_trunc('second', changed_at) as _valid_from, status,
                satisfaction_score, 1 as ordinal, changed_at,
            from core.ticket_versions
            union all
            select ticket_id, date_trunc('second', created_at), 'new', null, 0, created_at
            from core.tickets
        ),

        versions as (
            -- one version per ticket and second: the last change stamped in it wins (a real
            -- change over the creation; status and score only break exact ties)
            select * exclude (ordinal, changed_at)
            from changes
            qualify row_number() over (
                partition by ticket_id, _valid_from
                order by ordinal desc, changed_at desc, status, satisfaction_score
            ) = 1
        )

        select
            t.ticket_id as id,
            v._valid_from,
            date_trunc('second', t.created_at) as created_at,
            v.status,
            v.satisfaction_score,
            t.subject,
            t.subject as description,
            t.priority,
            t.ticket_type as type,
            t.via_channel,
            {END_USER_ID_BASE} + t.person_id as requester_id,
            {END_USER_ID_BASE} + t.person_id as submitter_id,
            {AGENT_ID_BASE} + t.assignee_id as assignee_id,
            {ORGANIZATION_ID_BASE} + t.company_id as organization_id,
        from versions as v
        join core.tickets as t using (ticket_id)
        -- a version stamped before the ticket existed cannot be seen (requester and
        -- organization are created with the ticket)
        where v._valid_from >= date_trunc('second', t.created_at)
        order by id, v._valid_from
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.ticket_field_changes as
        with versions as (
            select
                *,
                row_number() over (partition by id order by _valid_from) = 1 as is_create,
                lag(status) over (partition by id order by _valid_from) as previous_status,
                lag(satisfaction_score) over (partition by id order by _valid_from)
                    as previous_satisfaction_score,
            from {SCHEMA}.tickets
        ),

        fields as (
            select id, _valid_from, is_create,
                case when is_create then requester_id else coalesce(assignee_id, requester_id)
                end as updater_id,
                0 as position, 'status' as field_name, status as value,
                previous_status as previous_value,
            from versions
            where is_create or status is distinct from previous_status
            union all
            select id, _valid_from, is_create, requester_id, 1, 'priority', priority, null,
            from versions where is_create
            union all
            select id, _valid_from, is_create, requester_id, 2, 'type', type, null,
            from versions where is_create
            union all
            select id, _valid_from, is_create, requester_id, 3, 'assignee_id',
                cast(assignee_id as varchar), null,
            from versions where is_create and assignee_id is not null
            union all
            select id, _valid_from, is_create, requester_id, 4, 'satisfaction_score',
                satisfaction_score, previous_satisfaction_score,
            from versions
            where satisfaction_score is not null
                and satisfaction_score is distinct from previous_satisfaction_score
        ),

        ranked as (
            select
                *,
                dense_rank() over (order by _valid_from, id) as audit_rank,
            from fields
        )

        select
            id as ticket_id,
            {AUDIT_ID_BASE} + audit_rank * 10 as audit_id,
            {AUDIT_ID_BASE} + audit_rank * 10 + position + 1 as event_id,
            _valid_from,
            updater_id,
            is_create,
            field_name,
            value,
            previous_value,
        from ranked
        order by _valid_from, ticket_id, position
        """
    )
