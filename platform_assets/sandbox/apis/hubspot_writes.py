"""The write side of the fake HubSpot API: contacts batch upsert, update and archive.

Reverse ETL writes contacts the way HubSpot takes them (CRM v3, at most 100 inputs a request):

- ``POST /crm/v3/objects/contacts/batch/upsert``: inputs ``{"idProperty": "email", "id": <email>,
  "properties": {...}}``. The contact with that email (case-insensitive, archived ones aside) is
  updated; an unknown email creates a contact, with an id from :data:`NEW_CONTACT_ID_BASE` up
  (never a world id). Results carry ``"new"``.
- ``POST .../batch/update``: inputs ``{"id", "properties"}`` by contact id, or by email with
  ``"idProperty": "email"``; an unknown one is a per-input ``OBJECT_NOT_FOUND``.
- ``POST .../batch/archive``: inputs ``{"id"}``; 204, unknown ids ignored (as HubSpot does).
- ``GET /crm/v3/properties/contacts``: the property definitions, custom ones included (HubSpot
  refuses a write to a property that is not defined, so clients check their mapping here).

An input HubSpot would refuse alone (a property that does not exist or is read-only, a value of
the wrong type) is a per-input error: 207 with ``errors`` (each naming its input in
``context.id``) and ``numErrors``, the other inputs written. A batch HubSpot refuses whole is a
400 ``VALIDATION_ERROR`` naming the input: an ``id`` that is not an email, the same id twice.

What is written lives in ``destinations.hubspot_contacts`` (see ``hubspot.contacts_sql``, which
merges it into every read); a write stamps ``lastmodifieddate`` with the world clock.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from platform_assets.sandbox.apis.hubspot import (
    CONTACT_PROPERTIES,
    OBJECT_TYPES,
    WRITTEN_CONTACTS,
    BadRequest,
    ContactProperty,
    contacts_sql,
    crm_object,
    input_ids,
    iso,
    json_body,
    visible,
    written_contacts,
)
from platform_assets.sandbox.fakeapi import ApiRequest, ApiResponse
from platform_assets.sandbox.store import WorldStore

BATCH_LIMIT = 100
NEW_CONTACT_ID_BASE = 100_000_000_000
"""Contacts created by a write get ids from here up, far above every world contact id."""
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CONTACTS = OBJECT_TYPES["contacts"]
PROPERTIES: Mapping[str, ContactProperty] = {p.name: p for p in CONTACT_PROPERTIES}
WRITTEN_CONTACTS_DDL = f"""
    create table if not exists {WRITTEN_CONTACTS} (
        id bigint primary key,
        created boolean not null,
        properties json not null,
        created_at timestamp not null,
        updated_at timestamp not null,
        archived_at timestamp
    )
"""


def _inputs(body: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not 0 < len(inputs) <= BATCH_LIMIT:
        size = len(inputs) if isinstance(inputs, list) else type(inputs).__name__
        raise BadRequest(f"inputs must hold 1 to {BATCH_LIMIT} objects, got {size}")
    for n, item in enumerate(inputs):
        if not isinstance(item, dict) or not isinstance(item.get("properties", {}), dict):
            raise BadRequest(f"inputs[{n}] must be an object with a properties object")
    return inputs


def _invalid(name: str, code: str, message: str) -> dict[str, Any]:
    """One entry of HubSpot's "Property values were not valid" list."""
    return {"isValid": False, "message": message, "error": code, "name": name}


