"""Zendesk Support users as a reverse-ETL destination (upsert by email or external_id).

Zendesk writes users in bulk as a background job: ``POST /api/v2/users/create_or_update_many``
(at most 100 users) answers with a ``job_status`` at once, and only the job, polled at
``GET /api/v2/job_statuses/{id}.json`` until ``completed``, says per user (by ``index``)
whether it was created, updated or failed. So :meth:`ZendeskUsers.send` submits a batch, polls
the job on the injected clock (waits growing from :data:`FIRST_POLL_SECONDS` to
:data:`MAX_POLL_SECONDS`, for at most :data:`MAX_JOB_SECONDS` in all), and returns one outcome
per record from the job's results; a job that never completes raises
:class:`~platform_assets.activation.http.DestinationUnavailable` naming it.

Mapped fields are Zendesk user attributes (``email``, ``name``, ``external_id``, ...) or custom
user fields written ``user_fields.<key>``, which the payload nests (``{"user_fields": {key:
value}}``). Zendesk matches a user on ``external_id`` when given, else on email, and creates it
when nothing matches, so a resend updates the same user. Auth is HTTP Basic with the API token
credential ``{email}/token:{api_token}``; the published limit is 700 requests a minute.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import requests

from platform_assets.activation.destinations.base import (
    BatchRejected,
    Destination,
    DestinationConfigError,
    Operation,
    Outcome,
    Record,
)
from platform_assets.activation.http import Clock, DestinationUnavailable, HttpClient, RateLimit
from platform_assets.settings import Settings

RATE_LIMIT = RateLimit(requests=700, per_seconds=60.0)
MAX_USERS = 100
FIRST_POLL_SECONDS = 0.5
MAX_POLL_SECONDS = 10.0
MAX_JOB_SECONDS = 300.0
USER_ATTRIBUTES = frozenset(
    {
        "email", "name", "external_id", "alias", "details", "notes", "phone", "organization_id",
        "role", "tags", "time_zone", "locale", "locale_id", "verified", "signature",
        "suspended", "moderator", "ticket_restriction", "only_private_comments",
    }
)  # fmt: skip
"""The writable top-level attributes of a Zendesk user."""
USER_FIELDS_PREFIX = "user_fields."
_FINISHED = ("completed", "failed", "killed")


def json_value(value: Any) -> Any:
    """A DuckDB value as Zendesk takes it: decimals as numbers, instants as ISO 8601 UTC."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        utc = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def user_payload(fields: Mapping[str, Any]) -> dict[str, Any]:
    """One user of a bulk request: ``user_fields.<key>`` fields nested under ``user_fields``."""
    user: dict[str, Any] = {}
    for name, value in fields.items():
        if name.startswith(USER_FIELDS_PREFIX):
            user.setdefault("user_fields", {})[name[len(USER_FIELDS_PREFIX) :]] = json_value(value)
        else:
            user[name] = json_value(value)
    return user


