"""Stripe → ``raw_stripe``: nine tables in the shapes Fivetran's Stripe connector lands.

How it reads (the way Fivetran does, so a re-run without changes fetches nothing):

- first run of a table: note the newest event of its types (``GET /v1/events?limit=1``), then
  page through the list endpoint (``limit=100``, ``starting_after``);
- every later run: ``GET /v1/events?ending_before=<newest event seen>&types[]=...``, Stripe's
  exact resume token (a ``created[gt]`` cursor in whole seconds would skip events created in the
  cursor's second after it was read); each event's ``data.object`` is the object's new state,
  ``customer.deleted``/``product.deleted``/``price.deleted`` set ``is_deleted``. The cursor lives
  in dlt's resource state in the warehouse and only advances when the load commits.

Tables merge on their primary keys, so re-runs never duplicate and changed objects are updated.
``subscription_history`` is Fivetran's history mode: one row per version seen, keyed
``(id, _fivetran_start)`` where ``_fivetran_start`` is the event's time (for the first run, the
time of the newest event then); ``_fivetran_active`` marks the newest version, whose
``_fivetran_end`` is 9999-12-31 23:59:59.999, and each older one ends a millisecond before the
next starts (the stored active version is re-merged, ended, in the load that brings a newer
one). Money stays in cents, as Stripe sends it; timestamps are UTC. Columns follow fivetran's
dbt_stripe source package; every column is declared, so ones that are always null in this
account still exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
import dlt
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from platform_assets.ingestion.dlt_support import build_source_assets, column_hints, synced_now

SOURCE = "stripe"
PAGE_SIZE = 100

Obj = dict[str, Any]
Row = dict[str, Any]
ACTIVE_END = datetime(9999, 12, 31, 23, 59, 59, 999000)
"""Fivetran's ``_fivetran_end`` of a history row that is still the active version."""


@dataclass(frozen=True)
class Version:
    """One state of an object: when it became current, the event that carried it (None when
    read from a list endpoint) and the object."""

    time: datetime | None
    event_type: str | None
    obj: Obj

    @property
    def deleted(self) -> bool:
        """``customer.deleted`` and the like carry the object as it was before: the event type
        (``customer.subscription.deleted`` cancels, it deletes nothing) is what says so."""
        return self.event_type == f"{self.obj.get('object')}.deleted"


class StripePaginator(BasePaginator):
    """Stripe's cursor pagination while ``has_more``: older pages with ``starting_after=<last
    id>``, or (``newer``) newer pages with ``ending_before=<first id>``; each page is newest
    first either way."""

    def __init__(self, newer: bool = False) -> None:
        super().__init__()
        self._param = "ending_before" if newer else "starting_after"
        self._cursor: str | None = None

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        body = response.json()
        self._has_next_page = bool(body.get("has_more")) and bool(data)
        if data:
            self._cursor = data[0 if self._param == "ending_before" else -1]["id"]

    def update_request(self, request: Request) -> None:
        request.params = {**(request.params or {}), self._param: self._cursor}


# --- Fivetran's column types ------------------------------------------------------------------
def _columns(spec: str) -> dict[str, str]:
    """``"name:type ..."`` → {name: dlt type}; type letters: t text, i bigint, b bool,
    s timestamp, d double."""
    types = {"t": "text", "i": "bigint", "b": "bool", "s": "timestamp", "d": "double"}
    return {name: types[kind] for name, kind in (item.split(":") for item in spec.split())}


