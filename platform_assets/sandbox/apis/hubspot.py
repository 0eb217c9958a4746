"""A fake HubSpot API serving ``src_hubspot`` as of the world clock, in HubSpot's own shapes.

Endpoints (private-app Bearer token; 100 requests per 10 s, then 429 + Retry-After):

- CRM v3 objects (contacts, companies, deals): ``GET /crm/v3/objects/{type}`` (``limit`` ≤ 100,
  ``after``, ``properties``, ``associations``, ``archived``), ``POST .../{type}/search``
  (``filterGroups``, ``sorts``, ``properties``, ``limit`` ≤ 200, ``after``; at most 10,000 results
  per query, as HubSpot caps it) and ``POST .../{type}/batch/read`` (≤ 100 ids,
  ``propertiesWithHistory``). The list endpoint cannot filter by modification time: incremental
  readers use search on ``lastmodifieddate`` (contacts) / ``hs_lastmodifieddate``.
- ``POST /crm/v4/associations/{from}/{to}/batch/read``, ``GET /crm/v3/pipelines/deals``,
  ``GET /crm/v3/owners`` (``limit`` ≤ 500, ``after``).
- Legacy engagements: ``GET /engagements/v1/engagements/paged`` (``limit`` ≤ 250, ``offset``) and
  ``.../recent/modified`` (``since`` epoch ms, ``count`` ≤ 100, ``offset``; 10,000 at most).
- ``GET /marketing/v3/emails`` (``updatedAfter``, ``limit``, ``after``, ``includeStats``) and the
  legacy ``GET /email/public/v1/events`` (``startTimestamp``/``endTimestamp`` epoch ms, inclusive,
  ``limit`` ≤ 1000, ``offset``, ``hasMore``).
- Writes (reverse ETL, in ``hubspot_writes``): ``POST /crm/v3/objects/contacts/batch/upsert``,
  ``.../batch/update``, ``.../batch/archive`` and ``GET /crm/v3/properties/contacts``. What they
  store is merged into every contact read (:func:`contacts_sql`), so a written value comes back.

Property values are strings as HubSpot sends them; datetimes are ISO-8601 with milliseconds and
``Z``. Errors are HubSpot's ``{"status": "error", "message", "correlationId", "category"}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
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
from platform_assets.sandbox.world.sources.hubspot import PORTAL_ID, SCHEMA

SEARCH_RESULT_CAP = 10_000
EMAIL_APP_ID, EMAIL_APP_NAME = 113, "Batch"

_CATEGORIES = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    404: "OBJECT_NOT_FOUND",
    405: "VALIDATION_ERROR",
    429: "RATE_LIMITS",
}


class BadRequest(Exception):
    """A request HubSpot would refuse with 400 VALIDATION_ERROR."""


@dataclass(frozen=True)
class ObjectType:
    """One CRM object type: its table, default properties and which ones are datetimes/numbers."""

    table: str
    modified: str
    defaults: tuple[str, ...]
    properties: tuple[str, ...]
    datetimes: frozenset[str]
    numbers: frozenset[str] = frozenset()


# When the contact entered each lifecycle stage (HubSpot's calculated properties; null until then).
LIFECYCLE_STAGE_DATES = tuple(
    f"hs_lifecyclestage_{stage}_date"
    for stage in ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
)


@dataclass(frozen=True)
class ContactProperty:
    """A contact property the sandbox portal defines (``GET /crm/v3/properties/contacts``).

    HubSpot refuses a write to a property that does not exist or is read-only, and a value of the
    wrong type; ``type`` is HubSpot's (string, number, bool, datetime, enumeration), ``sql`` the
    type it is served from, ``world`` whether the world has a column for it (the custom
    properties reverse ETL writes exist only once written), ``options`` an enumeration's values.
    """

    name: str
    label: str
    type: str
    sql: str = "varchar"
    writable: bool = True
    world: bool = True
    group: str = "contactinformation"
    options: tuple[str, ...] = ()


LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
_CUSTOM: dict[str, Any] = {"world": False, "group": "roundtrip"}
CONTACT_PROPERTIES: tuple[ContactProperty, ...] = (
    ContactProperty("email", "Email", "string"),
    ContactProperty("firstname", "First Name", "string"),
    ContactProperty("lastname", "Last Name", "string"),
    ContactProperty("jobtitle", "Job Title", "string"),
    ContactProperty("company", "Company Name", "string"),
    ContactProperty("associatedcompanyid", "Primary Associated Company ID", "number", "bigint"),
    ContactProperty("lifecyclestage", "Lifecycle Stage", "enumeration", options=LIFECYCLE_STAGES),
    ContactProperty("hubspot_owner_id", "Contact owner", "number", "bigint"),
    ContactProperty("hs_merged_object_ids", "Merged Contact IDs", "string", writable=False),
    ContactProperty("hs_calculated_merged_vids", "Merged vids", "string", writable=False),
    *(
        ContactProperty(name, name, "datetime", "timestamp", writable=False)
        for name in LIFECYCLE_STAGE_DATES
    ),
    ContactProperty("createdate", "Create Date", "datetime", "timestamp", writable=False),
    ContactProperty("lastmodifieddate", "Last Modified Date", "datetime", "timestamp", False),
    # Standard properties the world leaves empty, and the portal's custom ones: what the sync
    # models write back (they exist in the portal before anything is written, as HubSpot needs).
    ContactProperty("industry", "Industry", "string", world=False),
    ContactProperty("hs_google_click_id", "Google ad click id", "string", world=False),
    ContactProperty("roundtrip_lead_score", "Lead score", "number", "double", **_CUSTOM),
    ContactProperty("roundtrip_lead_decile", "Lead score decile", "number", "double", **_CUSTOM),
    ContactProperty("roundtrip_is_mql", "Is MQL", "bool", "boolean", **_CUSTOM),
    ContactProperty("roundtrip_lifetime_value", "Lifetime value", "number", "double", **_CUSTOM),
)
"""Every contact property but ``hs_object_id`` (the id itself, read-only)."""

OBJECT_TYPES: dict[str, ObjectType] = {
    "contacts": ObjectType(
        table="contacts",
        modified="lastmodifieddate",
        defaults=("createdate", "email", "firstname", "lastmodifieddate", "lastname"),
        properties=tuple(p.name for p in CONTACT_PROPERTIES),
        datetimes=frozenset(p.name for p in CONTACT_PROPERTIES if p.type == "datetime"),
        numbers=frozenset(p.name for p in CONTACT_PROPERTIES if p.type == "number"),
    ),
    "companies": ObjectType(
        table="companies",
        modified="hs_lastmodifieddate",
        defaults=("createdate", "domain", "hs_lastmodifieddate", "name"),
        properties=(
            "name",
            "domain",
            "industry",
            "numberofemployees",
            "country",
            "lifecyclestage",
            "createdate",
            "hs_lastmodifieddate",
        ),
        datetimes=frozenset({"createdate", "hs_lastmodifieddate"}),
        numbers=frozenset({"numberofemployees"}),
    ),
    "deals": ObjectType(
        table="deals",
        modified="hs_lastmodifieddate",
        defaults=(
            "amount",
            "closedate",
            "createdate",
            "dealname",
            "dealstage",
            "hs_lastmodifieddate",
            "pipeline",
        ),
        properties=(
            "dealname",
            "amount",
            "dealstage",
            "pipeline",
            "dealtype",
            "closedate",
            "hubspot_owner_id",
            "createdate",
            "hs_lastmodifieddate",
        ),
        datetimes=frozenset({"createdate", "closedate", "hs_lastmodifieddate"}),
        numbers=frozenset({"amount", "hubspot_owner_id"}),
    ),
}
_TYPE_PATTERN = "(?P<object_type>" + "|".join(OBJECT_TYPES) + ")"
_OPERATORS = {"EQ": "=", "NEQ": "<>", "LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}


# --- values as HubSpot writes them ------------------------------------------------------------
def iso(value: datetime | None) -> str | None:
    """A naive-UTC datetime as HubSpot's ISO-8601 text: ``2026-01-08T10:00:00.000Z``."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def epoch_ms(value: datetime | None) -> int | None:
    if value is None:
        return None
    return int(value.replace(tzinfo=UTC).timestamp() * 1000)


