"""Firestore → ``raw_firestore``: the product's ``users``, ``spaces`` and ``spaces_members``.

Lands each collection the way Fivetran's Firestore connector does: one row per document with
``_id`` (the document id), ``data`` (the document's fields as plain JSON) and ``updated_at``,
plus the sync bookkeeping. The ``members`` subcollection of every space is read as one
collection group and lands as ``spaces_members``. A document id is unique only under its parent
(``spaces/a/members/u1`` and ``spaces/b/members/u1`` are two memberships), so every row also
carries ``_path``, the document's path below the database root, and rows merge on ``_path``.

Incremental: the app stamps ``updated_at`` on every write, so each run asks Firestore
(``documents:runQuery``) for documents with ``updated_at`` after the newest one already loaded,
ordered by ``updated_at`` and name, and pages with ``startAt`` cursors. The newest value is kept
as a time, not as the API's text: Firestore trims trailing zeros (``…:00Z``, ``…:00.5Z``), so the
text does not sort in time order. Timestamps land as naive UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import dlt
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from platform_assets.ingestion.dlt_support import build_source_assets, column_hints, synced_now
from platform_assets.settings import DEFAULT_FIRESTORE_PROJECT, Settings

SOURCE = "firestore"
PAGE_SIZE = 500
EPOCH_START = datetime(1970, 1, 1)

# raw table → (collection id, is it a collection group below another collection)
COLLECTIONS: dict[str, tuple[str, bool]] = {
    "users": ("users", False),
    "spaces": ("spaces", False),
    "spaces_members": ("members", True),
}
COLUMNS = """_id:text _path:text data:json updated_at:timestamp _fivetran_synced:timestamp
    _fivetran_deleted:bool"""
"""Every raw Firestore table: the document's id, path and JSON, its update time, Fivetran's
flags."""
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


def parse_timestamp(value: str) -> datetime:
    """An RFC 3339 timestamp as Firestore writes it (``Z``, 0-9 fractional digits) → naive UTC."""
    seconds, _, rest = value.rstrip("Z").partition(".")
    parsed = datetime.fromisoformat(seconds)
    if rest:  # fromisoformat takes at most microseconds
        parsed = parsed.replace(microsecond=int(rest[:6].ljust(6, "0")))
    return parsed


def to_timestamp_value(value: datetime) -> str:
    """A naive UTC time as a query's ``timestampValue``."""
    return f"{value:%Y-%m-%dT%H:%M:%S.%f}Z"


def document_row(document: dict[str, Any], synced: datetime) -> dict[str, Any]:
    data = {key: decode_value(value) for key, value in document["fields"].items()}
    path = document["name"].split("/documents/", 1)[1]
    return {
        "_id": path.rsplit("/", 1)[1],
        "_path": path,
        "data": data,
        "updated_at": parse_timestamp(data["updated_at"]),
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


def structured_query(
    collection_id: str, group: bool, since: datetime, limit: int
) -> dict[str, Any]:
    """Documents of one collection (or collection group) updated after ``since``, oldest first."""
    return {
        "from": [{"collectionId": collection_id, "allDescendants": group}],
        "where": {
            "fieldFilter": {
                "field": {"fieldPath": "updated_at"},
                "op": "GREATER_THAN",
                "value": {"timestampValue": to_timestamp_value(since)},
            }
        },
        "orderBy": [
            {"field": {"fieldPath": "updated_at"}, "direction": "ASCENDING"},
            {"field": {"fieldPath": "__name__"}, "direction": "ASCENDING"},
        ],
        "limit": limit,
    }


@dlt.source(name=SOURCE, max_table_nesting=0)
def firestore_source(
    base_url: str,
    credential: str,
    page_size: int = PAGE_SIZE,
    project: str = DEFAULT_FIRESTORE_PROJECT,
) -> Any:
    """The three collections of ``project``, read incrementally from the Firestore API at
    ``base_url``."""
    client = RESTClient(
        base_url=f"{base_url.rstrip('/')}/v1/projects/{project}/databases/(default)",
        auth=BearerTokenAuth(credential),
    )
    synced = synced_now()

    def documents(collection_id: str, group: bool) -> Iterator[list[dict[str, Any]]]:
        # dlt commits resource state only with a successful load.
        state = dlt.current.resource_state()
        since = datetime.fromisoformat(state.get("updated_after", EPOCH_START.isoformat()))
        query = structured_query(collection_id, group, since, page_size)
        for page in client.paginate(
            "documents:runQuery",
            method="POST",
            json={"structuredQuery": query},
            paginator=StartAtPaginator(page_size),
        ):
            rows = [document_row(item["document"], synced) for item in page if "document" in item]
            yield rows
            if rows:
                since = max(since, *(row["updated_at"] for row in rows))
                state["updated_after"] = since.isoformat()

    return [
        dlt.resource(
            documents,
            name=table,
            primary_key="_path",
            write_disposition="merge",
            columns=column_hints(COLUMNS, not_null=("_id", "_path")),
        )(collection_id, group)
        for table, (collection_id, group) in COLLECTIONS.items()
    ]


def connector_options(settings: Settings) -> Mapping[str, Any]:
    """What the connector takes from the settings besides its URL and token."""
    return {"project": settings.firestore_project}


firestore_assets = build_source_assets(
    SOURCE, firestore_source, DESCRIPTIONS, options=connector_options
)