COLUMNS: dict[str, dict[str, str]] = {
    "customer": _columns(
        "id:t _fivetran_synced:s account_balance:i address_city:t address_country:t "
        "address_line_1:t address_line_2:t address_postal_code:t address_state:t balance:i "
        "bank_account_id:t created:s currency:t default_card_id:t delinquent:b description:t "
        "email:t invoice_prefix:t invoice_settings_default_payment_method:t "
        "invoice_settings_footer:t is_deleted:b livemode:b metadata:t name:t phone:t "
        "shipping_address_city:t shipping_address_country:t shipping_address_line_1:t "
        "shipping_address_line_2:t shipping_address_postal_code:t shipping_address_state:t "
        "shipping_carrier:t shipping_name:t shipping_phone:t shipping_tracking_number:t "
        "source_id:t tax_exempt:t"
    ),
    "product": _columns(
        "id:t _fivetran_synced:s active:b attributes:t caption:t created:s deactivate_on:s "
        "description:t images:t is_deleted:b livemode:b name:t shippable:b "
        "statement_descriptor:t type:t unit_label:t updated:s url:t"
    ),
    "price": _columns(
        "id:t _fivetran_synced:s active:b billing_scheme:t created:s currency:t is_deleted:b "
        "livemode:b metadata:t nickname:t product_id:t recurring_aggregate_usage:t "
        "recurring_interval:t recurring_interval_count:i recurring_usage_type:t type:t "
        "unit_amount:i unit_amount_decimal:t"
    ),
    "subscription_history": _columns(
        "id:t _fivetran_start:s _fivetran_end:s _fivetran_active:b _fivetran_synced:s "
        "application_fee_percent:d billing:t "
        "billing_cycle_anchor:s cancel_at:s cancel_at_period_end:b canceled_at:s created:s "
        "current_period_end:s current_period_start:s customer_id:t days_until_due:i "
        "default_payment_method_id:t default_source_id:t ended_at:s latest_invoice_id:t "
        "livemode:b metadata:t quantity:i start_date:s status:t tax_percent:d trial_end:s "
        "trial_start:s pause_collection_behavior:t pause_collection_resumes_at:s"
    ),
    "subscription_item": _columns(
        "id:t _fivetran_synced:s created:s current_period_end:s current_period_start:s "
        "metadata:t plan_id:t quantity:i subscription_id:t"
    ),
    "invoice": _columns(
        "id:t _fivetran_synced:s amount_due:i amount_paid:i amount_remaining:i "
        "application_fee_amount:i attempt_count:i attempted:b auto_advance:b billing:t "
        "billing_reason:t charge_id:t created:s currency:t customer_id:t date:s "
        "default_payment_method_id:t default_source_id:t description:t due_date:s "
        "ending_balance:i finalized_at:s footer:t hosted_invoice_url:t invoice_pdf:t "
        "is_deleted:b livemode:b metadata:t next_payment_attempt:s number:t paid:b "
        "payment_intent_id:t period_end:s period_start:s receipt_number:t starting_balance:i "
        "statement_descriptor:t status:t status_transitions_finalized_at:s "
        "status_transitions_marked_uncollectible_at:s status_transitions_paid_at:s "
        "status_transitions_voided_at:s subscription_id:t subtotal:i tax:i tax_percent:d "
        "total:i webhooks_delivered_at:s"
    ),
    "invoice_line_item": _columns(
        "id:t invoice_id:t _fivetran_synced:s amount:i currency:t description:t discountable:b "
        "invoice_item_id:t livemode:b metadata:t period_end:s period_start:s plan_id:t "
        "price_id:t proration:b quantity:i subscription_id:t subscription_item_id:t type:t "
        "unique_id:t"
    ),
    "charge": _columns(
        "id:t _fivetran_synced:s amount:i amount_refunded:i application:t "
        "application_fee_amount:i balance_transaction_id:t bank_account_id:t "
        "calculated_statement_descriptor:t captured:b card_id:t connected_account_id:t "
        "created:s currency:t customer_id:t description:t destination:t failure_code:t "
        "failure_message:t invoice_id:t livemode:b metadata:t on_behalf_of:t "
        "outcome_network_status:t outcome_reason:t outcome_risk_level:t outcome_risk_score:i "
        "outcome_seller_message:t outcome_type:t paid:b payment_intent_id:t "
        "payment_method_id:t receipt_email:t receipt_number:t receipt_url:t refunded:b "
        "source_id:t statement_descriptor:t status:t transfer_group:t"
    ),
    "refund": _columns(
        "id:t _fivetran_synced:s amount:i balance_transaction_id:t charge_id:t created:s "
        "currency:t description:t failure_balance_transaction_id:t failure_reason:t "
        "metadata:t payment_intent_id:t reason:t receipt_number:t status:t"
    ),
}


# --- API objects → Fivetran rows --------------------------------------------------------------
def _time(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC).replace(tzinfo=None)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _id(value: Any) -> str | None:
    """An expandable field: the id whether Stripe sent the id or the expanded object."""
    return value.get("id") if isinstance(value, dict) else value


