"""The write side of the Zendesk fake: users created or updated in bulk, read back merged.

Endpoints (below ``/zendesk``, mounted by :mod:`.zendesk`), as the real ones:

- ``POST /api/v2/users/create_or_update_many.json`` ``{"users": [{"email", "name",
  "external_id"?, "user_fields": {...}, ...}]}``: at most 100 users (more: 400 ``TooManyUsers``
  for the whole request). Answers ``{"job_status": {"id", "url", "status": "queued", "total",
  ...}}``: the work is a background job.
- ``GET /api/v2/job_statuses/{id}.json``: the job, ``queued`` → ``working`` on the first poll →
  ``completed`` from the second (deterministic: polls, not time, move it), with ``results`` in
  request order once completed: ``{"index", "id", "action": "created"|"updated", "status":
  "Created"|"Updated", "email"}`` or ``{"index", "error", "details", "status": "Failed"}``.
- ``GET /api/v2/user_fields.json``: the account's custom user fields (:data:`USER_FIELDS`).
- ``GET /api/v2/users/search.json?query=email:<email>`` (or ``external_id:<id>``),
  ``GET /api/v2/users/show_many.json?ids=1,2`` and ``GET /api/v2/users/{id}.json``: users as the
  world has them with what was written merged over them (:data:`MERGED_USERS_SQL`, which the
  incremental users export of :mod:`.zendesk` serves too).

A user is matched on ``external_id`` when given and known, else on email (case-insensitive),
against the world's users at the clock and the users written before; no match creates a user
with an id from :data:`NEW_USER_ID_BASE` up (never a world id). A user fails alone with
``EmailInvalid`` (a malformed email) or ``InvalidValue`` (a ``user_fields`` key the account has
not defined, or a non-number for a decimal field).

The job's work is done when it is submitted, in one transaction: the submit's request-log entry
carries ``written`` (the emails stored), and the polls only reveal the results. So a submit
whose answer is lost has still written its users, and the retried submit updates them (no
duplicates). Written state: ``destinations.zendesk_users`` (one row per user id: for a world
user only what was written over it) and ``destinations.zendesk_job_statuses``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb

from platform_assets.sandbox.fakeapi import ApiRequest, ApiResponse, Handler, Route
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.zendesk import SCHEMA, SUBDOMAIN

MAX_USERS = 100
NEW_USER_ID_BASE = 390_000_000_000
"""Users the API creates get ids from here up (world end users 370…, agents 380…)."""

USER_FIELDS = (
    {"id": 26_000_000_001, "key": "industry", "type": "text", "title": "Industry"},
    {"id": 26_000_000_002, "key": "plan", "type": "text", "title": "Plan"},
    {"id": 26_000_000_003, "key": "mrr", "type": "decimal", "title": "MRR"},
)
"""The custom user fields the sandbox account has defined (a user field must exist before a
user can carry it)."""

USER_ATTRIBUTES = frozenset(
    {
        "email", "name", "external_id", "alias", "details", "notes", "phone", "organization_id",
        "role", "tags", "time_zone", "iana_time_zone", "locale", "locale_id", "verified",
        "signature", "suspended", "moderator", "ticket_restriction", "only_private_comments",
        "user_fields",
    }
)  # fmt: skip
"""The user attributes a write may set (Zendesk's writable User properties)."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
MERGED_USERS_SQL = f"""
    select
        coalesce(w.id, d.id) as id,
        coalesce(w.name, d.email) as name,
        coalesce(d.email, w.email) as email,
        coalesce(w.role, 'end-user') as role,
        w.organization_id,
        coalesce(d.external_id, w.external_id) as external_id,
        coalesce(w.created_at, d.created_at) as created_at,
        greatest(w._valid_from, d.updated_at) as _valid_from,  -- greatest skips nulls
        greatest(w._valid_from, d.updated_at) as updated_at,
        d.attributes as written_attributes,
        d.user_fields as written_user_fields,
    from (
        select * from {SCHEMA}.users where _valid_from <= ?
        qualify row_number() over (partition by id order by _valid_from desc) = 1
    ) as w
    full outer join destinations.zendesk_users as d on d.id = w.id
"""
"""Every user at the clock (the one ``?``): the world's latest version with what was written
over it (``updated_at`` the later of the two), and the users writes created. The written
attributes and user fields ride along as JSON for :meth:`ZendeskWrites.render`."""
_TABLES = (
    """create table if not exists destinations.zendesk_users (
        id bigint primary key, email varchar, external_id varchar, attributes json,
        user_fields json, created_at timestamp, updated_at timestamp)""",
    """create table if not exists destinations.zendesk_job_statuses (
        id varchar primary key, total integer, results json, polls integer,
        created_at timestamp)""",
)

RenderUser = Callable[[dict[str, Any]], dict[str, Any]]


def _ensure_tables(cur: duckdb.DuckDBPyConnection) -> None:
    for sql in _TABLES:
        cur.execute(sql)


def _ready(store: WorldStore) -> None:
    """Create the written-state tables if no write has yet (a read before any write)."""
    with store.writing() as cur:
        _ensure_tables(cur)


def _error(status: int, error: str, description: str) -> ApiResponse:
    return ApiResponse(status=status, body={"error": error, "description": description})


def _url(request: ApiRequest, path: str) -> str:
    """An absolute URL of this fake (real Zendesk: ``https://{subdomain}.zendesk.com/...``)."""
    host = request.headers.get("host", f"{SUBDOMAIN}.zendesk.com")
    return f"http://{host}/zendesk/api/v2/{path}"


def _invalid(user: Any) -> tuple[str, str] | None:
    """Why one user of a request fails (Zendesk's error and details), None when it is fine."""
    if not isinstance(user, dict):
        return "InvalidValue", "Each user must be an object"
    email, external_id = user.get("email"), user.get("external_id")
    if email is None and external_id is None:
        return "InvalidValue", "Email: cannot be blank (give an email or an external_id)"
    if email is not None and not (isinstance(email, str) and _EMAIL.match(email)):
        return "EmailInvalid", f"Email: {email} is not properly formatted"
    unknown = sorted(set(user) - USER_ATTRIBUTES)
    if unknown:
        return "InvalidValue", f"Unknown user attribute(s): {', '.join(unknown)}"
    fields = user.get("user_fields") or {}
    if not isinstance(fields, dict):
        return "InvalidValue", "user_fields must be an object"
    types = {f["key"]: f["type"] for f in USER_FIELDS}
    for key, value in fields.items():
        if key not in types:
            return "InvalidValue", f"User field '{key}' is not defined in this account"
        if types[key] == "decimal" and value is not None:
            try:
                Decimal(str(value))
            except InvalidOperation:
                return "InvalidValue", f"User field '{key}': {value!r} is not a decimal"
    return None


class ZendeskWrites:
    """The handlers; state lives in the store's ``destinations`` catalog, never here."""

    def __init__(self, render_user: RenderUser) -> None:
        """``render_user`` turns a world user row into Zendesk's User object (the read side's),
        so merged reads look like every other read."""
        self.render_user = render_user

    def routes(self, api_root: str) -> list[Route]:
        """The write side's routes under ``/{api_root}``."""
        root = rf"/{api_root}"
        return [
            Route("POST", rf"{root}/users/create_or_update_many\.json", self.create_or_update_many),
            Route("GET", rf"{root}/job_statuses/(?P<job_id>\w+)\.json", self.job_status),
            Route("GET", rf"{root}/user_fields\.json", self.user_fields),
            Route("GET", rf"{root}/users/search\.json", self.search),
            Route("GET", rf"{root}/users/show_many\.json", self.show_many),
            Route("GET", rf"{root}/users/(?P<user_id>\d+)\.json", self.show),
        ]

    # --- bulk create or update -----------------------------------------------------------------
    def create_or_update_many(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        try:
            users = (request.json() or {}).get("users")
        except (json.JSONDecodeError, AttributeError):
            return _error(400, "InvalidValue", "The body must be a JSON object with users")
        if not isinstance(users, list) or not users:
            return _error(400, "InvalidValue", "users must be a non-empty array")
        if len(users) > MAX_USERS:
            return _error(
                400,
                "TooManyUsers",
                f"{len(users)} users in one request; create_or_update_many takes at most "
                f"{MAX_USERS}",
            )
        clock = store.clock()
        results, written = [], []
        with store.writing() as cur:
            _ensure_tables(cur)
            for index, user in enumerate(users):
                problem = _invalid(user)
                if problem is not None:
                    error, details = problem
                    results.append(
                        {"index": index, "error": error, "details": details, "status": "Failed"}
                    )
                    continue
                user_id, action = self._upsert(cur, clock, user)
                results.append(
                    {"index": index, "id": user_id, "action": action,
                     "status": action.title(), "email": user.get("email")}
                )  # fmt: skip
                written.append(str(user.get("email") or user.get("external_id")))
            (jobs,) = cur.execute(
                "select count(*) from destinations.zendesk_job_statuses"
            ).fetchone()
            job_id = hashlib.md5(f"job-{jobs + 1}".encode()).hexdigest()
            cur.execute(
                "insert into destinations.zendesk_job_statuses values (?, ?, ?, 0, ?)",
                [job_id, len(users), json.dumps(results), clock],
            )
        job = self._job_json(request, job_id, len(users), "queued", None)
        return ApiResponse(body={"job_status": job}, written=tuple(written))

    def _match(
        self, cur: duckdb.DuckDBPyConnection, clock: datetime, user: dict[str, Any]
    ) -> int | None:
        """The id of the user this input is: by external_id when known, else by email."""
        for column in ("external_id", "email"):
            value = user.get(column)
            if value is None:
                continue
            row = cur.execute(
                f"select id from ({MERGED_USERS_SQL}) where lower({column}) = lower(?) "
                "order by id limit 1",
                [clock, str(value)],
            ).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def _upsert(
        self, cur: duckdb.DuckDBPyConnection, clock: datetime, user: dict[str, Any]
    ) -> tuple[int, str]:
        """Store one valid input; returns (user id, "created" or "updated")."""
        fields = dict(user.get("user_fields") or {})
        attributes = {k: v for k, v in user.items() if k != "user_fields"}
        user_id = self._match(cur, clock, user)
        if user_id is None:
            (last,) = cur.execute(
                "select coalesce(max(id), ?) from destinations.zendesk_users where id >= ?",
                [NEW_USER_ID_BASE, NEW_USER_ID_BASE],
            ).fetchone()
            user_id, action = int(last) + 1, "created"
        else:
            action = "updated"
        old = cur.execute(
            "select attributes, user_fields from destinations.zendesk_users where id = ?",
            [user_id],
        ).fetchone()
        if old is not None:
            attributes = {**json.loads(old[0]), **attributes}
            fields = {**json.loads(old[1]), **fields}
        cur.execute(
            """
            insert into destinations.zendesk_users by name
            select ? as id, ? as email, ? as external_id, ? as attributes, ? as user_fields,
                ? as created_at, ? as updated_at
            on conflict (id) do update set email = excluded.email,
                external_id = excluded.external_id, attributes = excluded.attributes,
                user_fields = excluded.user_fields, updated_at = excluded.updated_at
            """,
            [user_id, attributes.get("email"), attributes.get("external_id"),
             json.dumps(attributes, default=str), json.dumps(fields, default=str), clock, clock],
        )  # fmt: skip
        return user_id, action

    # --- job statuses ----------------------------------------------------------------------------
    def job_status(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        job_id = request.path_params["job_id"]
        with store.writing() as cur:
            _ensure_tables(cur)
            row = cur.execute(
                "update destinations.zendesk_job_statuses set polls = polls + 1 where id = ? "
                "returning total, results, polls, created_at",
                [job_id],
            ).fetchone()
        if row is None:
            return _error(404, "RecordNotFound", "Not found")
        total, results, polls, created_at = row
        if polls < 2:
            return ApiResponse(
                body={"job_status": self._job_json(request, job_id, total, "working", None)}
            )
        job = self._job_json(request, job_id, total, "completed", json.loads(results))
        job["message"] = f"Completed at {created_at:%Y-%m-%d %H:%M:%S} +0000"
        return ApiResponse(body={"job_status": job})

    @staticmethod
    def _job_json(
        request: ApiRequest, job_id: str, total: int, status: str, results: list | None
    ) -> dict[str, Any]:
        return {
            "id": job_id,
            "url": _url(request, f"job_statuses/{job_id}.json"),
            "total": total,
            "progress": {"queued": None, "working": 0}.get(status, total),
            "status": status,
            "message": None,
            "results": results,
        }

    # --- the account's user fields -----------------------------------------------------------
    def user_fields(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        fields = [
            {
                **field,
                "url": _url(request, f"user_fields/{field['id']}.json"),
                "raw_title": field["title"],
                "description": "",
                "raw_description": "",
                "position": position,
                "active": True,
                "system": False,
                "regexp_for_validation": None,
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
            }
            for position, field in enumerate(USER_FIELDS)
        ]
        body = {"user_fields": fields, "next_page": None, "previous_page": None}
        return ApiResponse(body={**body, "count": len(fields)}, rows=len(fields))

    # --- reading users back ----------------------------------------------------------------------
    def search(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        query = (request.arg("query") or "").strip()
        column, _, value = query.partition(":")
        if column not in ("email", "external_id") or not value:
            return _error(400, "InvalidValue", "query must be email:<email> or external_id:<id>")
        users = self._users(store, f"lower({column}) = lower(?)", [value.strip('"')])
        body = {"users": users, "next_page": None, "previous_page": None, "count": len(users)}
        return ApiResponse(body=body, rows=len(users))

    def show_many(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        try:
            ids = [int(i) for i in (request.arg("ids") or "").split(",") if i.strip()]
        except ValueError:
            return _error(400, "InvalidValue", "ids must be a comma-separated list of user ids")
        users = self._users(store, "id in (select unnest(?))", [ids])
        body = {"users": users, "next_page": None, "previous_page": None}
        return ApiResponse(body=body, rows=len(users))

    def show(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        users = self._users(store, "id = ?", [int(request.path_params["user_id"])])
        if not users:
            return _error(404, "RecordNotFound", "Not found")
        return ApiResponse(body={"user": users[0]}, rows=1)

    def _users(self, store: WorldStore, where: str, params: list[Any]) -> list[dict[str, Any]]:
        _ready(store)
        rows = store.query(
            f"select * from ({MERGED_USERS_SQL}) where {where} order by id",
            [store.clock(), *params],
        )
        return [self.render(row) for row in rows]

    def render(self, row: dict[str, Any]) -> dict[str, Any]:
        """Zendesk's User object of a :data:`MERGED_USERS_SQL` row."""
        user = self.render_user(row)
        if row["written_attributes"] is not None:
            user.update(json.loads(row["written_attributes"]))
            user["user_fields"] = {**user["user_fields"], **json.loads(row["written_user_fields"])}
        return user

    def users_export(self, export: Handler) -> Handler:
        """``export`` (the time-based users export over :data:`MERGED_USERS_SQL`) once the
        written-state tables exist, so an ingestion reads written users back."""

        def handler(request: ApiRequest, store: WorldStore) -> ApiResponse:
            _ready(store)
            return export(request, store)

        return handler