def parse_time(text: str) -> datetime:
    """Epoch milliseconds or ISO-8601 (what HubSpot accepts in filters) → naive UTC."""
    text = str(text).strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC).replace(tzinfo=None)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{text!r} is not a timestamp (epoch ms or ISO-8601)") from None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _property_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _int_arg(request: ApiRequest, name: str, default: int, maximum: int) -> int:
    raw = request.arg(name)
    try:
        value = default if raw in (None, "") else int(raw)
    except ValueError:
        raise BadRequest(f"{name}={raw!r} is not an integer") from None
    if not 0 < value <= maximum:
        raise BadRequest(f"{name} must be between 1 and {maximum}, got {value}")
    return value


def _body_int(body: dict[str, Any], name: str, default: int, maximum: int) -> int:
    """An integer field of a JSON body, ``1..maximum`` (HubSpot accepts ``"200"`` as well)."""
    raw = body.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"{name}={raw!r} is not an integer") from None
    if not 0 < value <= maximum:
        raise BadRequest(f"{name} must be between 1 and {maximum}, got {value}")
    return value


def json_body(request: ApiRequest) -> dict[str, Any]:
    """The request's JSON object; anything else is HubSpot's 400, never a server error."""
    try:
        body = request.json()
    except ValueError as exc:
        raise BadRequest(f"Invalid input JSON: {exc}") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest(f"Invalid input JSON: expected an object, got {type(body).__name__}")
    return body


