"""HubSpot contacts as a sync destination: CRM v3 batch upsert, update and archive.

HubSpot takes at most 100 contacts a request and 100 requests per 10 seconds (a private app);
the HTTP client keeps under that. Each operation is one batch endpoint:

- upsert: ``POST /crm/v3/objects/contacts/batch/upsert`` by a unique property (``email`` unless
  the ``id_property`` option names another): an unknown email creates the contact;
- update: ``POST .../batch/update`` by the same property: an unknown contact is rejected;
- delete: ``POST .../batch/archive`` by the HubSpot id the upsert returned
  (``Record.destination_id``).

HubSpot answers 200, or 207 when some inputs failed: results carry the contacts written (their
``properties`` hold the id property), ``errors`` name the failed inputs in ``context.id``. A
record in neither was not confirmed, so it is rejected as retriable. A 400 ``VALIDATION_ERROR``
refuses the whole batch (an id that is not an email, the same id twice): :class:`BatchRejected`,
so the engine isolates the bad record. 401/403 mean the token is wrong or lacks the
``crm.objects.contacts.write`` scope.

HubSpot stores every property value as text: booleans are ``"true"``/``"false"``, dates and
datetimes epoch milliseconds (UTC), and an empty string clears a property (what a null becomes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
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
from platform_assets.activation.http import (
    Clock,
    DestinationUnavailable,
    HttpClient,
    RateLimit,
)
from platform_assets.settings import Settings

OBJECTS = ("contacts",)
OPTIONS = frozenset({"id_property"})
CONTACTS = "/crm/v3/objects/contacts"
NOT_CONFIRMED = "not confirmed by HubSpot (neither in its results nor in its errors)"


def property_text(value: Any) -> str:
    """A Python value as HubSpot takes a property value (always text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return str(int(aware.timestamp() * 1000))
    if isinstance(value, date):
        return property_text(datetime.combine(value, time(), UTC))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _match_key(value: Any) -> str:
    """Emails match case- and whitespace-insensitively, as HubSpot matches them."""
    return str(value or "").strip().lower()


def _message(response: requests.Response) -> tuple[str, str]:
    """HubSpot's error ``(category, message)`` (its error body, or the raw text)."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:300]
    if not isinstance(body, dict):
        return "", str(body)[:300]
    return str(body.get("category") or ""), str(body.get("message") or body)


class HubSpotContacts(Destination):
    """Writes sync records to HubSpot contacts; ``Record.key`` is the id property's value."""

    name = "hubspot"
    max_batch_size = 100
    rate_limit = RateLimit(100, 10)
    operations = frozenset({Operation.UPSERT, Operation.UPDATE, Operation.DELETE})

    def __init__(self, http: HttpClient, id_property: str = "email") -> None:
        super().__init__("contacts")
        self.http = http
        self.id_property = id_property
        self._properties: dict[str, dict[str, Any]] | None = None

    # --- writing -------------------------------------------------------------------------------
    def send(self, operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        if not records:
            return []
        if len(records) > self.max_batch_size:
            raise ValueError(f"{len(records)} records; HubSpot takes {self.max_batch_size}")
        if operation is Operation.DELETE:
            return self._archive(records)
        if operation not in (Operation.UPSERT, Operation.UPDATE):
            raise DestinationConfigError(f"HubSpot contacts do not support {operation.value}")
        inputs = [
            {
                "idProperty": self.id_property,
                "id": record.key,
                "properties": {name: property_text(v) for name, v in record.fields.items()},
            }
            for record in records
        ]
        response = self._post(f"{CONTACTS}/batch/{operation.value}", {"inputs": inputs})
        return self._outcomes(response.json(), records)

    def _archive(self, records: Sequence[Record]) -> list[Outcome]:
        """Archive by HubSpot id; a record never confirmed by HubSpot has none to archive by."""
        known = [r for r in records if r.destination_id]
        if known:
            inputs = [{"id": r.destination_id} for r in known]
            self._post(f"{CONTACTS}/batch/archive", {"inputs": inputs})
        return [
            Outcome.accepted(r.key, r.destination_id)
            if r.destination_id
            else Outcome.rejected(r.key, "no HubSpot id known for this contact; cannot archive")
            for r in records
        ]

    def _post(self, path: str, body: Mapping[str, Any]) -> requests.Response:
        """POST a batch; a refusal of the whole batch raises, any other answer is returned."""
        response = self.http.request("POST", path, json=body)
        status = response.status_code
        if status in (200, 201, 204, 207):
            return response
        category, message = _message(response)
        if status in (401, 403):
            raise DestinationConfigError(
                f"HubSpot refused the access token (HTTP {status} {category}): {message}; check "
                "the private app's token and its crm.objects.contacts.write scope"
            )
        if status == 400:
            raise BatchRejected(f"HubSpot refused the batch ({category}): {message}")
        if status == 404:
            raise DestinationConfigError(f"HubSpot has no {path} (HTTP 404): {message}")
        raise DestinationUnavailable(f"HubSpot answered HTTP {status} to {path}: {message}")

    def _outcomes(self, body: Mapping[str, Any], records: Sequence[Record]) -> list[Outcome]:
        """One outcome per record from a 200/207 body: results by id property, errors by
        ``context.id``; what is in neither was not confirmed."""
        written = {
            _match_key((result.get("properties") or {}).get(self.id_property)): str(result["id"])
            for result in body.get("results") or []
        }
        failed: dict[str, tuple[str, bool]] = {}
        for error in body.get("errors") or []:
            context = error.get("context") or {}
            retriable = error.get("category") not in ("VALIDATION_ERROR", "OBJECT_NOT_FOUND")
            text = f"{error.get('category')}: {error.get('message')}"
            for key in (*(context.get("id") or ()), *(context.get("ids") or ())):
                failed[_match_key(key)] = (text, retriable)
        outcomes = []
        for record in records:
            key = _match_key(record.key)
            if key in failed:
                outcomes.append(Outcome.rejected(record.key, *failed[key]))
            elif key in written:
                outcomes.append(Outcome.accepted(record.key, written[key]))
            else:
                outcomes.append(Outcome.rejected(record.key, NOT_CONFIRMED, retriable=True))
        return outcomes

    # --- checks --------------------------------------------------------------------------------
    def properties(self) -> dict[str, dict[str, Any]]:
        """The portal's contact property definitions by name (read once per client)."""
        if self._properties is None:
            response = self.http.request("GET", "/crm/v3/properties/contacts")
            if response.status_code in (401, 403):
                raise DestinationConfigError(
                    f"HubSpot refused the access token (HTTP {response.status_code}): "
                    f"{_message(response)[1]}"
                )
            if response.status_code != 200:
                raise DestinationUnavailable(
                    f"HubSpot answered HTTP {response.status_code} listing contact properties"
                )
            self._properties = {p["name"]: p for p in response.json()["results"]}
        return self._properties

    def check_fields(self, fields: Sequence[str]) -> None:
        """Refuse a mapping that writes a property HubSpot does not have or will not let a
        client set (HubSpot requires a property to exist before anything writes it)."""
        defined = self.properties()
        missing = sorted(f for f in fields if f not in defined)
        read_only = sorted(
            f
            for f in fields
            if f in defined and (defined[f].get("modificationMetadata") or {}).get("readOnlyValue")
        )
        problems = []
        if missing:
            problems.append(f"no contact property named {', '.join(missing)}")
        if read_only:
            problems.append(f"read-only contact properties {', '.join(read_only)}")
        if problems:
            raise DestinationConfigError(
                f"HubSpot contacts: {'; '.join(problems)} (create the property in HubSpot, or "
                "fix the sync's mapping)"
            )

    def count(self) -> int:
        """Contacts in the portal: a search for one, whose ``total`` counts them all."""
        response = self.http.request("POST", f"{CONTACTS}/search", json={"limit": 1})
        if response.status_code != 200:
            category, message = _message(response)
            raise DestinationUnavailable(
                f"HubSpot answered HTTP {response.status_code} counting contacts: {message}"
            )
        return int(response.json()["total"])

    def close(self) -> None:
        self.http.close()


def connect(
    object_name: str, settings: Settings, options: dict[str, Any], clock: Clock
) -> HubSpotContacts:
    """The client for HubSpot ``contacts`` (the one object syncs write here)."""
    if object_name not in OBJECTS:
        raise DestinationConfigError(
            f"HubSpot object {object_name!r} is not supported; supported: {', '.join(OBJECTS)}"
        )
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise DestinationConfigError(
            f"unknown HubSpot option(s) {', '.join(unknown)}; known: {', '.join(sorted(OPTIONS))}"
        )
    id_property = options.get("id_property", "email")
    if not isinstance(id_property, str) or not id_property:
        raise DestinationConfigError(
            f"HubSpot option id_property must be a property name, got {id_property!r}"
        )
    http = HttpClient(
        base_url=settings.api_url("hubspot"),
        headers={"Authorization": f"Bearer {settings.credential('hubspot')}"},
        rate_limit=HubSpotContacts.rate_limit,
        clock=clock,
    )
    return HubSpotContacts(http, id_property)