def _check_value(prop: ContactProperty | None, name: str, value: Any) -> dict[str, Any] | None:
    """What HubSpot says about writing ``value`` to property ``name`` (None: it is fine)."""
    if prop is None:
        return _invalid(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
    if not prop.writable:
        message = f'"{name}" is a read only property; its value cannot be set.'
        return _invalid(name, "READ_ONLY_VALUE", message)
    text = "" if value is None else str(value)
    if text == "":
        return None  # an empty string clears the property
    if prop.type == "number":
        try:
            number = float(text) if prop.sql == "double" else int(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return _invalid(name, "INVALID_INTEGER", f"{text} was not a valid number.")
    elif prop.type == "bool" and text not in ("true", "false"):
        return _invalid(
            name, "INVALID_OPTION", f"{text} was not one of the allowed options: true, false"
        )
    elif prop.options and text not in prop.options:
        allowed = ", ".join(prop.options)
        return _invalid(
            name, "INVALID_OPTION", f"{text} was not one of the allowed options: {allowed}"
        )
    elif name == "email" and not EMAIL.fullmatch(text):
        return _invalid(name, "INVALID_EMAIL", f"Email address {text} is invalid")
    return None


def _input_error(key: str, problems: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "message": f"Property values were not valid: {json.dumps(problems)}",
        "context": {"id": [key]},
    }


def _not_found(key: str) -> dict[str, Any]:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": f"Could not find a contact with id {key}",
        "context": {"id": [key]},
    }


def _text_properties(properties: Mapping[str, Any]) -> dict[str, str]:
    """Values as HubSpot stores them: text, None written as ``""`` (cleared), emails
    lower-cased and trimmed."""
    text = {name: "" if value is None else str(value) for name, value in properties.items()}
    if "email" in text:
        text["email"] = text["email"].strip().lower()
    return text


def _stamp(store: WorldStore) -> datetime:
    """The world clock to the millisecond (HubSpot keeps milliseconds)."""
    now = store.clock()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _unique_ids(inputs: list[dict[str, Any]], by_email: bool) -> list[str]:
    """The inputs' ids (lower-cased emails when ``by_email``): a batch whose ids are not emails,
    or holds one twice, is refused whole, as HubSpot refuses it."""
    ids, seen = [], set()
    for n, item in enumerate(inputs):
        raw = str(item.get("id") or "").strip()
        if by_email:
            if not EMAIL.fullmatch(raw):
                problem = _invalid("email", "INVALID_EMAIL", f"Email address {raw!r} is invalid")
                raise BadRequest(
                    f"inputs[{n}]: Property values were not valid: [{json.dumps(problem)}]"
                )
            raw = raw.lower()
        if raw in seen:
            raise BadRequest(f"Duplicate IDs found in batch input: [{raw}]")
        seen.add(raw)
        ids.append(raw)
    return ids


def _live_by_email(store: WorldStore, emails: list[str]) -> dict[str, int]:
    """Email (lower-cased, trimmed) → the live contact holding it; the oldest when several do.

    Looked up on each side first (the world's contacts with those emails, the written contacts
    with those emails), then merged for just those ids: a batch never scans the whole portal."""
    candidates = store.query(
        f"""
        select id from ({visible("contacts", "lower(trim(email)) in (select unnest($emails))")})
        union
        select id from ({written_contacts(store)})
        where lower(trim(properties->>'email')) in (select unnest($emails))
        """,
        {"clock": store.clock(), "emails": emails},
    )
    if not candidates:
        return {}
    rows = store.query(
        f"""
        select lower(trim(email)) as email, min(id) as id
        from ({contacts_sql(store, only_ids=True)})
        where not archived and lower(trim(email)) in (select unnest($emails))
        group by all
        """,
        {"clock": store.clock(), "emails": emails, "ids": [row["id"] for row in candidates]},
    )
    return {row["email"]: row["id"] for row in rows}


def _live_ids(store: WorldStore, ids: list[int]) -> set[int]:
    rows = store.query(
        f"select id from ({contacts_sql(store)}) "
        "where not archived and id in (select unnest($ids))",
        {"clock": store.clock(), "ids": ids},
    )
    return {row["id"] for row in rows}


def _write(cur: Any, writes: dict[int, dict[str, str]], at: datetime, created: set[int]) -> None:
    """Merge each contact's written ``properties`` into its written state, in two statements
    for the whole batch (one read of what was written before, one upsert)."""
    if not writes:
        return
    before = dict(
        cur.execute(
            f"select id, properties from {WRITTEN_CONTACTS} where id in (select unnest($ids))",
            {"ids": list(writes)},
        ).fetchall()
    )
    merged = {
        cid: {**json.loads(before.get(cid) or "{}"), **props} for cid, props in writes.items()
    }
    cur.execute(
        f"""
        insert into {WRITTEN_CONTACTS}
        select unnest($ids), unnest($created), unnest($properties)::json, $at, $at, null
        on conflict (id) do update
            set properties = excluded.properties, updated_at = excluded.updated_at
        """,
        {
            "ids": list(merged),
            "created": [cid in created for cid in merged],
            "properties": [json.dumps(props) for props in merged.values()],
            "at": at,
        },
    )


def _results(
    store: WorldStore, written: dict[int, dict[str, str]], new: set[int] | None
) -> list[dict]:
    """The contacts as they are now, with the properties written (and HubSpot's defaults)."""
    if not written:
        return []
    rows = store.query(
        f"select * from ({contacts_sql(store, only_ids=True)}) order by id",
        {"clock": store.clock(), "ids": list(written)},
    )
    results = []
    for row in rows:
        names = (*CONTACTS.defaults, *written[row["id"]])
        result = crm_object(CONTACTS, row, dict.fromkeys(names))
        if new is not None:
            result["new"] = row["id"] in new
        results.append(result)
    return results


def _answer(
    results: list[dict], errors: list[dict], started: str, keys: tuple[str, ...]
) -> ApiResponse:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": iso(datetime.now(UTC).replace(tzinfo=None)),
    }
    if errors:
        body.update(numErrors=len(errors), errors=errors)
    return ApiResponse(status=207 if errors else 200, body=body, rows=len(results), written=keys)


def _problems(properties: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        problem
        for name, value in properties.items()
        if (problem := _check_value(PROPERTIES.get(name), name, value)) is not None
    ]