def input_ids(body: dict[str, Any], maximum: int) -> list[int]:
    """The object ids of a batch request's ``inputs`` (``[{"id": "123"}, ...]``)."""
    inputs = body.get("inputs") or []
    if not isinstance(inputs, list) or not 0 < len(inputs) <= maximum:
        size = len(inputs) if isinstance(inputs, list) else type(inputs).__name__
        raise BadRequest(f"inputs must hold 1 to {maximum} ids, got {size}")
    ids = []
    for n, item in enumerate(inputs):
        raw = item.get("id") if isinstance(item, dict) else None
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise BadRequest(f"inputs[{n}].id must be an object id, got {raw!r}") from None
    return ids


def _optional_id(request: ApiRequest, name: str) -> int | None:
    raw = request.arg(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"{name}={raw!r} is not an id") from None


def _objects(value: Any, name: str) -> list[dict[str, Any]]:
    """A JSON list of objects (``filterGroups``, ``filters``); absent means empty."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BadRequest(f"{name} must be a list of objects, got {value!r}")
    return value


def _offset(raw: Any, name: str = "after") -> int:
    try:
        value = int(raw or 0)
    except (TypeError, ValueError):
        raise BadRequest(f"{name}={raw!r} is not a valid paging cursor") from None
    if value < 0:
        raise BadRequest(f"{name} must not be negative")
    return value


def visible(table: str, where: str = "true") -> str:
    """Rows of ``table`` as of the clock (param ``$clock``): latest version per id."""
    return f"""
        select * from {SCHEMA}.{table}
        where created_at <= $clock and _valid_from <= $clock
        qualify row_number() over (partition by id order by _valid_from desc) = 1
            and ({where})
    """


# --- what reverse ETL wrote, merged over the world ------------------------------------------
WRITTEN_CONTACTS = "destinations.hubspot_contacts"
"""One row per contact a write touched: the properties written (JSON text, ``""`` = cleared),
when it was last written and archived, and whether a write created it (not in the world)."""
_NO_WRITES = """
    select null::bigint as id, null::boolean as created, null::json as properties,
        null::timestamp as created_at, null::timestamp as updated_at,
        null::timestamp as archived_at
    where false