def _pick(obj: Obj, names: str, times: str = "") -> Row:
    """The fields ``names`` (space-separated) as they are, and ``times`` as timestamps;
    ``metadata`` as JSON text."""
    row = {name: obj.get(name) for name in names.split()}
    row.update({name: _time(obj.get(name)) for name in times.split()})
    if "metadata" in row:
        row["metadata"] = _json(obj.get("metadata"))
    return row


def customer_rows(obj: Obj, context: Context) -> Iterator[Row]:
    address = obj.get("address") or {}
    settings = obj.get("invoice_settings") or {}
    yield {
        **_pick(
            obj,
            "id balance currency delinquent description email invoice_prefix livemode metadata "
            "name phone tax_exempt",
            "created",
        ),
        "account_balance": obj.get("balance"),
        "address_city": address.get("city"),
        "address_country": address.get("country"),
        "address_line_1": address.get("line1"),
        "address_line_2": address.get("line2"),
        "address_postal_code": address.get("postal_code"),
        "address_state": address.get("state"),
        "invoice_settings_default_payment_method": _id(settings.get("default_payment_method")),
        "invoice_settings_footer": settings.get("footer"),
        "default_card_id": _id(obj.get("default_source")),
        "is_deleted": context.deleted,
    }


def product_rows(obj: Obj, context: Context) -> Iterator[Row]:
    yield {
        **_pick(
            obj,
            "id active description livemode name shippable statement_descriptor type unit_label "
            "url",
            "created updated",
        ),
        "images": _json(obj.get("images")),
        "is_deleted": context.deleted,
    }


def price_rows(obj: Obj, context: Context) -> Iterator[Row]:
    recurring = obj.get("recurring") or {}
    yield {
        **_pick(
            obj,
            "id active billing_scheme currency livemode metadata nickname type unit_amount "
            "unit_amount_decimal",
            "created",
        ),
        "product_id": _id(obj.get("product")),
        "recurring_aggregate_usage": recurring.get("aggregate_usage"),
        "recurring_interval": recurring.get("interval"),
        "recurring_interval_count": recurring.get("interval_count"),
        "recurring_usage_type": recurring.get("usage_type"),
        "is_deleted": context.deleted,
    }


def subscription_rows(obj: Obj, context: Context) -> Iterator[Row]:
    yield {
        **_pick(
            obj,
            "id cancel_at_period_end days_until_due livemode metadata quantity status",
            "billing_cycle_anchor cancel_at canceled_at created current_period_end "
            "current_period_start ended_at start_date trial_end trial_start",
        ),
        "_fivetran_start": context.version_time,
        "billing": obj.get("collection_method"),
        "customer_id": _id(obj.get("customer")),
        "default_payment_method_id": _id(obj.get("default_payment_method")),
        "default_source_id": _id(obj.get("default_source")),
        "latest_invoice_id": _id(obj.get("latest_invoice")),
    }


def subscription_item_rows(obj: Obj, context: Context) -> Iterator[Row]:
    items = context.embedded(obj["items"])
    for item in items:
        yield {
            **_pick(item, "id metadata quantity", "created"),
            "current_period_end": _time(obj.get("current_period_end")),
            "current_period_start": _time(obj.get("current_period_start")),
            "plan_id": _id(item.get("price") or item.get("plan")),
            "subscription_id": obj["id"],
        }


def invoice_rows(obj: Obj, context: Context) -> Iterator[Row]:
    transitions = obj.get("status_transitions") or {}
    yield {
        **_pick(
            obj,
            "id amount_due amount_paid amount_remaining attempt_count attempted auto_advance "
            "billing_reason currency description ending_balance footer hosted_invoice_url "
            "invoice_pdf livemode metadata number paid receipt_number starting_balance "
            "statement_descriptor status subtotal tax total application_fee_amount",
            "created due_date next_payment_attempt period_end period_start webhooks_delivered_at",
        ),
        "billing": obj.get("collection_method"),
        "charge_id": _id(obj.get("charge")),
        "customer_id": _id(obj.get("customer")),
        "date": _time(obj.get("created")),
        "default_payment_method_id": _id(obj.get("default_payment_method")),
        "default_source_id": _id(obj.get("default_source")),
        "finalized_at": _time(transitions.get("finalized_at")),
        "payment_intent_id": _id(obj.get("payment_intent")),
        "status_transitions_finalized_at": _time(transitions.get("finalized_at")),
        "status_transitions_marked_uncollectible_at": _time(
            transitions.get("marked_uncollectible_at")
        ),
        "status_transitions_paid_at": _time(transitions.get("paid_at")),
        "status_transitions_voided_at": _time(transitions.get("voided_at")),
        "subscription_id": _id(obj.get("subscription")),
        "is_deleted": False,
    }


