"""A fake of Zendesk Support's incremental export API over ``src_zendesk``.

Endpoints (below ``/zendesk``), as the real ones:

- ``GET /api/v2/incremental/tickets/cursor.json?start_time=<epoch>``, then ``?cursor=<after>``:
  the cursor-based export; ``{"tickets", "after_cursor", "after_url", "before_cursor",
  "before_url", "end_of_stream"}``.
- ``GET /api/v2/incremental/{users,organizations,ticket_events}.json?start_time=<epoch>``:
  time-based export; ``{"<objects>", "next_page", "end_time", "end_of_stream", "count"}``.

Every export returns objects whose ``updated_at`` (ticket events: ``timestamp``) is at or after
``start_time``, oldest first, ``per_page`` (≤ 1000) at a time. A time-based page also takes every
further object stamped in its last second, so ``next_page`` can start one second later without
losing or repeating any, and its ``end_time`` (where a later export resumes) is that next second
too. The real API's ``end_time`` is the newest second in the page and an export from it repeats
that second's objects; here the world stamps whole seconds and a second is visible all at once,
so nothing can still arrive in it. Only what exists at the world clock is served: each object's
latest version with ``_valid_from`` ≤ clock.

Reverse ETL writes users back (``users/create_or_update_many``, job statuses, user fields, user
reads): see :mod:`.zendesk_writes`. The users export serves them merged over the world's users,
stamped with the clock of the write, so the next incremental sync lands what was written.

Auth is HTTP Basic ``{email}/token:{api_token}``; the published limit is 700 requests a minute
(Enterprise; the stricter 10/min of the incremental endpoints would make the sandbox crawl).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from platform_assets.sandbox.apis.zendesk_writes import MERGED_USERS_SQL, ZendeskWrites
from platform_assets.sandbox.fakeapi import (
    ApiRequest,
    ApiResponse,
    FakeApi,
    Handler,
    RateLimit,
    Route,
    basic_credential,
)
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.zendesk import SCHEMA, SUBDOMAIN

MAX_PER_PAGE = 1000
API_ROOT = "api/v2"


def to_epoch(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp())


def from_epoch(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _url(kind: str, object_id: int) -> str:
    return f"https://{SUBDOMAIN}.zendesk.com/{API_ROOT}/{kind}/{object_id}.json"


def ticket_json(row: dict[str, Any]) -> dict[str, Any]:
    """A ticket version in the shape of Zendesk's Ticket object."""
    score = row["satisfaction_score"]
    return {
        "url": _url("tickets", row["id"]),
        "id": row["id"],
        "external_id": None,
        "via": {"channel": row["via_channel"], "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["_valid_from"]),
        "generated_timestamp": to_epoch(row["_valid_from"]),
        "type": row["type"],
        "subject": row["subject"],
        "raw_subject": row["subject"],
        "description": row["description"],
        "priority": row["priority"],
        "status": row["status"],
        "recipient": None,
        "requester_id": row["requester_id"],
        "submitter_id": row["submitter_id"],
        "assignee_id": row["assignee_id"],
        "organization_id": row["organization_id"],
        "group_id": None,
        "brand_id": None,
        "forum_topic_id": None,
        "problem_id": None,
        "has_incidents": False,
        "is_public": True,
        "due_at": None,
        "tags": [],
        "custom_fields": [],
        "satisfaction_rating": None if score is None else {"score": score},
        "ticket_form_id": None,
        "allow_channelback": False,
        "allow_attachments": True,
    }


def user_json(row: dict[str, Any]) -> dict[str, Any]:
    """A user in the shape of Zendesk's User object."""
    is_agent = row["role"] == "agent"
    return {
        "id": row["id"],
        "url": _url("users", row["id"]),
        "name": row["name"],
        "email": row["email"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["_valid_from"]),
        "time_zone": "UTC",
        "iana_time_zone": "Etc/UTC",
        "phone": None,
        "locale_id": 1,
        "locale": "en-US",
        "organization_id": row["organization_id"],
        "role": row["role"],
        "verified": True,
        "external_id": row["external_id"],
        "tags": [],
        "alias": None,
        "active": True,
        "shared": False,
        "shared_agent": False,
        "last_login_at": None,
        "two_factor_auth_enabled": None,
        "signature": None,
        "details": None,
        "notes": None,
        "moderator": is_agent,
        "ticket_restriction": None if is_agent else "requested",
        "only_private_comments": False,
        "restricted_agent": not is_agent,
        "suspended": False,
        "chat_only": False,
        "user_fields": {},
    }


def organization_json(row: dict[str, Any]) -> dict[str, Any]:
    """An organization in the shape of Zendesk's Organization object."""
    return {
        "url": _url("organizations", row["id"]),
        "id": row["id"],
        "name": row["name"],
        "shared_tickets": False,
        "shared_comments": False,
        "external_id": str(row["external_id"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["_valid_from"]),
        "domain_names": [row["domain"]] if row["domain"] else [],
        "details": None,
        "notes": None,
        "group_id": None,
        "tags": [],
        "organization_fields": {},
    }


def ticket_event_json(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One audit (all field changes of one ticket version) as a Zendesk ticket event."""
    first = rows[0]
    children = []
    for row in rows:
        child = {
            "id": row["event_id"],
            "via": "Web form",
            "via_reference_id": None,
            row["field_name"]: row["value"],
            "event_type": "Create" if row["is_create"] else "Change",
        }
        if not row["is_create"]:
            child["previous_value"] = row["previous_value"]
        children.append(child)
    return {
        "id": first["audit_id"],
        "ticket_id": first["ticket_id"],
        "timestamp": to_epoch(first["_valid_from"]),
        "created_at": iso(first["_valid_from"]),
        "updater_id": first["updater_id"],
        "via": "Web form",
        "system": {},
        "metadata": {},
        "event_type": "Audit",
        "child_events": children,
    }


def latest_versions_sql(table: str) -> str:
    """Each object's latest version at the clock (parameter 1), as ``updated_at``."""
    return f"""
        select *, _valid_from as updated_at
        from {SCHEMA}.{table}
        where _valid_from <= ?
        qualify row_number() over (partition by id order by _valid_from desc) = 1
    """


def page_with_ties(store: WorldStore, sql: str, params: list[Any], per_page: int) -> list[dict]:
    """Rows of ``sql`` (ordered, with an ``updated_at``) for one page: ``per_page`` of them plus
    every further row stamped in the same second as the last."""
    rows = store.query(f"{sql} limit ?", [*params, per_page])
    if len(rows) < per_page:
        return rows
    last = rows[-1]["updated_at"]
    ties = store.query(
        f"select * from ({sql} offset ?) where updated_at = ?", [*params, per_page, last]
    )
    return rows + ties


class ZendeskApi(FakeApi):
    name = "zendesk"
    rate_limit = RateLimit(requests=700, per_seconds=60.0)

    def routes(self) -> list[Route]:
        root = rf"/{API_ROOT}/incremental"
        writes = ZendeskWrites(user_json)
        users = self.time_based("users", writes.render, MERGED_USERS_SQL)
        return [
            Route("GET", rf"{root}/tickets/cursor\.json", self.tickets),
            Route("GET", rf"{root}/users\.json", writes.users_export(users)),
            Route(
                "GET",
                rf"{root}/organizations\.json",
                self.time_based("organizations", organization_json),
            ),
            Route("GET", rf"{root}/ticket_events\.json", self.ticket_events),
            *writes.routes(API_ROOT),
        ]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        return basic_credential(request) == credential

    def error(self, status: int, message: str) -> ApiResponse:
        if status == 401:
            return ApiResponse(status=401, body={"error": "Couldn't authenticate you"})
        return ApiResponse(status=status, body={"error": "InvalidValue", "description": message})

    # --- parameters --------------------------------------------------------------------------
    def _per_page(self, request: ApiRequest) -> int:
        return max(1, min(int(request.arg("per_page") or MAX_PER_PAGE), MAX_PER_PAGE))

    def _start_time(self, request: ApiRequest) -> int | None:
        raw = request.arg("start_time")
        return None if raw is None else int(raw)

    def _page_url(self, request: ApiRequest, path: str, params: dict[str, Any]) -> str:
        host = request.headers.get("host", "127.0.0.1")
        return f"http://{host}/{self.name}/{API_ROOT}/incremental/{path}?{urlencode(params)}"

    # --- handlers ----------------------------------------------------------------------------
    def tickets(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        try:
            per_page = self._per_page(request)
            cursor = request.arg("cursor")
            if cursor is not None:
                epoch, last_id = (int(p) for p in base64.urlsafe_b64decode(cursor).split(b":"))
            else:
                start = self._start_time(request)
                if start is None:
                    return self.error(400, "start_time or cursor is required")
                epoch, last_id = start, -1
        except (ValueError, binascii.Error):
            return self.error(400, "start_time, cursor and per_page must be valid")
        sql = f"""
            select * from ({latest_versions_sql("tickets")})
            where (updated_at, id) > (?, ?)
            order by updated_at, id
        """
        # start_time is inclusive (every id in that second); a cursor is the last row served
        params = [store.clock(), from_epoch(epoch), last_id]
        rows = store.query(f"{sql} limit ?", [*params, per_page + 1])
        page, more = rows[:per_page], len(rows) > per_page
        if page:
            epoch, last_id = to_epoch(page[-1]["updated_at"]), page[-1]["id"]
        after = base64.urlsafe_b64encode(f"{epoch}:{last_id}".encode()).decode()
        body = {
            "tickets": [ticket_json(row) for row in page],
            "after_cursor": after,
            "after_url": self._page_url(
                request, "tickets/cursor.json", {"cursor": after, "per_page": per_page}
            ),
            "before_cursor": None,
            "before_url": None,
            "end_of_stream": not more,
        }
        return ApiResponse(body=body, rows=len(page))

    def time_based(
        self,
        table: str,
        render: Callable[[dict[str, Any]], dict[str, Any]],
        latest: str | None = None,
    ) -> Handler:
        """A handler for a time-based export of ``table`` (users, organizations): its objects'
        latest versions at the clock, from ``latest`` (SQL with an ``updated_at`` and one ``?``
        for the clock) when given, else :func:`latest_versions_sql`."""

        def handler(request: ApiRequest, store: WorldStore) -> ApiResponse:
            sql = f"""
                select * from ({latest or latest_versions_sql(table)})
                where updated_at >= ? order by updated_at, id
            """
            return self._time_based_page(
                request, store, table, sql, lambda rows: [render(row) for row in rows]
            )

        return handler

    def ticket_events(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        sql = f"""
            select distinct audit_id, _valid_from as updated_at
            from {SCHEMA}.ticket_field_changes
            where _valid_from <= ? and _valid_from >= ?
            order by updated_at, audit_id
        """

        def render_audits(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
            audit_ids = [row["audit_id"] for row in page]
            rows = store.query(
                f"select * from {SCHEMA}.ticket_field_changes where audit_id in "
                f"(select unnest(?)) order by audit_id, event_id",
                [audit_ids],
            )
            grouped: dict[int, list[dict[str, Any]]] = {}
            for row in rows:
                grouped.setdefault(row["audit_id"], []).append(row)
            return [ticket_event_json(grouped[audit]) for audit in audit_ids]

        return self._time_based_page(request, store, "ticket_events", sql, render_audits)

    def _time_based_page(
        self,
        request: ApiRequest,
        store: WorldStore,
        key: str,
        sql: str,
        render: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
    ) -> ApiResponse:
        """One page of a time-based export: ``sql`` takes (clock, start) and orders by
        ``updated_at``; ``render`` turns the page's rows into the API's objects."""
        try:
            per_page, start = self._per_page(request), self._start_time(request)
        except ValueError:
            return self.error(400, "start_time and per_page must be integers")
        if start is None:
            return self.error(400, "start_time is required")
        clock = store.clock()
        rows = page_with_ties(store, sql, [clock, from_epoch(start)], per_page)
        objects = render(rows)
        next_start = to_epoch(rows[-1]["updated_at"]) + 1 if rows else start
        remaining = store.query(
            f"select count(*) as n from ({sql})", [clock, from_epoch(next_start)]
        )[0]["n"]
        body = {
            key: objects,
            "next_page": self._page_url(
                request, f"{key}.json", {"start_time": next_start, "per_page": per_page}
            ),
            "end_time": next_start,
            "end_of_stream": remaining == 0,
            "count": len(objects),
        }
        return ApiResponse(body=body, rows=len(objects))


API = ZendeskApi()