"""


def written_contacts(store: WorldStore, where: str = "true") -> str:
    """The written-contacts relation: the table once a write created it, else an empty one."""
    if not store.writable:
        return _NO_WRITES
    found = store.query(
        "select 1 from duckdb_tables() "
        "where database_name = 'destinations' and table_name = 'hubspot_contacts'"
    )
    return f"select * from {WRITTEN_CONTACTS} where {where}" if found else _NO_WRITES


def _contact_column(prop: ContactProperty) -> str:
    """A property's current value: the last written one (``""`` clears it), else the world's."""
    written = f"try_cast(nullif(d.properties->>'{prop.name}', '') as {prop.sql})"
    if not prop.world:
        return written
    if not prop.writable:
        return f"w.{prop.name}"
    return f"case when d.properties->>'{prop.name}' is null then w.{prop.name} else {written} end"


def contacts_sql(store: WorldStore, only_ids: bool = False) -> str:
    """Contacts as of the clock (param ``$clock``) with what reverse ETL wrote merged over them,
    in the world table's shape (plus the written-only properties): a write moves
    ``lastmodifieddate``, so incremental readers see the contact again; contacts a write created
    appear; an archive hides the contact from lists and search as HubSpot's does.

    ``only_ids`` keeps the contacts whose id is in the list parameter ``$ids`` on both sides
    before they are merged (a batch write's few contacts, not the whole portal)."""
    ids = "id in (select unnest($ids))" if only_ids else "true"
    modified = "greatest(w.lastmodifieddate, d.updated_at)"
    columns = [
        f"{_contact_column(p)} as {p.name}"
        for p in CONTACT_PROPERTIES
        if p.name not in ("createdate", "lastmodifieddate")
    ]
    return f"""
        with world as ({visible("contacts", ids)}),
        written as ({written_contacts(store, ids)})
        select
            coalesce(w.id, d.id) as id,
            coalesce(w.created_at, d.created_at) as created_at,
            {modified} as _valid_from,
            coalesce(w.archived, false) or d.archived_at is not null as archived,
            {", ".join(columns)},
            coalesce(w.created_at, d.created_at) as createdate,
            {modified} as lastmodifieddate,
        from world as w
        full join written as d on d.id = w.id
        where w.id is not null or d.created
    """


def _current(store: WorldStore, kind: ObjectType, where: str = "true") -> str:
    """Objects of ``kind`` as of the clock (param ``$clock``) that match ``where``: the world's
    latest versions, for contacts with the written state merged over them."""
    if kind.table == "contacts":
        return f"select * from ({contacts_sql(store)}) where {where}"
    return visible(kind.table, where)


# --- CRM objects ----------------------------------------------------------------------------
def crm_object(kind: ObjectType, row: dict[str, Any], properties: Iterable[str]) -> dict:
    props = {name: _property_text(row.get(name)) for name in properties if name in row}
    props["hs_object_id"] = str(row["id"])
    body: dict[str, Any] = {
        "id": str(row["id"]),
        "properties": props,
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["_valid_from"]),
        "archived": bool(row["archived"]),
    }
    if row["archived"]:
        body["archivedAt"] = iso(row["_valid_from"])
    return body


def _names(values: Iterable[str]) -> tuple[str, ...]:
    """Names from repeated and/or comma-separated parameters (``properties=a,b&properties=c``)."""
    return tuple(n.strip() for value in values for n in str(value).split(",") if n.strip())


def _requested(kind: ObjectType, names: Iterable[str]) -> tuple[str, ...]:
    return _names(names) or kind.defaults