def invoice_line_item_rows(obj: Obj, context: Context) -> Iterator[Row]:
    for line in context.embedded(obj["lines"]):
        period = line.get("period") or {}
        yield {
            **_pick(
                line,
                "id amount currency description discountable livemode metadata proration quantity "
                "type",
            ),
            "invoice_id": obj["id"],
            "invoice_item_id": _id(line.get("invoice_item")),
            "period_end": _time(period.get("end")),
            "period_start": _time(period.get("start")),
            "plan_id": _id(line.get("plan")),
            "price_id": _id(line.get("price")),
            "subscription_id": _id(line.get("subscription")),
            "subscription_item_id": _id(line.get("subscription_item")),
            "unique_id": f"{obj['id']}:{line['id']}",
        }


def charge_rows(obj: Obj, context: Context) -> Iterator[Row]:
    outcome = obj.get("outcome") or {}
    yield {
        **_pick(
            obj,
            "id amount amount_refunded application_fee_amount calculated_statement_descriptor "
            "captured currency description failure_code failure_message livemode metadata paid "
            "receipt_email receipt_number receipt_url refunded status statement_descriptor "
            "transfer_group",
            "created",
        ),
        "application": _id(obj.get("application")),
        "balance_transaction_id": _id(obj.get("balance_transaction")),
        "customer_id": _id(obj.get("customer")),
        "invoice_id": _id(obj.get("invoice")),
        "on_behalf_of": _id(obj.get("on_behalf_of")),
        "outcome_network_status": outcome.get("network_status"),
        "outcome_reason": outcome.get("reason"),
        "outcome_risk_level": outcome.get("risk_level"),
        "outcome_risk_score": outcome.get("risk_score"),
        "outcome_seller_message": outcome.get("seller_message"),
        "outcome_type": outcome.get("type"),
        "payment_intent_id": _id(obj.get("payment_intent")),
        "payment_method_id": _id(obj.get("payment_method")),
        "source_id": _id(obj.get("source")),
    }


def refund_rows(obj: Obj, context: Context) -> Iterator[Row]:
    yield {
        **_pick(
            obj,
            "id amount currency description failure_reason metadata reason receipt_number status",
            "created",
        ),
        "balance_transaction_id": _id(obj.get("balance_transaction")),
        "charge_id": _id(obj.get("charge")),
        "failure_balance_transaction_id": _id(obj.get("failure_balance_transaction")),
        "payment_intent_id": _id(obj.get("payment_intent")),
    }


# --- reading changes --------------------------------------------------------------------------
def _list(client: RESTClient, path: str, params: Mapping[str, Any]) -> Iterator[Obj]:
    """Every object of a Stripe list endpoint, 100 a page, following ``starting_after``."""
    pages = client.paginate(
        path,
        params={**params, "limit": PAGE_SIZE},
        paginator=StripePaginator(),
        data_selector="data",
    )
    for page in pages:
        yield from page


@dataclass
class Context:
    """What a row mapper may need besides the object: when this version started, whether it is
    a deletion, and the client to page an embedded list (``items``, ``lines``) that says
    ``has_more``."""

    client: RESTClient
    version_time: datetime | None = None
    deleted: bool = False

    def embedded(self, listing: Obj) -> list[Obj]:
        data = list(listing.get("data") or [])
        if listing.get("has_more") and data:
            url = listing["url"].removeprefix("/v1")
            path, _, query = url.partition("?")
            params = dict(part.split("=", 1) for part in query.split("&") if part)
            data.extend(_list(self.client, path, {**params, "starting_after": data[-1]["id"]}))
        return data


