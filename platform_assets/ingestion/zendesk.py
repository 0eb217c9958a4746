"""Zendesk Support → ``raw_zendesk``: ticket, user, organization, ticket_field_history.

Reads Zendesk's incremental export API, the way Fivetran does: tickets through the cursor-based
export, users and organizations through the time-based one, and field history by flattening
the audits of the ticket-events export (one row per field set or changed, with its new value).
Tables and columns are Fivetran's (``dbt_zendesk_source``), declared in full so columns that
are always null still exist.

Incremental, the way Zendesk says to resume an export: the ticket export keeps the
``after_cursor`` of its last page, the time-based exports keep the ``end_time`` of theirs, in
dlt's resource state (committed to the warehouse with the load), and the next run starts there.
Zendesk stamps whole seconds, so restarting one second after the newest ``updated_at`` would skip
what changed later in that same second; ``end_time`` may repeat that second instead, which the
merge absorbs. Rows are merged on their primary keys, so a changed ticket replaces its row and
nothing is ever duplicated; all timestamps land as naive UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import dlt
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import HttpBasicAuth
from dlt.sources.helpers.rest_client.paginators import (
    JSONLinkPaginator,
    JSONResponseCursorPaginator,
)
from requests import Request, Response

from platform_assets.ingestion.dlt_support import build_source_assets, column_hints, synced_now

SOURCE = "zendesk"
MAX_PER_PAGE = 1000
FIRST_START_TIME = 0
"""``start_time`` of a first export: everything."""

SYNC_COLUMNS = "_fivetran_synced:timestamp _fivetran_deleted:bool"
TICKET_COLUMNS = column_hints(
    f"""id:bigint {SYNC_COLUMNS} allow_channelback:bool assignee_id:bigint brand_id:bigint
    created_at:timestamp description:text due_at:timestamp external_id:text
    forum_topic_id:bigint group_id:bigint has_incidents:bool is_public:bool
    merged_ticket_ids:text organization_id:bigint priority:text problem_id:bigint
    recipient:text requester_id:bigint status:text subject:text submitter_id:bigint
    system_ccs:text system_client:text system_ip_address:text
    system_json_email_identifier:text system_latitude:double system_location:text
    system_longitude:double system_machine_generated:bool system_message_id:text
    system_raw_email_identifier:text ticket_form_id:bigint type:text updated_at:timestamp
    url:text via_channel:text via_source_from_address:text via_source_from_id:bigint
    via_source_from_title:text via_source_rel:text via_source_to_address:text
    via_source_to_name:text"""
)
USER_COLUMNS = column_hints(
    f"""id:bigint {SYNC_COLUMNS} active:bool alias:text authenticity_token:text chat_only:bool
    created_at:timestamp details:text email:text external_id:text last_login_at:timestamp
    locale:text locale_id:bigint moderator:bool name:text notes:text
    only_private_comments:bool organization_id:bigint phone:text remote_photo_url:text
    restricted_agent:bool role:text shared:bool shared_agent:bool signature:text
    suspended:bool ticket_restriction:text time_zone:text two_factor_auth_enabled:bool
    updated_at:timestamp url:text verified:bool"""
)
ORGANIZATION_COLUMNS = column_hints(
    f"""id:bigint {SYNC_COLUMNS} created_at:timestamp details:text external_id:text
    group_id:bigint name:text notes:text shared_comments:bool shared_tickets:bool
    updated_at:timestamp url:text"""
)
FIELD_HISTORY_COLUMNS = column_hints(
    """ticket_id:bigint field_name:text updated:timestamp _fivetran_synced:timestamp
    user_id:bigint value:text"""
)

DESCRIPTIONS = {
    "ticket": "Zendesk tickets, latest state (Fivetran's `ticket`), from the incremental "
    "cursor export.",
    "user": "Zendesk users, end-users and agents (Fivetran's `user`).",
    "organization": "Zendesk organizations (Fivetran's `organization`).",
    "ticket_field_history": "Every value a ticket field took (status, priority, assignee, "
    "satisfaction_score...), from ticket audits (Fivetran's `ticket_field_history`).",
}

# Keys of a ticket-event child that describe the event, not the field it changed.
_EVENT_KEYS = {"id", "via", "via_reference_id", "event_type", "previous_value"}


class EndOfStreamCursorPaginator(JSONResponseCursorPaginator):
    """Zendesk's cursor export: follow ``after_cursor`` until ``end_of_stream``; the cursor
    replaces ``start_time`` (the API takes one or the other)."""

    def __init__(self) -> None:
        super().__init__(cursor_path="after_cursor", cursor_param="cursor")

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        super().update_state(response, data)
        if response.json().get("end_of_stream", True):
            self._has_next_page = False

    def update_request(self, request: Request) -> None:
        super().update_request(request)
        request.params.pop("start_time", None)


class EndOfStreamLinkPaginator(JSONLinkPaginator):
    """Zendesk's time-based export: follow ``next_page`` until ``end_of_stream``."""

    def __init__(self) -> None:
        super().__init__(next_url_path="next_page")

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        super().update_state(response, data)
        if response.json().get("end_of_stream", True):
            self._has_next_page = False