def _describe(response: requests.Response) -> str:
    """Zendesk's ``{"error", "description"}`` (or the raw text) of a refusal."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):  # some endpoints nest {"title", "message"}
        error = error.get("title") or error.get("message")
    description = body.get("description") if isinstance(body, dict) else None
    return f"HTTP {response.status_code} {error or ''}: {description or response.text[:300]}"


class ZendeskUsers(Destination):
    """Zendesk users: upsert only (Zendesk's bulk endpoint creates or updates)."""

    name = "zendesk"
    max_batch_size = MAX_USERS
    rate_limit = RATE_LIMIT
    operations = frozenset({Operation.UPSERT})

    def __init__(self, http: HttpClient, clock: Clock) -> None:
        super().__init__("users")
        self.http = http
        self.clock = clock

    def send(self, operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        if operation not in self.operations:
            raise DestinationConfigError(f"zendesk users support upsert only, not {operation}")
        body = {"users": [user_payload(record.fields) for record in records]}
        response = self._checked(
            self.http.request("POST", "/api/v2/users/create_or_update_many.json", json=body)
        )
        job = self._finished(response.json()["job_status"])
        if job["status"] != "completed":
            why = f"Zendesk job {job['id']} {job['status']}: {job.get('message') or 'no message'}"
            return [Outcome.rejected(r.key, why, retriable=True) for r in records]
        return self._outcomes(records, job)

    def _finished(self, job: dict[str, Any]) -> dict[str, Any]:
        """Poll the job until it finishes, waiting on the clock between polls."""
        waited, wait = 0.0, FIRST_POLL_SECONDS
        while job["status"] not in _FINISHED:
            if waited >= MAX_JOB_SECONDS:
                raise DestinationUnavailable(
                    f"Zendesk job {job['id']} still {job['status']} after {waited:g} s of polling"
                )
            self.clock.sleep(wait)
            waited += wait
            wait = min(wait * 2, MAX_POLL_SECONDS)
            response = self._checked(
                self.http.request("GET", f"/api/v2/job_statuses/{job['id']}.json")
            )
            job = response.json()["job_status"]
        return job

    @staticmethod
    def _outcomes(records: Sequence[Record], job: dict[str, Any]) -> list[Outcome]:
        """One outcome per record from the job's results, matched by ``index`` (Zendesk keeps
        request order, so a result without one stands at its position)."""
        results = job.get("results") or []
        by_index = {
            result.get("index", position): result for position, result in enumerate(results)
        }
        outcomes = []
        for index, record in enumerate(records):
            result = by_index.get(index)
            if result is None:
                outcomes.append(
                    Outcome.rejected(
                        record.key, f"not confirmed by Zendesk job {job['id']}", retriable=True
                    )
                )
            elif result.get("status") == "Failed" or "error" in result:
                error = f"{result.get('error')}: {result.get('details') or ''}".strip()
                outcomes.append(Outcome.rejected(record.key, error))
            else:
                outcomes.append(Outcome.accepted(record.key, str(result["id"])))
        return outcomes

    @staticmethod
    def _checked(response: requests.Response) -> requests.Response:
        """The response when it is a success; otherwise the error the engine acts on."""
        if response.ok:
            return response
        message = f"Zendesk refused {response.request.method} {response.request.path_url}: "
        message += _describe(response)
        if response.status_code in (401, 403, 404):
            raise DestinationConfigError(message)
        if response.status_code in (400, 413, 422):
            raise BatchRejected(message)
        raise DestinationUnavailable(message)

    def check_fields(self, fields: Sequence[str]) -> None:
        """Top-level fields must be user attributes; ``user_fields.<key>`` must be defined in
        the account (``GET /api/v2/user_fields.json``)."""
        custom = [f[len(USER_FIELDS_PREFIX) :] for f in fields if f.startswith(USER_FIELDS_PREFIX)]
        unknown = [
            f for f in fields if not f.startswith(USER_FIELDS_PREFIX) and f not in USER_ATTRIBUTES
        ]
        unknown += [f"{USER_FIELDS_PREFIX}{key}" for key in custom if not key or "." in key]
        if unknown:
            raise DestinationConfigError(
                f"zendesk users have no field(s) {', '.join(unknown)}; map to user attributes "
                f"({', '.join(sorted(USER_ATTRIBUTES))}) or user_fields.<key>"
            )
        if not custom:
            return
        defined = self.user_field_keys()
        missing = [key for key in custom if key not in defined]
        if missing:
            raise DestinationConfigError(
                "zendesk account has no user field(s) "
                + ", ".join(f"{USER_FIELDS_PREFIX}{key}" for key in missing)
                + f"; defined: {', '.join(sorted(defined)) or 'none'} (create them in Zendesk "
                "Admin Center > People > Configuration > User fields)"
            )

    def user_field_keys(self) -> set[str]:
        """The keys of the account's active custom user fields (every page)."""
        keys: set[str] = set()
        url: str | None = "/api/v2/user_fields.json"
        while url:
            body = self._checked(self.http.request("GET", url)).json()
            keys |= {f["key"] for f in body.get("user_fields", []) if f.get("active", True)}
            url = body.get("next_page")
        return keys

    def close(self) -> None:
        self.http.close()


def connect(object_name: str, settings: Settings, options: dict, clock: Clock) -> ZendeskUsers:
    """The Zendesk users client of ``settings`` (no options)."""
    if object_name != "users":
        raise DestinationConfigError(
            f"zendesk has no object {object_name!r}; reverse ETL writes 'users'"
        )
    if options:
        raise DestinationConfigError(
            f"zendesk users take no destination_options; got {', '.join(sorted(options))}"
        )
    token = base64.b64encode(settings.credential("zendesk").encode()).decode()
    http = HttpClient(
        settings.api_url("zendesk"),
        headers={"Authorization": f"Basic {token}"},
        rate_limit=RATE_LIMIT,
        clock=clock,
    )
    return ZendeskUsers(http, clock)