@dataclass(frozen=True)
class Table:
    """One raw table: where its objects come from and how an object becomes rows."""

    name: str
    path: str  # list endpoint under /v1
    event_types: tuple[str, ...]
    rows: Callable[[Obj, Context], Iterator[Row]]
    primary_key: tuple[str, ...] = ("id",)
    list_params: Mapping[str, str] = field(default_factory=dict)
    history: bool = False  # keep every version seen instead of the latest

    def description(self) -> str:
        return (
            f"Stripe `{self.name}` as Fivetran lands it: first load from /v1/{self.path}, "
            f"then changes from /v1/events ({', '.join(self.event_types)})."
        )


SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)
INVOICE_EVENTS = (
    "invoice.created",
    "invoice.updated",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
)

TABLES: tuple[Table, ...] = (
    Table(
        "customer",
        "customers",
        ("customer.created", "customer.updated", "customer.deleted"),
        customer_rows,
    ),
    Table(
        "product",
        "products",
        ("product.created", "product.updated", "product.deleted"),
        product_rows,
    ),
    Table("price", "prices", ("price.created", "price.updated", "price.deleted"), price_rows),
    Table(
        "subscription_history",
        "subscriptions",
        SUBSCRIPTION_EVENTS,
        subscription_rows,
        primary_key=("id", "_fivetran_start"),
        list_params={"status": "all"},
        history=True,
    ),
    Table(
        "subscription_item",
        "subscriptions",
        SUBSCRIPTION_EVENTS,
        subscription_item_rows,
        list_params={"status": "all"},
    ),
    Table("invoice", "invoices", INVOICE_EVENTS, invoice_rows),
    # Line items are fixed once an invoice is created: new invoices are all that matter.
    Table(
        "invoice_line_item",
        "invoices",
        ("invoice.created",),
        invoice_line_item_rows,
        primary_key=("id", "invoice_id"),
    ),
    Table(
        "charge", "charges", ("charge.succeeded", "charge.failed", "charge.refunded"), charge_rows
    ),
    Table("refund", "refunds", ("refund.created", "refund.updated"), refund_rows),
)


def _versions(client: RESTClient, table: Table, state: dict[str, Any]) -> Iterator[Version]:
    """Objects new or changed since the cursor in ``state``, oldest change first.

    The cursor is the id of the newest event seen (``events_last_id``): Stripe's own resume
    token, ``ending_before=<id>``, returns exactly the events after it, also those created in
    the same second, which a ``created[gt]=<seconds>`` cursor would skip. A cursor of the
    earlier kind (``events_created``, seconds) is read once inclusively (a re-read event merges
    onto the same key) and replaced."""
    types = {"types[]": list(table.event_types)}
    if "events_last_id" in state:
        last_id = state["events_last_id"]
        events = (
            _newer_events(client, {**types, "ending_before": last_id})
            if last_id
            else _all_events(client, types)
        )
    elif "events_created" in state:
        events = _all_events(client, {**types, "created[gte]": state["events_created"]})
    else:
        yield from _snapshot(client, table, types, state)
        return
    for event in events:
        yield Version(_time(event["created"]), event["type"], event["data"]["object"])
    if events:
        state["events_last_id"] = events[-1]["id"]
    state.pop("events_created", None)


def _snapshot(
    client: RESTClient, table: Table, types: Mapping[str, Any], state: dict[str, Any]
) -> Iterator[Version]:
    """A first run: every object from the list endpoint, as of the newest event noted first
    (an event that comes while the list is read is read again next run: merges are
    idempotent)."""
    response = client.get("/events", params={"limit": 1, **types})
    response.raise_for_status()
    newest = response.json()["data"]
    snapshot = _time(newest[0]["created"]) if newest else _time(0)
    for obj in _list(client, f"/{table.path}", table.list_params):
        yield Version(snapshot, None, obj)
    state["events_last_id"] = newest[0]["id"] if newest else None


def _newer_events(client: RESTClient, params: Mapping[str, Any]) -> list[Obj]:
    """Every event after ``ending_before``, oldest first: pages come oldest page first, each
    newest first, so each is reversed and Stripe's own order is kept."""
    pages = client.paginate(
        "/events",
        params={**params, "limit": PAGE_SIZE},
        paginator=StripePaginator(newer=True),
        data_selector="data",
    )
    return [event for page in pages for event in reversed(page)]


def _all_events(client: RESTClient, params: Mapping[str, Any]) -> list[Obj]:
    """Every event the filters in ``params`` select, oldest first."""
    return list(reversed(list(_list(client, "/events", params))))