def to_row(obj: dict[str, Any], columns: TTableSchemaColumns, synced: datetime) -> dict:
    """An API object → a raw row: Fivetran's columns only, with the sync bookkeeping."""
    flat = {
        **obj,
        "_fivetran_synced": synced,
        "_fivetran_deleted": False,
        "via_channel": (obj.get("via") or {}).get("channel"),
    }
    return {name: flat.get(name) for name in columns}


def field_history_rows(event: dict[str, Any], synced: datetime) -> Iterator[dict[str, Any]]:
    """One ``ticket_field_history`` row per field a ticket audit set or changed."""
    for child in event.get("child_events", []):
        if child.get("event_type") not in ("Create", "Change"):
            continue
        for field_name, value in child.items():
            if field_name in _EVENT_KEYS:
                continue
            yield {
                "ticket_id": event["ticket_id"],
                "field_name": field_name,
                "updated": event["created_at"],
                "_fivetran_synced": synced,
                "user_id": event["updater_id"],
                "value": None if value is None else str(value),
            }


@dlt.source(name=SOURCE, max_table_nesting=0)
def zendesk_source(base_url: str, credential: str, per_page: int = MAX_PER_PAGE) -> Any:
    """The four Zendesk tables, read incrementally from the API at ``base_url``.

    ``credential`` is Zendesk's ``{email}/token:{api_token}``; ``per_page`` ≤ 1000 (tests use
    small pages to exercise pagination).
    """
    user, _, token = credential.partition(":")
    client = RESTClient(base_url=f"{base_url.rstrip('/')}/api/v2", auth=HttpBasicAuth(user, token))
    synced = synced_now()

    def export(path: str, key: str) -> Iterator[list[dict[str, Any]]]:
        """Every page of one export from where the last run stopped, saving where the next
        run starts (``after_cursor`` or ``end_time`` of the newest page) as it goes."""
        state = dlt.current.resource_state()
        cursor_based = path.endswith("cursor.json")
        params: dict[str, Any] = {"per_page": per_page}
        if cursor_based and "after_cursor" in state:
            params["cursor"] = state["after_cursor"]
        else:
            params["start_time"] = state.get("start_time", FIRST_START_TIME)
        paginator = EndOfStreamCursorPaginator() if cursor_based else EndOfStreamLinkPaginator()
        for page in client.paginate(path, params=params, paginator=paginator, data_selector=key):
            yield page
            body = page.response.json()
            if cursor_based:
                state["after_cursor"] = body["after_cursor"]
            else:
                state["start_time"] = body["end_time"]

    def objects(
        path: str, key: str, columns: TTableSchemaColumns
    ) -> Iterator[list[dict[str, Any]]]:
        for page in export(path, key):
            yield [to_row(obj, columns, synced) for obj in page]

    def resource(name: str, path: str, key: str, columns: TTableSchemaColumns) -> Any:
        """One object export as a merged, incremental resource named like Fivetran's table."""
        return dlt.resource(
            objects, name=name, primary_key="id", write_disposition="merge", columns=columns
        )(path, key, columns)

    def field_history() -> Iterator[list[dict[str, Any]]]:
        for page in export("incremental/ticket_events.json", "ticket_events"):
            yield [row for event in page for row in field_history_rows(event, synced)]

    ticket_field_history = dlt.resource(
        field_history,
        name="ticket_field_history",
        primary_key=["ticket_id", "field_name", "updated"],
        write_disposition="merge",
        columns=FIELD_HISTORY_COLUMNS,
    )()

    return (
        resource("ticket", "incremental/tickets/cursor.json", "tickets", TICKET_COLUMNS),
        resource("user", "incremental/users.json", "users", USER_COLUMNS),
        resource(
            "organization", "incremental/organizations.json", "organizations", ORGANIZATION_COLUMNS
        ),
        ticket_field_history,
    )


zendesk_assets = build_source_assets(SOURCE, zendesk_source, DESCRIPTIONS)
