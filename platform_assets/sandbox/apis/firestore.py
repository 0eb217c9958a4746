"""A fake of the Cloud Firestore REST API (v1) over ``src_firestore``.

Endpoints (below ``/firestore``), as the real ones:

- ``GET /v1/projects/{project}/databases/(default)/documents/{collection path}?pageSize&pageToken``
  lists a collection (``users``, ``spaces``, ``spaces/{id}/members``) in document-name order:
  ``{"documents": [{"name", "fields", "createTime", "updateTime"}], "nextPageToken"}``.
- ``POST /v1/projects/{project}/databases/(default)/documents:runQuery`` runs a structured query
  over one collection (``allDescendants`` for the ``members`` collection group): a fieldFilter
  (``<``, ``<=``, ``==``, ``>=``, ``>``), ascending ``orderBy`` (``__name__`` included),
  ``startAt`` cursors and ``limit``; the answer is a JSON array of ``{"document", "readTime"}``
  (just ``[{"readTime"}]`` when nothing matches).

Field values are Firestore's typed values (``stringValue``, ``integerValue`` as a string,
``timestampValue``, ``arrayValue``...); timestamps are RFC 3339 in UTC with 0, 3 or 6 fractional
digits, trailing zeros trimmed, as Google's JSON writes them. A document is its latest version at
the world clock; a document id is unique only under its parent (members are keyed by user id
within their space), so documents are told apart by their path.
Auth is an OAuth bearer token; errors use Google's ``{"error": {"code", "message", "status"}}``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from platform_assets.sandbox.fakeapi import (
    ApiRequest,
    ApiResponse,
    FakeApi,
    RateLimit,
    Route,
    bearer_token,
    google_error,
)
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.firestore import PROJECT, SCHEMA

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
DOCUMENTS = r"/v1/projects/(?P<project>[^/]+)/databases/\(default\)/documents"
OPERATORS = {
    "LESS_THAN": "<",
    "LESS_THAN_OR_EQUAL": "<=",
    "EQUAL": "=",
    "GREATER_THAN_OR_EQUAL": ">=",
    "GREATER_THAN": ">",
}


@dataclass(frozen=True)
class Collection:
    """One collection: its table, its document fields and its documents' path below the root."""

    table: str
    fields: tuple[str, ...]
    path_sql: str  # SQL expression of the document's path (relative to .../documents)


COLLECTIONS: dict[str, Collection] = {
    "users": Collection(
        "users",
        (
            "user_id",
            "email",
            "first_name",
            "last_name",
            "country",
            "signed_up_at",
            "space_ids",
            "updated_at",
        ),
        "'users/' || doc_id",
    ),
    "spaces": Collection(
        "spaces",
        ("name", "owner_id", "plan", "member_count", "created_at", "updated_at"),
        "'spaces/' || doc_id",
    ),
    "members": Collection(
        "members",
        ("space_id", "user_id", "role", "joined_at", "updated_at"),
        "'spaces/' || space_id || '/members/' || doc_id",
    ),
}


def timestamp(value: datetime) -> str:
    """``2026-01-10T09:05:00Z``, ``…:00.500Z``, ``…:00.000250Z``: the fewest of 0, 3 or 6
    fractional digits that keep the value."""
    fraction = f"{value.microsecond:06d}"
    if fraction == "000000":
        fraction = ""
    elif fraction.endswith("000"):
        fraction = f".{fraction[:3]}"
    else:
        fraction = f".{fraction}"
    return f"{value:%Y-%m-%dT%H:%M:%S}{fraction}Z"


def encode_value(value: Any) -> dict[str, Any]:
    """A Python value as a Firestore typed value."""
    if value is None:
        return {"nullValue": None}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"integerValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, datetime):
        return {"timestampValue": timestamp(value)}
    if isinstance(value, list):
        return {"arrayValue": {"values": [encode_value(item) for item in value]}}
    return {"stringValue": str(value)}


def decode_value(value: dict[str, Any]) -> Any:
    """A Firestore typed value (as a query sends it) as a Python value for a SQL parameter."""
    (kind, raw), *_ = value.items()
    if kind == "timestampValue":
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return parsed.astimezone(UTC).replace(tzinfo=None)
    if kind == "integerValue":
        return int(raw)
    if kind == "referenceValue":  # a document name → its path below .../documents
        return raw.split("/documents/", 1)[1]
    return raw


def document_json(root: str, collection: Collection, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"{root}/{row['_path']}",
        "fields": {field: encode_value(row[field]) for field in collection.fields},
        "createTime": timestamp(row["create_time"]),
        "updateTime": timestamp(row["_valid_from"]),
    }


def current_documents_sql(collection: Collection) -> str:
    """Every document's latest version at the clock (parameter 1), with its ``_path``."""
    return f"""
        select *, {collection.path_sql} as _path
        from {SCHEMA}.{collection.table}
        where _valid_from <= ?
        qualify row_number() over (partition by {collection.path_sql} order by _valid_from desc) = 1
    """


class QueryError(ValueError):
    """A structured query the API rejects (400 INVALID_ARGUMENT)."""


