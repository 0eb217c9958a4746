"""Braze as a destination: user attributes, and audiences, through ``POST /users/track``.

Two objects:

- ``users``: each record becomes one attributes object (``{"external_id", <attribute>: value}``),
  upserted: Braze creates the profile or updates the attributes given. A null unsets the
  attribute, as Braze reads ``null``.
- ``audience`` (option ``audience``: its name): membership in a named audience, kept in the custom
  array attribute ``roundtrip_audiences`` that Braze segments filter on. An upsert or insert adds
  the audience (``{"roundtrip_audiences": {"add": [name]}}``), a delete removes it, and other
  audiences in the array are left alone. How many users are in it is not cheaply known (count
  is None).

A record's user is its ``external_id`` field, or its sync key when the mapping leaves that out.
``/users/track`` takes at most 75 objects per array, so a batch is at most 75 records (a longer
one is sent in several requests). Braze processes the good objects of a request and lists the
others in ``errors`` by index: those records are rejected with Braze's message (retrying the same
object gets the same answer); a 400 refuses the whole request (:class:`BatchRejected`). Values
go as JSON: datetimes and dates as ISO 8601 in UTC, decimals as numbers.

Braze publishes 3,000 requests per 3 seconds for ``/users/track``; the client keeps under it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from platform_assets.activation.destinations.base import (
    BatchRejected,
    Destination,
    DestinationConfigError,
    Operation,
    Outcome,
    Record,
)
from platform_assets.activation.http import (
    Clock,
    DestinationUnavailable,
    HttpClient,
    RateLimit,
)
from platform_assets.settings import Settings

MAX_OBJECTS = 75
MAX_NAME_LENGTH = 255
AUDIENCE_ATTRIBUTE = "roundtrip_audiences"
OBJECTS = ("users", "audience")


def braze_value(value: Any) -> Any:
    """A field value as Braze takes it in JSON (see the module docstring)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return braze_value(datetime.combine(value, time()))
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _attribute_name_problem(name: str) -> str | None:
    if not name:
        return "an empty name"
    if name.startswith("$"):
        return f"{name!r} starts with '$'"
    if len(name) > MAX_NAME_LENGTH:
        return f"{name[:40]!r}... is longer than {MAX_NAME_LENGTH} characters"
    return None


class BrazeUsers(Destination):
    """Braze user profiles: their attributes, or (with ``audience``) one audience's members."""

    name = "braze"
    max_batch_size = MAX_OBJECTS
    rate_limit = RateLimit(requests=3000, per_seconds=3)

    def __init__(self, object_name: str, http: HttpClient, audience: str | None = None) -> None:
        super().__init__(object_name)
        self.http = http
        self.audience = audience
        self.operations = (
            frozenset({Operation.UPSERT})
            if audience is None
            else frozenset({Operation.UPSERT, Operation.INSERT, Operation.DELETE})
        )

    def send(self, operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        if operation not in self.operations:
            raise DestinationConfigError(f"braze {self.object_name}: cannot {operation}")
        outcomes: list[Outcome] = []
        for start in range(0, len(records), MAX_OBJECTS):
            outcomes += self._track(operation, records[start : start + MAX_OBJECTS])
        return outcomes

    def _user(self, record: Record) -> Any:
        return record.fields.get("external_id", record.key)

    def _attributes(self, operation: Operation, record: Record) -> dict[str, Any]:
        if self.audience is not None:
            change = "remove" if operation is Operation.DELETE else "add"
            return {
                "external_id": self._user(record),
                AUDIENCE_ATTRIBUTE: {change: [self.audience]},
            }
        values = {name: braze_value(value) for name, value in record.fields.items()}
        return {**values, "external_id": self._user(record)}

    def _track(self, operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        objects = [self._attributes(operation, record) for record in records]
        response = self.http.request("POST", "/users/track", json={"attributes": objects})
        try:
            body = response.json()
        except ValueError:
            body = {"message": response.text[:300]}
        message = body.get("message") if isinstance(body, dict) else str(body)
        if response.status_code in (401, 403, 404):
            raise DestinationConfigError(
                f"Braze refused /users/track (HTTP {response.status_code}): {message}"
            )
        if response.status_code >= 400:
            raise BatchRejected(f"Braze refused the batch (HTTP {response.status_code}): {message}")
        if message != "success":
            raise DestinationUnavailable(f"Braze answered /users/track with {body!r}")
        errors = {
            error.get("index"): error.get("type", "rejected")
            for error in body.get("errors") or []
            if error.get("input_array") == "attributes"
        }
        return [
            Outcome.rejected(record.key, f"Braze: {errors[n]}")
            if n in errors
            else Outcome.accepted(record.key, str(objects[n]["external_id"]))
            for n, record in enumerate(records)
        ]

    def check_fields(self, fields: Sequence[str]) -> None:
        """Attribute names Braze would refuse (``$...``, too long); an audience sync maps only
        ``external_id``."""
        if self.audience is not None:
            extra = [name for name in fields if name != "external_id"]
            if extra:
                raise DestinationConfigError(
                    f"braze audience {self.audience!r} maps only external_id, not "
                    f"{', '.join(extra)}"
                )
            return
        problems = [p for p in map(_attribute_name_problem, fields) if p]
        if problems:
            raise DestinationConfigError(
                f"braze users: invalid attribute name(s): {'; '.join(problems)}"
            )

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "audience": self.audience}

    def close(self) -> None:
        self.http.close()


def connect(
    object_name: str, settings: Settings, options: dict[str, Any], clock: Clock
) -> BrazeUsers:
    """The client for ``users`` (no options) or ``audience`` (option ``audience``, required)."""
    if object_name not in OBJECTS:
        raise DestinationConfigError(
            f"braze: unknown object {object_name!r}; known: {', '.join(OBJECTS)}"
        )
    allowed = {"audience"} if object_name == "audience" else set()
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise DestinationConfigError(
            f"braze {object_name}: unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(allowed)) or 'none'}"
        )
    audience = options.get("audience")
    if object_name == "audience" and (
        not isinstance(audience, str) or not audience.strip() or len(audience) > MAX_NAME_LENGTH
    ):
        raise DestinationConfigError(
            f"braze audience: option audience must name the audience (text, 1 to "
            f"{MAX_NAME_LENGTH} characters), got {audience!r}"
        )
    http = HttpClient(
        base_url=settings.api_url("braze"),
        headers={"Authorization": f"Bearer {settings.credential('braze')}"},
        rate_limit=BrazeUsers.rate_limit,
        clock=clock,
    )
    return BrazeUsers(object_name, http, audience)