def _associations(
    store: WorldStore, from_type: str, to_type: str, ids: list[int], clock: datetime
) -> dict[int, list[dict[str, Any]]]:
    """``from id → [{toObjectId, associationTypes}]`` for associations visible at the clock."""
    if not ids:
        return {}
    rows = store.query(
        f"""
        select from_id, to_id, list({{'typeId': type_id, 'label': label}} order by type_id) as t
        from {SCHEMA}.associations
        where from_type = $from_type and to_type = $to_type and created_at <= $clock
            and from_id in (select unnest($ids))
        group by all order by from_id, to_id
        """,
        {"from_type": from_type, "to_type": to_type, "clock": clock, "ids": ids},
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        types = [
            {"category": "HUBSPOT_DEFINED", "typeId": t["typeId"], "label": t["label"]}
            for t in row["t"]
        ]
        found.setdefault(row["from_id"], []).append(
            {"toObjectId": row["to_id"], "associationTypes": types}
        )
    return found


def list_objects(request: ApiRequest, store: WorldStore) -> ApiResponse:
    """Objects by id; ``after`` is the last id served (as HubSpot's cursor is id-based), so an
    object archived or created between two pages shifts nothing."""
    object_type = request.path_params["object_type"]
    kind = OBJECT_TYPES[object_type]
    limit = _int_arg(request, "limit", 10, 100)
    after = _offset(request.arg("after"))
    archived = (request.arg("archived") or "false").lower() == "true"
    clock = store.clock()
    rows = store.query(
        _current(store, kind, "archived = $archived and id > $after") + " order by id limit $limit",
        {"clock": clock, "archived": archived, "limit": limit + 1, "after": after},
    )
    page, more = rows[:limit], len(rows) > limit
    properties = _requested(kind, request.args("properties"))
    results = [crm_object(kind, row, properties) for row in page]
    for to_type in _names(request.args("associations")):
        linked = _associations(store, object_type, to_type, [r["id"] for r in page], clock)
        label = f"{object_type[:-1]}_to_{to_type[:-1]}"
        for result, row in zip(results, page, strict=True):
            if row["id"] in linked:
                links = [{"id": str(a["toObjectId"]), "type": label} for a in linked[row["id"]]]
                result.setdefault("associations", {})[to_type] = {"results": links}
    body: dict[str, Any] = {"results": results}
    if more:
        body["paging"] = {"next": {"after": str(page[-1]["id"])}}
    return ApiResponse(body=body, rows=len(results))


def _filter_sql(kind: ObjectType, group: Any, params: dict[str, Any], group_no: int) -> str:
    clauses = []
    for n, flt in enumerate(_objects(group, "filters")):
        name = flt.get("propertyName")
        operator = str(flt.get("operator", "EQ")).upper()
        column = "id" if name == "hs_object_id" else name
        if column != "id" and column not in kind.properties:
            raise BadRequest(f"There was a problem with the request: unknown property {name!r}")
        key = f"v{group_no}_{n}"

        def typed(value: Any, column: str = column, name: str = name) -> Any:
            if column in kind.datetimes:
                return parse_time(value)
            if column == "id" or column in kind.numbers:
                try:
                    return float(value)
                except (TypeError, ValueError):
                    raise BadRequest(f"{value!r} is not a number for {name}") from None
            return str(value)

        if operator in _OPERATORS:
            params[key] = typed(flt.get("value"))
            clauses.append(f'"{column}" {_OPERATORS[operator]} ${key}')
        elif operator == "BETWEEN":
            params[key], params[key + "h"] = typed(flt.get("value")), typed(flt.get("highValue"))
            clauses.append(f'"{column}" between ${key} and ${key}h')
        elif operator in ("IN", "NOT_IN"):
            values = flt.get("values") or []
            if not isinstance(values, list):
                raise BadRequest(f"{operator} needs a list of values for {name}, got {values!r}")
            params[key] = [typed(v) for v in values]
            negate = "not " if operator == "NOT_IN" else ""
            clauses.append(f'{negate}list_contains(${key}, "{column}")')
        elif operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
            negate = "not " if operator == "HAS_PROPERTY" else ""
            clauses.append(f'"{column}" is {negate}null')
        else:
            raise BadRequest(f"unsupported filter operator {operator!r}")
    return " and ".join(clauses) or "true"


def _sort_sql(kind: ObjectType, sorts: Any) -> str:
    if not isinstance(sorts, list):
        raise BadRequest(f"sorts must be a list, got {sorts!r}")
    if len(sorts) > 1:
        raise BadRequest("only one sort is allowed")
    order = []
    for sort in sorts:
        if isinstance(sort, str):
            name, direction = sort.lstrip("-"), "DESC" if sort.startswith("-") else "ASC"
        elif isinstance(sort, dict):
            name, direction = sort.get("propertyName"), str(sort.get("direction", "ASCENDING"))
            direction = "DESC" if direction.upper().startswith("DESC") else "ASC"
        else:
            raise BadRequest(f"a sort is a property name or an object, got {sort!r}")
        column = "id" if name == "hs_object_id" else name
        if column != "id" and column not in kind.properties:
            raise BadRequest(f"cannot sort by unknown property {name!r}")
        order.append(f'"{column}" {direction}')
    return ", ".join([*order, "id"])


def search_objects(request: ApiRequest, store: WorldStore) -> ApiResponse:
    kind = OBJECT_TYPES[request.path_params["object_type"]]
    body = json_body(request)
    limit = _body_int(body, "limit", 10, 200)
    after = _offset(body.get("after"))
    if after + limit > SEARCH_RESULT_CAP:
        raise BadRequest(
            f"Cannot page beyond {SEARCH_RESULT_CAP} results: after={after}, limit={limit}; "
            "narrow the query (e.g. a later modified-date filter) instead"
        )
    groups = _objects(body.get("filterGroups"), "filterGroups")
    if len(groups) > 5 or sum(len(_objects(g.get("filters"), "filters")) for g in groups) > 18:
        raise BadRequest("at most 5 filterGroups and 18 filters in all")
    params: dict[str, Any] = {"clock": store.clock()}
    where = " or ".join(
        f"({_filter_sql(kind, g.get('filters'), params, i)})" for i, g in enumerate(groups)
    )
    matching = _current(store, kind, f"not archived and ({where or 'true'})")
    total = store.query(f"select count(*) as n from ({matching})", params)[0]["n"]
    rows = store.query(
        f"{matching} order by {_sort_sql(kind, body.get('sorts') or [])} "
        "limit $limit offset $after",
        {**params, "limit": limit, "after": after},
    )
    properties = _requested(kind, body.get("properties") or [])
    result: dict[str, Any] = {
        "total": total,
        "results": [crm_object(kind, row, properties) for row in rows],
    }
    if after + len(rows) < total:
        result["paging"] = {"next": {"after": str(after + len(rows))}}
    return ApiResponse(body=result, rows=len(rows))


def _history(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """A property's value changes, newest first, as ``propertiesWithHistory`` lists them."""
    changes, previous = [], object()
    for row in rows:  # oldest first
        value = _property_text(row.get(name))
        if value != previous:
            changes.append(
                {
                    "value": value,
                    "timestamp": iso(row["_valid_from"]),
                    "sourceType": "CRM_UI",
                    "sourceId": f"userId:{row.get('hubspot_owner_id') or ''}",
                }
            )
            previous = value
    return changes[::-1]


def batch_read(request: ApiRequest, store: WorldStore) -> ApiResponse:
    """Objects by id in their current state; ``propertiesWithHistory`` from the world's versions
    (a written value has no history here)."""
    kind = OBJECT_TYPES[request.path_params["object_type"]]
    body = json_body(request)
    ids = input_ids(body, 100)
    params = {"clock": store.clock(), "ids": ids}
    current = store.query(
        _current(store, kind, "id in (select unnest($ids))") + " order by id", params
    )
    versions = store.query(
        f"""
        select * from {SCHEMA}.{kind.table}
        where created_at <= $clock and _valid_from <= $clock and id in (select unnest($ids))
        order by id, _valid_from
        """,
        params,
    )
    by_id: dict[int, list[dict[str, Any]]] = {}
    for row in versions:
        by_id.setdefault(row["id"], []).append(row)
    properties = _requested(kind, body.get("properties") or [])
    history = [p for p in body.get("propertiesWithHistory") or [] if p in kind.properties]
    results = []
    for row in current:
        result = crm_object(kind, row, properties)
        if history:
            rows = by_id.get(row["id"], [])
            result["propertiesWithHistory"] = {name: _history(rows, name) for name in history}
        results.append(result)
    found = {row["id"] for row in current}
    return _batch_response(results, [str(i) for i in ids if i not in found], len(results))


def _batch_response(results: list[dict], missing: list[str], rows: int) -> ApiResponse:
    now = iso(datetime.now(UTC).replace(tzinfo=None))
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": now,
        "completedAt": now,
    }
    if not missing:
        return ApiResponse(body=body, rows=rows)
    body["numErrors"] = 1
    body["errors"] = [
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": "Could not get some records",
            "context": {"ids": missing},
        }
    ]
    return ApiResponse(status=207, body=body, rows=rows)


