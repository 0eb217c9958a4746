"""Firestore → ``raw_firestore``: the product's ``users``, ``spaces`` and ``spaces_members``.

Lands each collection the way Fivetran's Firestore connector does: one row per document with
``_id`` (the document id), ``data`` (the document's fields as plain JSON) and ``updated_at``,
plus the sync bookkeeping. The ``members`` subcollection of every space is read as one
collection group and lands as ``spaces_members``.

Incremental: the app stamps ``updated_at`` on every write, so each run asks Firestore
(``documents:runQuery``) for documents with ``updated_at`` after the newest one already loaded,
ordered by ``updated_at`` and name, and pages with ``startAt`` cursors. Rows merge on ``_id``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from platform_assets.ingestion.dlt_support import build_source_assets, column_hints

SOURCE = "firestore"
PROJECT = "roundtrip-app"
"""The Firestore project the app writes to (configuration, like a connector's project id)."""
PAGE_SIZE = 500
EPOCH_START = "1970-01-01T00:00:00.000000Z"

# raw table → (collection id, is it a collection group below another collection)
COLLECTIONS: dict[str, tuple[str, bool]] = {
    "users": ("users", False),
    "spaces": ("spaces", False),
    "spaces_members": ("members", True),
}
COLUMNS = (
    "_id:text data:json updated_at:timestamp _fivetran_synced:timestamp _fivetran_deleted:bool"
)
"""Every raw Firestore table: the document's id and JSON, its update time, Fivetran's flags."""
DESCRIPTIONS = {
    "users": "The app's user documents (Firestore `users`): `_id`, `data` JSON, `updated_at`.",
    "spaces": "The app's workspaces (Firestore `spaces`): `_id`, `data` JSON, `updated_at`.",
    "spaces_members": "Workspace memberships (the `spaces/{id}/members` subcollections).",
}


def decode_value(value: dict[str, Any]) -> Any:
    """A Firestore typed value → plain JSON (timestamps stay RFC 3339 strings)."""
    (kind, raw), *_ = value.items()
    if kind == "integerValue":
        return int(raw)
    if kind == "arrayValue":
        return [decode_value(item) for item in raw.get("values", [])]
    if kind == "mapValue":
        return {key: decode_value(item) for key, item in raw.get("fields", {}).items()}
    return raw


def document_row(document: dict[str, Any], synced: datetime) -> dict[str, Any]:
    data = {key: decode_value(value) for key, value in document["fields"].items()}
    return {
        "_id": document["name"].rsplit("/", 1)[1],
        "data": data,
        "updated_at": data["updated_at"],
        "_fivetran_synced": synced,
        "_fivetran_deleted": False,
    }


class StartAtPaginator(BasePaginator):
    """Pages a ``runQuery`` ordered by (updated_at, __name__): a full page continues after its
    last document with a ``startAt`` cursor; a short page is the last one."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self._start_at: dict[str, Any] | None = None

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        documents = [item["document"] for item in response.json() if "document" in item]
        if len(documents) < self.limit:
            self._has_next_page = False
            return
        last = documents[-1]
        self._start_at = {
            "values": [last["fields"]["updated_at"], {"referenceValue": last["name"]}],
            "before": False,
        }

    def update_request(self, request: Request) -> None:
        request.json["structuredQuery"]["startAt"] = self._start_at


def structured_query(collection_id: str, group: bool, since: str, limit: int) -> dict[str, Any]:
    """Documents of one collection (or collection group) updated after ``since``, oldest first."""
    return {
        "from": [{"collectionId": collection_id, "allDescendants": group}],
        "where": {
            "fieldFilter": {
                "field": {"fieldPath": "updated_at"},
                "op": "GREATER_THAN",
                "value": {"timestampValue": since},
            }
        },
        "orderBy": [
            {"field": {"fieldPath": "updated_at"}, "direction": "ASCENDING"},
            {"field": {"fieldPath": "__name__"}, "direction": "ASCENDING"},
        ],
        "limit": limit,
    }


@dlt.source(name=SOURCE, max_table_nesting=0)
def firestore_source(base_url: str, credential: str, page_size: int = PAGE_SIZE) -> Any:
    """The three collections, read incrementally from the Firestore API at ``base_url``."""
    client = RESTClient(
        base_url=f"{base_url.rstrip('/')}/v1/projects/{PROJECT}/databases/(default)",
        auth=BearerTokenAuth(credential),
    )
    synced = datetime.now(UTC)

    def documents(
        collection_id: str,
        group: bool,
        updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(  # noqa: B008 - dlt's idiom
            "updated_at", initial_value=EPOCH_START
        ),
    ) -> Iterator[list[dict[str, Any]]]:
        query = structured_query(collection_id, group, updated_at.last_value, page_size)
        for page in client.paginate(
            "documents:runQuery",
            method="POST",
            json={"structuredQuery": query},
            paginator=StartAtPaginator(page_size),
        ):
            yield [document_row(item["document"], synced) for item in page if "document" in item]

    return [
        dlt.resource(
            documents,
            name=table,
            primary_key="_id",
            write_disposition="merge",
            columns=column_hints(COLUMNS, not_null=("_id",), naive_timestamps=False),
        )(collection_id, group)
        for table, (collection_id, group) in COLLECTIONS.items()
    ]


firestore_assets = build_source_assets(SOURCE, firestore_source, DESCRIPTIONS)