def _latest(versions: Iterable[Version], per_time: bool) -> list[Version]:
    """The last state of each object (or, ``per_time``, of each object and second): the rows a
    merge on the table's primary key would keep anyway, without sending the others."""
    latest: dict[tuple[str, datetime | None], Version] = {}
    for version in versions:
        latest[(version.obj["id"], version.time if per_time else None)] = version
    return list(latest.values())


def _history_bounds(rows: list[Row]) -> list[Row]:
    """Fivetran's history columns on new versions (oldest first per id): each version ends a
    millisecond before the next one starts; the newest is ``_fivetran_active``."""
    by_id: dict[str, list[Row]] = {}
    for row in rows:
        by_id.setdefault(row["id"], []).append(row)
    for versions in by_id.values():
        versions.sort(key=lambda row: row["_fivetran_start"])
        for row, following in zip(versions, [*versions[1:], None], strict=True):
            end = ACTIVE_END if following is None else _just_before(following["_fivetran_start"])
            row.update(_fivetran_end=end, _fivetran_active=following is None)
    return rows


def _just_before(start: datetime) -> datetime:
    return start - timedelta(milliseconds=1)


def _superseded(table: str, rows: list[Row]) -> Iterator[Row]:
    """The stored active version of every object ``rows`` bring a newer version of, ended a
    millisecond before the first new one starts: merged by key in the same load, so the table
    never has two active versions nor one with a stale end."""
    first_start: dict[str, datetime] = {}
    for row in rows:
        start = row["_fivetran_start"]
        first_start[row["id"]] = min(start, first_start.get(row["id"], start))
    if not first_start:
        return
    ids = sorted(first_start)
    with dlt.current.pipeline().sql_client() as client:
        name = client.make_qualified_table_name(table)
        marks = ", ".join(["%s"] * len(ids))
        with client.execute_query(
            f"select * from {name} where _fivetran_active and id in ({marks})", *ids
        ) as cursor:
            names = [column[0] for column in cursor.description]
            stored = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in stored:
        start = _naive(row["_fivetran_start"])
        if start < first_start[row["id"]]:
            kept = {k: v for k, v in row.items() if not k.startswith("_dlt_")}
            end = _just_before(first_start[row["id"]])
            yield {
                **kept,
                "_fivetran_start": start,
                "_fivetran_end": end,
                "_fivetran_active": False,
            }


def _naive(moment: datetime) -> datetime:
    """A timestamp read back from the warehouse as naive UTC, like the ones rows carry."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _resource(base_url: str, api_key: str, table: Table) -> DltResource:
    @dlt.resource(
        name=table.name,
        table_name=table.name,
        write_disposition="merge",
        primary_key=list(table.primary_key),
        columns=column_hints(COLUMNS[table.name]),
    )
    def rows() -> Iterator[Row]:
        # Built here, at extract time, so dlt's retry settings are in force.
        client = RESTClient(base_url=f"{base_url.rstrip('/')}/v1", auth=BearerTokenAuth(api_key))
        synced = synced_now()
        # Create the table (every declared column) even when no object exists yet.
        yield dlt.mark.materialize_table_schema()
        state = dlt.current.resource_state()
        first_run = not ({"events_last_id", "events_created"} & set(state))
        versions = _latest(_versions(client, table, state), per_time=table.history)
        objects = (
            {**row, "_fivetran_synced": synced}
            for version in versions
            for row in table.rows(version.obj, Context(client, version.time, version.deleted))
        )
        if not table.history:
            yield from objects
            return
        new_versions = _history_bounds(list(objects))
        yield from new_versions
        if not first_run:
            for row in _superseded(table.name, new_versions):
                yield {**row, "_fivetran_synced": synced}

    return rows


@dlt.source(name=SOURCE, max_table_nesting=0)
def stripe_source(base_url: str, api_key: str) -> list[DltResource]:
    """The nine raw Stripe tables, read from ``base_url`` with the secret key ``api_key``."""
    return [_resource(base_url, api_key, table) for table in TABLES]


def make_source(base_url: str, credential: str) -> DltSource:
    """The factory ``dlt_support`` builds assets from (a fresh source for every run)."""
    return stripe_source(base_url, credential)


stripe_assets: dg.AssetsDefinition = build_source_assets(
    SOURCE, make_source, {table.name: table.description() for table in TABLES}
)