def association_batch_read(request: ApiRequest, store: WorldStore) -> ApiResponse:
    from_type, to_type = request.path_params["from_type"], request.path_params["to_type"]
    ids = input_ids(json_body(request), 1000)
    linked = _associations(store, from_type, to_type, ids, store.clock())
    results = [{"from": {"id": str(i)}, "to": linked[i]} for i in sorted(linked)]
    missing = [str(i) for i in ids if i not in linked]
    return _batch_response(results, missing, sum(len(r["to"]) for r in results))


# --- pipelines, owners ----------------------------------------------------------------------
def deal_pipelines(request: ApiRequest, store: WorldStore) -> ApiResponse:
    stages = store.query(
        f"select * from {SCHEMA}.pipeline_stages where created_at <= $clock order by display_order",
        {"clock": store.clock()},
    )
    pipelines: dict[str, dict[str, Any]] = {}
    for stage in stages:
        pipeline = pipelines.setdefault(
            stage["pipeline_id"],
            {
                "id": stage["pipeline_id"],
                "label": stage["pipeline_label"],
                "displayOrder": 0,
                "createdAt": iso(stage["created_at"]),
                "updatedAt": iso(stage["_valid_from"]),
                "archived": False,
                "stages": [],
            },
        )
        pipeline["stages"].append(
            {
                "id": stage["stage_id"],
                "label": stage["label"],
                "displayOrder": stage["display_order"],
                "metadata": {
                    "isClosed": str(stage["is_closed"]).lower(),
                    "probability": str(stage["probability"]),
                },
                "createdAt": iso(stage["created_at"]),
                "updatedAt": iso(stage["_valid_from"]),
                "archived": False,
                "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
            }
        )
    return ApiResponse(body={"results": list(pipelines.values())}, rows=len(stages))


