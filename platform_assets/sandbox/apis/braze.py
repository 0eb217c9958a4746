"""A fake Braze REST API that keeps user profiles written by reverse ETL, in Braze's shapes.

Nothing is read from the world; profiles live in ``destinations.braze_users`` (external_id,
braze_id, attributes as JSON, created_at, updated_at). Auth is ``Authorization: Bearer <REST API
key>``; errors are ``{"message": "..."}``. Braze publishes 3,000 requests per 3 seconds for
``/users/track`` (the sandbox applies it to every endpoint, 250 a minute being the real one for
``/users/export/ids``).

- ``POST /users/track`` ``{"attributes": [...], "events": [...], "purchases": [...]}``, at most 75
  objects in each array (more, or a body that is not that object, refuses the whole request with
  400). Each object names its user by ``external_id``, ``braze_id``, ``user_alias`` or ``email``.
  A bad object is skipped and reported, the rest processed: 201 ``{"message": "success",
  "attributes_processed": n, "errors": [{"type", "input_array", "index"}]}``. Bad: no user
  identifier, a non-string external_id, an attribute name that starts with ``$`` or is longer than
  255 characters, an object value that is not an array operation (``{"add": [...], "remove":
  [...]}``) or an increment (``{"inc": n}``): nested attributes are not enabled here. ``null``
  unsets an attribute, text longer than 255 characters is cut there (as Braze does), and
  ``"_update_existing_only": true`` leaves unknown users uncreated. Profiles are kept by
  external_id; events, purchases and objects naming a user otherwise are validated and counted,
  not stored. The request log's ``written`` lists the external ids whose attributes were stored.
- ``POST /users/export/ids`` ``{"external_ids": [...] (≤ 50), "fields_to_export": [...]}`` →
  ``{"users": [{"external_id", "braze_id", "created_at", <standard attributes>,
  "custom_attributes": {...}}], "invalid_user_ids": [...], "message": "success"}``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from platform_assets.sandbox.fakeapi import (
    ApiRequest,
    ApiResponse,
    FakeApi,
    Handler,
    RateLimit,
    Route,
    bearer_token,
    guarded,
)
from platform_assets.sandbox.store import WorldStore

MAX_OBJECTS = 75
MAX_EXPORT_IDS = 50
MAX_NAME_LENGTH = 255
MAX_TEXT_LENGTH = 255
TRACK_ARRAYS = ("attributes", "events", "purchases")
IDENTIFIERS = ("external_id", "braze_id", "user_alias", "email")
CONTROL_KEYS = frozenset({"_update_existing_only", "_merge_objects"})
STANDARD_ATTRIBUTES = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "phone",
        "country",
        "language",
        "home_city",
        "gender",
        "dob",
        "time_zone",
        "email_subscribe",
        "push_subscribe",
    }
)
"""Profile fields Braze keeps outside ``custom_attributes`` (the ones a sync is likely to set)."""
NO_IDENTIFIER = "Received object with no external_id, braze_id, user_alias or email"
_REQUIRED = {"events": ("name", "time"), "purchases": ("product_id", "currency", "price", "time")}

_DDL = """
create table if not exists destinations.braze_users (
    external_id varchar primary key, braze_id varchar, attributes json,
    created_at timestamp, updated_at timestamp
)
"""


class BrazeError(Exception):
    """A request Braze refuses as a whole (its status and message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ObjectError(Exception):
    """Why one object of a ``/users/track`` array is skipped (Braze's error ``type``)."""


def braze_id(external_id: str) -> str:
    """A stable 24-hex-digit Braze id for a profile."""
    return hashlib.sha1(external_id.encode()).hexdigest()[:24]


def _body(request: ApiRequest) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError:
        raise BrazeError(400, "Invalid JSON in request body") from None
    if not isinstance(body, dict):
        raise BrazeError(400, "The request body must be a JSON object")
    return body


def _identified(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ObjectError("Received an array element that is not an object")
    if not any(item.get(key) not in (None, "") for key in IDENTIFIERS):
        raise ObjectError(NO_IDENTIFIER)
    if "external_id" in item and not isinstance(item["external_id"], str | type(None)):
        raise ObjectError(f"external_id must be a string, received {item['external_id']!r}")
    return item


def _applied(current: Mapping[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """``current`` attributes with one track object's attributes applied."""
    attributes = dict(current)
    for name, value in item.items():
        if name in ("external_id", "braze_id", "user_alias") or name in CONTROL_KEYS:
            continue
        if not name or name.startswith("$") or len(name) > MAX_NAME_LENGTH:
            raise ObjectError(
                f"Invalid attribute name '{name[:40]}': names must not be empty, begin with '$' "
                f"or be longer than {MAX_NAME_LENGTH} characters"
            )
        if isinstance(value, dict):
            attributes[name] = _operation(name, attributes.get(name), value)
        elif isinstance(value, list):
            if any(isinstance(v, dict | list) for v in value):
                raise ObjectError(f"Attribute '{name}' is an array of objects (not enabled)")
            attributes[name] = value
        elif value is None:
            attributes.pop(name, None)
        else:
            attributes[name] = value[:MAX_TEXT_LENGTH] if isinstance(value, str) else value
    return attributes


def _operation(name: str, current: Any, value: dict[str, Any]) -> Any:
    """An array ``add``/``remove`` or a numeric ``inc`` on an attribute's current value."""
    if value.keys() == {"inc"} and isinstance(value["inc"], int | float):
        return (current if isinstance(current, int | float) else 0) + value["inc"]
    if value and value.keys() <= {"add", "remove"}:
        if not all(isinstance(v, list) for v in value.values()):
            raise ObjectError(f"Attribute '{name}': add and remove take arrays")
        items = list(current) if isinstance(current, list) else []
        items += [v for v in value.get("add", []) if v not in items]
        return [v for v in items if v not in value.get("remove", [])]
    raise ObjectError(
        f"Attribute '{name}' has an object value; nested custom attributes are not enabled"
    )


def _ready(store: WorldStore) -> None:
    with store.writing() as cur:
        cur.execute(_DDL)


def _profiles(cur: Any, external_ids: list[str]) -> dict[str, dict[str, Any]]:
    result = cur.execute(
        "select external_id, attributes, created_at from destinations.braze_users "
        "where external_id in (select unnest($ids::varchar[]))",
        {"ids": external_ids},
    )
    return {
        row[0]: {"attributes": json.loads(row[1]), "created_at": row[2]}
        for row in result.fetchall()
    }


def track(request: ApiRequest, store: WorldStore) -> ApiResponse:
    body = _body(request)
    arrays = {name: body.get(name) or [] for name in TRACK_ARRAYS}
    for name, items in arrays.items():
        if not isinstance(items, list):
            raise BrazeError(400, f"'{name}' must be an array")
        if len(items) > MAX_OBJECTS:
            raise BrazeError(
                400,
                f"Too many {name} objects in one request: {len(items)} (at most {MAX_OBJECTS})",
            )
    if not any(arrays.values()):
        raise BrazeError(400, "Request requires at least one of attributes, events or purchases")
    errors: list[dict[str, Any]] = []
    processed = dict.fromkeys(TRACK_ARRAYS, 0)
    for name in ("events", "purchases"):
        for index, item in enumerate(arrays[name]):
            try:
                missing = [k for k in _REQUIRED[name] if k not in _identified(item)]
                if missing:
                    raise ObjectError(f"Missing required field(s): {', '.join(missing)}")
            except ObjectError as exc:
                errors.append({"type": str(exc), "input_array": name, "index": index})
                continue
            processed[name] += 1
    now = store.clock()
    _ready(store)
    written: list[str] = []
    with store.writing() as cur:
        items = arrays["attributes"]
        ids = [i["external_id"] for i in items if isinstance(i, dict) and i.get("external_id")]
        profiles = _profiles(cur, [i for i in ids if isinstance(i, str)])
        for index, item in enumerate(items):
            try:
                external_id = _identified(item).get("external_id")
                profile = profiles.get(external_id) if external_id else None
                attributes = _applied(profile["attributes"] if profile else {}, item)
            except ObjectError as exc:
                errors.append({"type": str(exc), "input_array": "attributes", "index": index})
                continue
            processed["attributes"] += 1
            if not external_id or (profile is None and item.get("_update_existing_only")):
                continue
            created = profile["created_at"] if profile else now
            profiles[external_id] = {"attributes": attributes, "created_at": created}
            written.append(external_id)
        if written:
            rows = [
                {
                    "external_id": external_id,
                    "braze_id": braze_id(external_id),
                    "attributes": json.dumps(profiles[external_id]["attributes"], default=str),
                    "created_at": str(profiles[external_id]["created_at"]),
                    "updated_at": str(now),
                }
                for external_id in dict.fromkeys(written)
            ]
            cur.execute(
                """
                insert or replace into destinations.braze_users
                select r.external_id, r.braze_id, r.attributes::json, r.created_at::timestamp,
                    r.updated_at::timestamp
                from (select unnest($rows) as r)
                """,
                {"rows": rows},
            )
    answer: dict[str, Any] = {"message": "success"}
    answer |= {f"{name}_processed": n for name, n in processed.items() if arrays[name]}
    if errors:  # in the order of the request's arrays, then of their objects
        answer["errors"] = sorted(errors, key=lambda e: TRACK_ARRAYS.index(e["input_array"]))
    return ApiResponse(status=201, body=answer, rows=len(written), written=tuple(written))


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def export_ids(request: ApiRequest, store: WorldStore) -> ApiResponse:
    body = _body(request)
    external_ids = body.get("external_ids") or []
    if not isinstance(external_ids, list) or not all(isinstance(i, str) for i in external_ids):
        raise BrazeError(400, "external_ids must be an array of strings")
    if len(external_ids) > MAX_EXPORT_IDS:
        raise BrazeError(400, f"At most {MAX_EXPORT_IDS} external_ids per request")
    wanted = body.get("fields_to_export")
    _ready(store)
    rows = store.query(
        "select * from destinations.braze_users "
        "where external_id in (select unnest($ids::varchar[])) order by external_id",
        {"ids": external_ids},
    )
    users = []
    for row in rows:
        attributes = json.loads(row["attributes"])
        user = {
            "external_id": row["external_id"],
            "braze_id": row["braze_id"],
            "created_at": _iso(row["created_at"]),
            **{k: v for k, v in attributes.items() if k in STANDARD_ATTRIBUTES},
            "custom_attributes": {
                k: v for k, v in attributes.items() if k not in STANDARD_ATTRIBUTES
            },
        }
        users.append({k: v for k, v in user.items() if wanted is None or k in wanted})
    found = {row["external_id"] for row in rows}
    answer = {
        "users": users,
        "invalid_user_ids": [i for i in external_ids if i not in found],
        "message": "success",
    }
    return ApiResponse(body=answer, rows=len(users))


# --- the API --------------------------------------------------------------------------------
def _braze(handler: Handler) -> Handler:
    return guarded(handler, BrazeError, lambda exc: API.error(exc.status, str(exc)))


class BrazeApi(FakeApi):
    name = "braze"
    rate_limit = RateLimit(requests=3000, per_seconds=3)

    def routes(self) -> list[Route]:
        return [
            Route("POST", "/users/track/?", _braze(track)),
            Route("POST", "/users/export/ids/?", _braze(export_ids)),
        ]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        """A REST API key, sent as ``Authorization: Bearer <key>``."""
        return bearer_token(request) == credential

    def error(self, status: int, message: str) -> ApiResponse:
        if status == 401:
            message = "Invalid API key"
        return ApiResponse(status=status, body={"message": message})


API = BrazeApi()