def batch_upsert(request: ApiRequest, store: WorldStore) -> ApiResponse:
    started = iso(datetime.now(UTC).replace(tzinfo=None))
    inputs = _inputs(json_body(request))
    for n, item in enumerate(inputs):
        if str(item.get("idProperty") or "") != "email":
            raise BadRequest(f"inputs[{n}].idProperty must be a unique property (email)")
    emails = _unique_ids(inputs, by_email=True)
    errors: list[dict[str, Any]] = []
    written: dict[int, dict[str, str]] = {}
    created: set[int] = set()
    keys: list[str] = []
    with store.writing() as cur:
        cur.execute(WRITTEN_CONTACTS_DDL)
        existing = _live_by_email(store, emails)
        at = _stamp(store)
        last = cur.execute(f"select max(id) from {WRITTEN_CONTACTS} where created").fetchall()
        next_id = (last[0][0] or NEW_CONTACT_ID_BASE - 1) + 1
        for item, email in zip(inputs, emails, strict=True):
            properties = item.get("properties") or {}
            if problems := _problems(properties):
                errors.append(_input_error(email, problems))
                continue
            text = _text_properties(properties)
            contact_id = existing.get(email)
            if contact_id is None:
                contact_id, next_id = next_id, next_id + 1
                text = {"email": email, **text}
                created.add(contact_id)
            written[contact_id] = text
            keys.append(email)
        _write(cur, written, at, created)
        results = _results(store, written, created)
    return _answer(results, errors, started, tuple(keys))


def batch_update(request: ApiRequest, store: WorldStore) -> ApiResponse:
    started = iso(datetime.now(UTC).replace(tzinfo=None))
    inputs = _inputs(json_body(request))
    by_email = {str(item.get("idProperty") or "") == "email" for item in inputs}
    if len(by_email) > 1:
        raise BadRequest("all inputs of a batch must use the same idProperty")
    email_ids = by_email == {True}
    keys_in = _unique_ids(inputs, by_email=email_ids)
    errors: list[dict[str, Any]] = []
    written: dict[int, dict[str, str]] = {}
    keys: list[str] = []
    with store.writing() as cur:
        cur.execute(WRITTEN_CONTACTS_DDL)
        if email_ids:
            found = _live_by_email(store, keys_in)
        else:
            numeric = [int(k) for k in keys_in if k.isdigit()]
            found = {str(i): i for i in _live_ids(store, numeric)}
        at = _stamp(store)
        for item, key in zip(inputs, keys_in, strict=True):
            properties = item.get("properties") or {}
            if key not in found:
                errors.append(_not_found(key))
            elif problems := _problems(properties):
                errors.append(_input_error(key, problems))
            else:
                written[found[key]] = _text_properties(properties)
                keys.append(key)
        _write(cur, written, at, created=set())
        results = _results(store, written, None)
    return _answer(results, errors, started, tuple(keys))


def batch_archive(request: ApiRequest, store: WorldStore) -> ApiResponse:
    ids = input_ids(json_body(request), BATCH_LIMIT)
    with store.writing() as cur:
        cur.execute(WRITTEN_CONTACTS_DDL)
        live = sorted(_live_ids(store, ids))
        at = _stamp(store)
        for contact_id in live:
            cur.execute(
                f"""
                insert into {WRITTEN_CONTACTS} values ($id, false, '{{}}', $at, $at, $at)
                on conflict (id) do update set updated_at = $at, archived_at = $at
                """,
                {"id": contact_id, "at": at},
            )
    return ApiResponse(status=204, body=None, written=tuple(str(i) for i in live))


# --- property definitions -------------------------------------------------------------------
_FIELD_TYPES = {
    "string": "text",
    "number": "number",
    "bool": "booleancheckbox",
    "datetime": "date",
    "enumeration": "select",
}


def contact_properties(request: ApiRequest, store: WorldStore) -> ApiResponse:
    """``GET /crm/v3/properties/contacts``: the portal's contact properties, so a client can
    check a mapping before it writes (HubSpot refuses a property that does not exist)."""
    defined = iso(datetime(2025, 1, 1))
    results = [
        {
            "name": prop.name,
            "label": prop.label,
            "type": prop.type,
            "fieldType": _FIELD_TYPES[prop.type],
            "groupName": prop.group,
            "description": "",
            "displayOrder": order,
            "options": [
                {"label": value, "value": value, "displayOrder": n, "hidden": False}
                for n, value in enumerate(
                    ("true", "false") if prop.type == "bool" else prop.options
                )
            ],
            "calculated": not prop.writable,
            "externalOptions": False,
            "hasUniqueValue": prop.name == "email",
            "hidden": False,
            "hubspotDefined": prop.group != "roundtrip",
            "formField": prop.writable,
            "modificationMetadata": {
                "archivable": prop.group == "roundtrip",
                "readOnlyDefinition": prop.group != "roundtrip",
                "readOnlyValue": not prop.writable,
            },
            "createdAt": defined,
            "updatedAt": defined,
            "archived": False,
        }
        for order, prop in enumerate(
            (
                *CONTACT_PROPERTIES,
                ContactProperty("hs_object_id", "Record ID", "number", writable=False),
            )
        )
    ]
    return ApiResponse(body={"results": results}, rows=len(results))