def owners(request: ApiRequest, store: WorldStore) -> ApiResponse:
    """Owners by id, ``after`` the last id served (like the CRM object lists)."""
    limit = _int_arg(request, "limit", 100, 500)
    after = _offset(request.arg("after"))
    email = request.arg("email")
    rows = store.query(
        visible("owners", "($email is null or email = $email) and id > $after")
        + " order by id limit $limit",
        {"clock": store.clock(), "email": email, "limit": limit + 1, "after": after},
    )
    results = [
        {
            "id": str(row["id"]),
            "email": row["email"],
            "type": "PERSON",
            "firstName": row["first_name"],
            "lastName": row["last_name"],
            "userId": row["user_id"],
            "userIdIncludingInactive": row["user_id"],
            "createdAt": iso(row["created_at"]),
            "updatedAt": iso(row["_valid_from"]),
            "archived": False,
            "teams": [],
        }
        for row in rows[:limit]
    ]
    body: dict[str, Any] = {"results": results}
    if len(rows) > limit:
        body["paging"] = {"next": {"after": str(rows[limit - 1]["id"])}}
    return ApiResponse(body=body, rows=len(results))


# --- engagements (legacy v1) ------------------------------------------------------------------
def _engagement(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "engagement": {
            "id": row["id"],
            "portalId": PORTAL_ID,
            "active": row["active"],
            "createdAt": epoch_ms(row["created_at"]),
            "lastUpdated": epoch_ms(row["_valid_from"]),
            "ownerId": row["owner_id"],
            "type": row["type"],
            "timestamp": epoch_ms(row["timestamp"]),
        },
        "associations": {
            "contactIds": [row["contact_id"]],
            "companyIds": [row["company_id"]] if row["company_id"] is not None else [],
            "dealIds": [row["deal_id"]] if row["deal_id"] is not None else [],
            "ownerIds": [],
            "workflowIds": [],
            "ticketIds": [],
        },
        "attachments": [],
        "metadata": {"status": "COMPLETED"} if row["type"] == "CALL" else {},
    }


def engagements_paged(request: ApiRequest, store: WorldStore) -> ApiResponse:
    limit = _int_arg(request, "limit", 100, 250)
    offset = _offset(request.arg("offset"), "offset")
    rows = store.query(
        visible("engagements", "id > $offset") + " order by id limit $limit",
        {"clock": store.clock(), "offset": offset, "limit": limit + 1},
    )
    page = rows[:limit]
    body = {
        "results": [_engagement(r) for r in page],
        "hasMore": len(rows) > limit,
        "offset": page[-1]["id"] if page else offset,
    }
    return ApiResponse(body=body, rows=len(page))


def engagements_recent(request: ApiRequest, store: WorldStore) -> ApiResponse:
    count = _int_arg(request, "count", 20, 100)
    offset = _offset(request.arg("offset"), "offset")
    since = parse_time(request.arg("since") or "0")
    matching = visible("engagements", "_valid_from >= $since")
    params = {"clock": store.clock(), "since": since}
    total = store.query(f"select count(*) as n from ({matching})", params)[0]["n"]
    count = max(0, min(count, SEARCH_RESULT_CAP - offset))
    rows = store.query(
        f"{matching} order by _valid_from, id limit $count offset $offset",
        {**params, "count": count, "offset": offset},
    )
    end = offset + len(rows)
    body = {
        "results": [_engagement(r) for r in rows],
        "hasMore": end < min(total, SEARCH_RESULT_CAP),
        "offset": end,
        "total": total,
    }
    return ApiResponse(body=body, rows=len(rows))


# --- marketing emails and email events -----------------------------------------------------
def marketing_emails(request: ApiRequest, store: WorldStore) -> ApiResponse:
    limit = _int_arg(request, "limit", 10, 300)
    after = _offset(request.arg("after"))
    updated_after = request.arg("updatedAfter")
    params: dict[str, Any] = {
        "clock": store.clock(),
        "since": parse_time(updated_after) if updated_after else None,
    }
    matching = visible("email_campaigns", "$since is null or _valid_from > $since")
    total = store.query(f"select count(*) as n from ({matching})", params)[0]["n"]
    rows = store.query(
        f"{matching} order by _valid_from, id limit $limit offset $after",
        {**params, "limit": limit, "after": after},
    )
    with_stats = (request.arg("includeStats") or "false").lower() == "true"
    results = []
    for row in rows:
        email: dict[str, Any] = {
            "id": str(row["content_id"]),
            "name": row["name"],
            "subject": row["subject"],
            "type": "BATCH_EMAIL",
            "subcategory": "batch",
            "state": "PUBLISHED",
            "isPublished": True,
            "publishDate": iso(row["created_at"]),
            "createdAt": iso(row["created_at"]),
            "updatedAt": iso(row["_valid_from"]),
            "primaryEmailCampaignId": str(row["id"]),
            "allEmailCampaignIds": [str(row["id"])],
        }
        if with_stats:
            email["stats"] = {"counters": {"sent": row["num_included"]}}
        results.append(email)
    body: dict[str, Any] = {"total": total, "results": results}
    if after + len(rows) < total:
        body["paging"] = {"next": {"after": str(after + len(rows))}}
    return ApiResponse(body=body, rows=len(rows))