def column(collection: Collection, field_path: str) -> str:
    if field_path == "__name__":
        return "_path"
    if field_path not in collection.fields:
        raise QueryError(f"unknown field {field_path!r} in collection {collection.table!r}")
    return field_path


def compile_query(query: dict[str, Any]) -> tuple[Collection, str, list[Any], int | None]:
    """A structuredQuery → (collection, SQL conditions and order over its current documents,
    parameters, limit)."""
    sources = query.get("from") or []
    if len(sources) != 1:
        raise QueryError("structuredQuery.from must name exactly one collection")
    collection_id = sources[0].get("collectionId")
    if collection_id == "members" and not sources[0].get("allDescendants"):
        raise QueryError("members is a subcollection: query it with allDescendants")
    if collection_id not in COLLECTIONS:
        raise QueryError(f"unknown collection {collection_id!r}")
    collection = COLLECTIONS[collection_id]
    conditions, params = ["true"], []
    field_filter = (query.get("where") or {}).get("fieldFilter")
    if field_filter:
        op = OPERATORS.get(field_filter.get("op", ""))
        if op is None:
            raise QueryError(f"unsupported operator {field_filter.get('op')!r}")
        conditions.append(f"{column(collection, field_filter['field']['fieldPath'])} {op} ?")
        params.append(decode_value(field_filter["value"]))
    order = [column(collection, item["field"]["fieldPath"]) for item in query.get("orderBy") or []]
    if any(item.get("direction", "ASCENDING") != "ASCENDING" for item in query.get("orderBy", [])):
        raise QueryError("the sandbox supports ascending orderBy only")
    if "_path" not in order:
        order.append("_path")
    start_at = query.get("startAt")
    if start_at:
        values = [decode_value(value) for value in start_at.get("values", [])]
        keys = order[: len(values)]
        op = ">=" if start_at.get("before") else ">"
        conditions.append(f"({', '.join(keys)}) {op} ({', '.join('?' for _ in keys)})")
        params.extend(values)
    sql = f"where {' and '.join(conditions)} order by {', '.join(order)}"
    limit = query.get("limit")
    return collection, sql, params, None if limit is None else int(limit)


class FirestoreApi(FakeApi):
    name = "firestore"
    # Firestore's documented soft limit on operations per second per database.
    rate_limit = RateLimit(requests=10_000, per_seconds=1.0)

    def routes(self) -> list[Route]:
        return [
            Route("POST", rf"{DOCUMENTS}:runQuery", self.run_query),
            Route("GET", rf"{DOCUMENTS}/(?P<collection_path>.+)", self.list_documents),
        ]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        return bearer_token(request) == credential

    def error(self, status: int, message: str) -> ApiResponse:
        return google_error(status, message)

    def _root(self, request: ApiRequest) -> str | None:
        project = request.path_params["project"]
        return f"projects/{project}/databases/(default)/documents" if project == PROJECT else None

    def list_documents(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        root = self._root(request)
        if root is None:
            return self.error(404, f"Project {request.path_params['project']!r} not found")
        segments = request.path_params["collection_path"].split("/")
        if len(segments) == 1 and segments[0] in ("users", "spaces"):
            collection, parent = COLLECTIONS[segments[0]], None
        elif len(segments) == 3 and segments[0] == "spaces" and segments[2] == "members":
            collection, parent = COLLECTIONS["members"], segments[1]
        else:
            return self.error(404, f"no collection at {'/'.join(segments)!r}")
        try:
            size = min(int(request.arg("pageSize") or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
            token = request.arg("pageToken")
            after = base64.urlsafe_b64decode(token).decode() if token else ""
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return self.error(400, "pageSize and pageToken must be valid")
        condition, params = "_path > ?", [store.clock(), after]
        if parent is not None:
            condition, params = f"{condition} and space_id = ?", [*params, parent]
        rows = store.query(
            f"select * from ({current_documents_sql(collection)}) where {condition} "
            "order by _path limit ?",
            [*params, size + 1],
        )
        page = rows[:size]
        body: dict[str, Any] = {"documents": [document_json(root, collection, r) for r in page]}
        if len(rows) > size:
            body["nextPageToken"] = base64.urlsafe_b64encode(page[-1]["_path"].encode()).decode()
        return ApiResponse(body=body if page else {}, rows=len(page))

    def run_query(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        root = self._root(request)
        if root is None:
            return self.error(404, f"Project {request.path_params['project']!r} not found")
        try:
            body = request.json() or {}
            collection, where_order, params, limit = compile_query(body["structuredQuery"])
        except (QueryError, KeyError, TypeError, ValueError) as exc:
            return self.error(400, f"invalid structuredQuery: {exc}")
        clock = store.clock()
        sql = f"select * from ({current_documents_sql(collection)}) {where_order}"
        if limit is not None:
            sql += f" limit {limit}"
        rows = store.query(sql, [clock, *params])
        read_time = timestamp(clock)
        results = [
            {"document": document_json(root, collection, row), "readTime": read_time}
            for row in rows
        ]
        return ApiResponse(body=results or [{"readTime": read_time}], rows=len(results))


API = FirestoreApi()