def email_events(request: ApiRequest, store: WorldStore) -> ApiResponse:
    limit = _int_arg(request, "limit", 100, 1000)
    offset = _offset(request.arg("offset"), "offset")
    start, end = request.arg("startTimestamp"), request.arg("endTimestamp")
    params: dict[str, Any] = {
        "clock": store.clock(),
        "start": parse_time(start) if start else None,
        "end": parse_time(end) if end else None,
        "type": request.arg("eventType"),
        "campaign": _optional_id(request, "campaignId"),
        "limit": limit + 1,
        "offset": offset,
    }
    rows = store.query(
        f"""
        select * from {SCHEMA}.email_events
        where created_at <= $clock
            and ($start is null or created_at >= $start) and ($end is null or created_at <= $end)
            and ($type is null or type = $type)
            and ($campaign is null or email_campaign_id = $campaign)
        order by created_at, id limit $limit offset $offset
        """,
        params,
    )
    page = rows[:limit]
    events = []
    for row in page:
        event: dict[str, Any] = {
            "id": row["id"],
            "created": epoch_ms(row["created_at"]),
            "type": row["type"],
            "recipient": row["recipient"],
            "emailCampaignId": row["email_campaign_id"],
            "portalId": PORTAL_ID,
            "appId": EMAIL_APP_ID,
            "appName": EMAIL_APP_NAME,
        }
        if row["type"] != "SENT":
            event["sentBy"] = {"id": row["sent_by_id"], "created": epoch_ms(row["sent_by_created"])}
        if row["type"] in ("OPEN", "CLICK"):
            event["filteredEvent"] = False
        events.append(event)
    body = {"events": events, "hasMore": len(rows) > limit, "offset": str(offset + len(page))}
    return ApiResponse(body=body, rows=len(page))


# --- the API --------------------------------------------------------------------------------
def _validated(handler: Handler) -> Handler:
    """Turn a handler's BadRequest into HubSpot's 400 VALIDATION_ERROR."""
    return guarded(handler, BadRequest, lambda exc: API.error(400, str(exc)))


class HubSpotApi(FakeApi):
    name = "hubspot"
    rate_limit = RateLimit(requests=100, per_seconds=10)

    def routes(self) -> list[Route]:
        from platform_assets.sandbox.apis import hubspot_writes  # it builds on this module

        crm = "/crm/v3/objects/" + _TYPE_PATTERN
        contacts = "/crm/v3/objects/contacts/batch/"
        table = [
            ("POST", contacts + "upsert/?", hubspot_writes.batch_upsert),
            ("POST", contacts + "update/?", hubspot_writes.batch_update),
            ("POST", contacts + "archive/?", hubspot_writes.batch_archive),
            ("GET", "/crm/v3/properties/contacts/?", hubspot_writes.contact_properties),
            ("GET", crm + "/?", list_objects),
            ("POST", crm + "/search/?", search_objects),
            ("POST", crm + "/batch/read/?", batch_read),
            (
                "POST",
                "/crm/v4/associations/(?P<from_type>[a-z]+)/(?P<to_type>[a-z]+)/batch/read/?",
                association_batch_read,
            ),
            ("GET", "/crm/v3/pipelines/deals/?", deal_pipelines),
            ("GET", "/crm/v3/owners/?", owners),
            ("GET", "/engagements/v1/engagements/paged/?", engagements_paged),
            ("GET", "/engagements/v1/engagements/recent/modified/?", engagements_recent),
            ("GET", "/marketing/v3/emails/?", marketing_emails),
            ("GET", "/email/public/v1/events/?", email_events),
        ]
        return [Route(method, pattern, _validated(handler)) for method, pattern, handler in table]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        """A private app's access token, sent as ``Authorization: Bearer <token>``."""
        return bearer_token(request) == credential

    def error(self, status: int, message: str) -> ApiResponse:
        return ApiResponse(
            status=status,
            body={
                "status": "error",
                "message": message,
                "correlationId": str(uuid.uuid4()),
                "category": _CATEGORIES.get(status, "INTERNAL_ERROR"),
            },
        )


API = HubSpotApi()
