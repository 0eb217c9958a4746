"""A fake of Stripe's REST API (read side), serving ``src_stripe`` as of the world clock.

What a Stripe connector relies on, in Stripe's own shapes:

- list endpoints ``GET /v1/<objects>`` return ``{"object": "list", "data", "has_more", "url"}``,
  newest first; ``limit`` (1-100, default 10), ``starting_after`` / ``ending_before`` (an object
  id), ``created`` / ``created[gt|gte|lt|lte]`` (Unix seconds) and per-endpoint filters
  (``customer``, ``subscription``, ``status``, ``charge``); ``GET /v1/<objects>/<id>`` gets one;
- subscriptions embed their ``items`` list, invoices their ``lines`` list (also served at
  ``/v1/subscription_items?subscription=`` and ``/v1/invoices/<id>/lines``); ``/v1/subscriptions``
  hides canceled ones unless ``status=all|canceled``, as Stripe does;
- ``GET /v1/events`` (``type`` with ``*`` wildcards, ``types[]``, ``created``) whose
  ``data.object`` is the object as of that event: how connectors see changes;
- a deleted customer, product or price (its latest version is a ``<noun>.deleted`` event) is
  gone from lists and retrieves as ``{"id", "object", "deleted": true}``;
- auth with the secret key as a Bearer token or as the Basic-auth user name; errors as
  ``{"error": {"type", "code", "message", "param"}}``, a malformed request (bad ``limit``,
  ``created[...]``, ``status``, both cursors) a 400 ``invalid_request_error`` naming the
  parameter; 100 read requests per second.

Visibility: an object exists once ``created <= clock``; a mutable object shows its latest version
with ``_valid_from <= clock``. ``ApiResponse.rows`` counts the records a response carries.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
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
    basic_credential,
    bearer_token,
    guarded,
)
from platform_assets.sandbox.store import WorldStore

SCHEMA = "src_stripe"
API_VERSION = "2024-06-20"
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
HIDDEN_BY_DEFAULT = ("canceled", "incomplete_expired")
"""Subscription statuses ``/v1/subscriptions`` leaves out unless asked for (``ended`` = these)."""
SUBSCRIPTION_STATUSES = (
    "active",
    "past_due",
    "unpaid",
    "canceled",
    "incomplete",
    "incomplete_expired",
    "trialing",
    "paused",
    "all",
    "ended",
)
"""What ``/v1/subscriptions?status=`` accepts."""

_ERROR_TYPES = {
    400: ("invalid_request_error", "parameter_invalid"),
    401: ("invalid_request_error", "api_key_invalid"),
    404: ("invalid_request_error", "resource_missing"),
    405: ("invalid_request_error", "method_not_allowed"),
    429: ("invalid_request_error", "rate_limit"),
}


class StripeError(Exception):
    """A request Stripe would refuse: becomes a Stripe error body with ``status``."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.param = param


def _error(status: int, message: str, param: str | None = None) -> ApiResponse:
    kind, code = _ERROR_TYPES.get(status, ("api_error", None))
    error: dict[str, Any] = {"type": kind, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return ApiResponse(status=status, body={"error": error})


# --- rendering rows as Stripe objects ---------------------------------------------------------
def _ts(value: datetime | None) -> int | None:
    return None if value is None else calendar.timegm(value.timetuple())


def _list(url: str, data: list[dict[str, Any]], has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


Prices = dict[str, dict[str, Any]]


def _product(row: dict[str, Any], prices: Prices) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "product",
        "active": True,
        "created": _ts(row["created"]),
        "default_price": None,
        "description": None,
        "images": [],
        "livemode": False,
        "metadata": {},
        "name": row["name"],
        "statement_descriptor": None,
        "type": "service",
        "unit_label": None,
        "updated": _ts(row["_valid_from"]),
        "url": None,
    }


def _price(row: dict[str, Any], prices: Prices | None = None) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": _ts(row["created"]),
        "currency": row["currency"],
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": row["nickname"],
        "product": row["product_id"],
        "recurring": {
            "aggregate_usage": None,
            "interval": row["recurring_interval"],
            "interval_count": row["interval_count"],
            "usage_type": "licensed",
        },
        "tax_behavior": "unspecified",
        "type": "recurring",
        "unit_amount": row["unit_amount"],
        "unit_amount_decimal": str(row["unit_amount"]),
    }


def _customer(row: dict[str, Any], prices: Prices) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "customer",
        "address": {
            "city": None,
            "country": row["country"],
            "line1": None,
            "line2": None,
            "postal_code": None,
            "state": None,
        },
        "balance": 0,
        "created": _ts(row["created"]),
        "currency": "usd",
        "default_source": None,
        "delinquent": row["delinquent"],
        "description": None,
        "email": row["email"],
        "invoice_prefix": row["invoice_prefix"],
        "invoice_settings": {"default_payment_method": None, "footer": None},
        "livemode": False,
        "metadata": {"user_id": row["user_id"]} if row["user_id"] else {},
        "name": row["name"],
        "phone": None,
        "shipping": None,
        "tax_exempt": "none",
    }


def _subscription_item(row: dict[str, Any], prices: Prices) -> dict[str, Any]:
    return {
        "id": row["item_id"],
        "object": "subscription_item",
        "created": _ts(row["item_created"]),
        "metadata": {},
        "price": prices.get(row["price_id"]),
        "quantity": row["quantity"],
        "subscription": row["id"],
    }


def _subscription(row: dict[str, Any], prices: Prices) -> dict[str, Any]:
    item = _subscription_item(row, prices)
    return {
        "id": row["id"],
        "object": "subscription",
        "billing_cycle_anchor": _ts(row["created"]),
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": _ts(row["canceled_at"]),
        "collection_method": "charge_automatically",
        "created": _ts(row["created"]),
        "currency": "usd",
        "current_period_end": _ts(row["current_period_end"]),
        "current_period_start": _ts(row["current_period_start"]),
        "customer": row["customer_id"],
        "days_until_due": None,
        "default_payment_method": None,
        "ended_at": _ts(row["ended_at"]),
        "items": _list(f"/v1/subscription_items?subscription={row['id']}", [item]),
        "livemode": False,
        "metadata": {},
        "quantity": row["quantity"],
        "start_date": _ts(row["created"]),
        "status": row["status"],
        "trial_end": None,
        "trial_start": None,
    }


def _line(row: dict[str, Any], prices: Prices) -> dict[str, Any]:
    return {
        "id": row["line_id"],
        "object": "line_item",
        "amount": row["amount_due"],
        "currency": "usd",
        "description": None,
        "discountable": True,
        "invoice": row["id"],
        "livemode": False,
        "metadata": {},
        "period": {"end": _ts(row["period_end"]), "start": _ts(row["period_start"])},
        "price": prices.get(row["price_id"]),
        "proration": False,
        "quantity": row["quantity"],
        "subscription": row["subscription_id"],
        "subscription_item": row["subscription_item_id"],
        "type": "subscription",
    }


def _invoice(row: dict[str, Any], prices: Prices) -> dict[str, Any]:
    paid = row["status"] == "paid"
    return {
        "id": row["id"],
        "object": "invoice",
        "amount_due": row["amount_due"],
        "amount_paid": row["amount_paid"],
        "amount_remaining": row["amount_due"] - row["amount_paid"],
        "attempt_count": 1 if paid else 0,
        "attempted": paid,
        "auto_advance": row["status"] == "open",
        "billing_reason": "subscription_cycle",
        "charge": row["charge_id"],
        "collection_method": "charge_automatically",
        "created": _ts(row["created"]),
        "currency": "usd",
        "customer": row["customer_id"],
        "description": None,
        "due_date": None,
        "ending_balance": 0,
        "lines": _list(f"/v1/invoices/{row['id']}/lines", [_line(row, prices)]),
        "livemode": False,
        "metadata": {},
        "number": row["number"],
        "paid": paid,
        "payment_intent": row["charge_id"] and "pi_" + row["charge_id"][3:],
        "period_end": _ts(row["period_end"]),
        "period_start": _ts(row["period_start"]),
        "starting_balance": 0,
        "status": row["status"],
        "status_transitions": {
            "finalized_at": _ts(row["created"]),
            "marked_uncollectible_at": _ts(row["marked_uncollectible_at"]),
            "paid_at": _ts(row["paid_at"]),
            "voided_at": _ts(row["voided_at"]),
        },
        "subscription": row["subscription_id"],
        "subtotal": row["amount_due"],
        "tax": None,
        "total": row["amount_due"],
    }


def _charge(row: dict[str, Any], prices: Prices) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "charge",
        "amount": row["amount"],
        "amount_captured": row["amount"],
        "amount_refunded": row["amount_refunded"],
        "balance_transaction": "txn_" + row["id"][3:],
        "captured": True,
        "created": _ts(row["created"]),
        "currency": "usd",
        "customer": row["customer_id"],
        "description": "Subscription update",
        "failure_code": None,
        "failure_message": None,
        "invoice": row["invoice_id"],
        "livemode": False,
        "metadata": {},
        "outcome": {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": True,
        "payment_intent": row["payment_intent_id"],
        "refunded": row["amount_refunded"] >= row["amount"],
        "status": "succeeded",
    }


def _refund(row: dict[str, Any], prices: Prices) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "refund",
        "amount": row["amount"],
        "balance_transaction": "txn_" + row["id"][3:],
        "charge": row["charge_id"],
        "created": _ts(row["created"]),
        "currency": "usd",
        "metadata": {},
        "payment_intent": row["payment_intent_id"],
        "reason": row["reason"],
        "receipt_number": None,
        "status": "succeeded",
    }


@dataclass(frozen=True)
class Resource:
    """One list endpoint: ``/v1/<path>`` over ``src_stripe.<table>``."""

    path: str
    table: str
    noun: str  # Stripe's name in "No such <noun>" errors
    render: Callable[[dict[str, Any], Prices], dict[str, Any]]
    filters: tuple[tuple[str, str], ...] = ()  # query parameter → column
    statuses: tuple[str, ...] = ()  # the values its ``status`` filter accepts

    @property
    def deleted_event(self) -> str:
        """The event of a deletion (``customer.deleted``): an object whose latest version it is
        is gone from lists, and retrieving it answers Stripe's ``{"deleted": true}`` stub."""
        return f"{self.noun}.deleted"


RESOURCES: dict[str, Resource] = {
    r.table: r
    for r in (
        Resource("customers", "customers", "customer", _customer, (("email", "email"),)),
        Resource("products", "products", "product", _product),
        Resource("prices", "prices", "price", _price, (("product", "product_id"),)),
        Resource(
            "subscriptions",
            "subscriptions",
            "subscription",
            _subscription,
            (("customer", "customer_id"), ("price", "price_id")),
            SUBSCRIPTION_STATUSES,
        ),
        Resource(
            "invoices",
            "invoices",
            "invoice",
            _invoice,
            (("customer", "customer_id"), ("subscription", "subscription_id")),
            ("draft", "open", "paid", "uncollectible", "void"),
        ),
        Resource("charges", "charges", "charge", _charge, (("customer", "customer_id"),)),
        Resource("refunds", "refunds", "refund", _refund, (("charge", "charge_id"),)),
    )
}


# --- querying the world as of the clock -------------------------------------------------------
def _clock(store: WorldStore) -> datetime:
    now = store.clock()
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    return now


def _visible(table: str) -> str:
    """SQL for each object's latest version as of ``$clock``."""
    return f"""
        select * from {SCHEMA}.{table}
        where created <= $clock and _valid_from <= $clock
        qualify row_number() over (partition by id order by _valid_from desc, _version desc) = 1
    """


def _query(store: WorldStore, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """``store.query`` with only the named parameters ``sql`` uses: DuckDB refuses unused ones,
    and a list's filters are parameters its cursor lookup does not use."""
    used = set(re.findall(r"\$(\w+)", sql))
    return store.query(sql, {name: value for name, value in params.items() if name in used})


def _seconds(request: ApiRequest, name: str) -> datetime | None:
    raw = request.arg(name)
    if raw is None:
        return None
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        raise StripeError(400, f"Invalid integer: {raw}", name) from None


def _limit(request: ApiRequest) -> int:
    raw = request.arg("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(str(raw))
    except ValueError:
        raise StripeError(400, f"Invalid integer: {raw}", "limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise StripeError(
            400, f"This value must be between 1 and {MAX_LIMIT} (it currently is {limit}).", "limit"
        )
    return limit


_CREATED_OPS = {
    "created": "=",
    "created[gt]": ">",
    "created[gte]": ">=",
    "created[lt]": "<",
    "created[lte]": "<=",
}


def _page(
    store: WorldStore,
    request: ApiRequest,
    source_sql: str,
    conditions: list[str],
    params: dict[str, Any],
    noun: str,
) -> tuple[list[dict[str, Any]], bool]:
    """One page of ``source_sql`` rows, newest first, with Stripe's cursor and created filters."""
    limit = _limit(request)
    conditions = list(conditions)
    for name in request.query:
        if name.startswith("created[") and name not in _CREATED_OPS:
            raise StripeError(400, f"Received unknown parameter: {name}", name)
    for name, op in _CREATED_OPS.items():
        value = _seconds(request, name)
        if value is not None:
            key = "c_" + name.strip("]").replace("[", "_")
            conditions.append(f"created {op} ${key}")
            params[key] = value
    after, before = request.arg("starting_after"), request.arg("ending_before")
    if after and before:
        raise StripeError(
            400,
            "You may only specify one of these parameters: ending_before, starting_after.",
            "ending_before",
        )
    cursor_id = after or before
    if cursor_id:
        param = "starting_after" if after else "ending_before"
        found = _query(
            store,
            f"select created from ({source_sql}) where id = $cursor_id",
            {**params, "cursor_id": cursor_id},
        )
        if not found:
            raise StripeError(404, f"No such {noun}: '{cursor_id}'", param)
        params.update(cursor_id=cursor_id, cursor_created=found[0]["created"])
        cmp = "<" if after else ">"
        conditions.append(
            f"(created {cmp} $cursor_created"
            f" or (created = $cursor_created and id {cmp} $cursor_id))"
        )
    direction = "asc" if before else "desc"
    where = " and ".join(conditions) or "true"
    rows = _query(
        store,
        f"select * from ({source_sql}) where {where} "
        f"order by created {direction}, id {direction} limit {limit + 1}",
        params,
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    if direction == "asc":
        rows.reverse()
    return rows, has_more


def _prices(store: WorldStore, clock: datetime) -> Prices:
    return {row["id"]: _price(row) for row in store.query(_visible("prices"), {"clock": clock})}


def _status_conditions(
    request: ApiRequest, resource: Resource, params: dict[str, Any]
) -> list[str]:
    """The ``status`` filter: one of the resource's statuses (else Stripe's 400); subscriptions
    hide canceled ones unless asked, ``all`` shows every one, ``ended`` the hidden ones."""
    status = request.arg("status")
    if status is not None and status not in resource.statuses:
        raise StripeError(
            400, f"Invalid status: must be one of {', '.join(resource.statuses)}", "status"
        )
    if resource.table == "subscriptions" and status in (None, "ended"):
        params["hidden"] = list(HIDDEN_BY_DEFAULT)
        return ["status not in $hidden" if status is None else "status in $hidden"]
    if status is None or status == "all":
        return []
    params["status"] = status
    return ["status = $status"]


def _list_handler(resource: Resource) -> Callable[[ApiRequest, WorldStore], ApiResponse]:
    def handle(request: ApiRequest, store: WorldStore) -> ApiResponse:
        clock = _clock(store)
        params: dict[str, Any] = {"clock": clock}
        conditions = ["_event_type <> $deleted_event"]
        params["deleted_event"] = resource.deleted_event
        for arg, column in resource.filters:
            if request.arg(arg) is not None:
                conditions.append(f"{column} = ${arg}")
                params[arg] = request.arg(arg)
        conditions.extend(_status_conditions(request, resource, params))
        rows, has_more = _page(
            store, request, _visible(resource.table), conditions, params, resource.noun
        )
        prices = _prices(store, clock)
        data = [resource.render(row, prices) for row in rows]
        return ApiResponse(body=_list(f"/v1/{resource.path}", data, has_more), rows=len(data))

    return handle


def _one(store: WorldStore, table: str, object_id: str, noun: str) -> dict[str, Any]:
    rows = store.query(
        f"select * from ({_visible(table)}) where id = $id",
        {"clock": _clock(store), "id": object_id},
    )
    if not rows:
        raise StripeError(404, f"No such {noun}: '{object_id}'", "id")
    return rows[0]


def _retrieve_handler(resource: Resource) -> Callable[[ApiRequest, WorldStore], ApiResponse]:
    def handle(request: ApiRequest, store: WorldStore) -> ApiResponse:
        row = _one(store, resource.table, request.path_params["id"], resource.noun)
        if row["_event_type"] == resource.deleted_event:
            return ApiResponse(
                body={"id": row["id"], "object": resource.noun, "deleted": True}, rows=1
            )
        return ApiResponse(body=resource.render(row, _prices(store, _clock(store))), rows=1)

    return handle


def _subscription_items(request: ApiRequest, store: WorldStore) -> ApiResponse:
    subscription = request.arg("subscription")
    if not subscription:
        raise StripeError(400, "Missing required param: subscription.", "subscription")
    row = _one(store, "subscriptions", subscription, "subscription")
    item = _subscription_item(row, _prices(store, _clock(store)))
    url = f"/v1/subscription_items?subscription={subscription}"
    return ApiResponse(body=_list(url, [item]), rows=1)


def _invoice_lines(request: ApiRequest, store: WorldStore) -> ApiResponse:
    row = _one(store, "invoices", request.path_params["id"], "invoice")
    line = _line(row, _prices(store, _clock(store)))
    return ApiResponse(body=_list(f"/v1/invoices/{row['id']}/lines", [line]), rows=1)


def _events(request: ApiRequest, store: WorldStore) -> ApiResponse:
    clock = _clock(store)
    params: dict[str, Any] = {"clock": clock}
    conditions = []
    kind = request.arg("type")
    if kind:
        # Only ``*`` is a wildcard: LIKE's own ``%``, ``_`` and the escape are literal.
        literal = kind.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append("type like $type_pattern escape '\\'")
        params["type_pattern"] = literal.replace("*", "%")
    kinds = request.args("types[]")
    if kinds:
        conditions.append("list_contains($types, type)")
        params["types"] = kinds
    source_sql = f"select * from {SCHEMA}.events where created <= $clock"
    rows, has_more = _page(store, request, source_sql, conditions, params, "event")
    prices = _prices(store, clock)
    objects: dict[tuple[str, int], dict[str, Any]] = {}
    for table in {row["object_table"] for row in rows}:
        keys = [
            f"{r['object_id']}:{r['object_version']}" for r in rows if r["object_table"] == table
        ]
        for version in store.query(
            f"select * from {SCHEMA}.{table}"
            " where list_contains($keys, id || ':' || _version::varchar)",
            {"keys": keys},
        ):
            objects[(version["id"], version["_version"])] = RESOURCES[table].render(version, prices)
    data = [
        {
            "id": row["id"],
            "object": "event",
            "api_version": API_VERSION,
            "created": _ts(row["created"]),
            "data": {"object": objects[(row["object_id"], row["object_version"])]},
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": None, "idempotency_key": None},
            "type": row["type"],
        }
        for row in rows
    ]
    return ApiResponse(body=_list("/v1/events", data, has_more), rows=len(data))


def _guarded(handler: Handler) -> Handler:
    """Turn a handler's StripeError into Stripe's error body with its status."""
    return guarded(handler, StripeError, lambda exc: _error(exc.status, str(exc), exc.param))


class StripeApi(FakeApi):
    name = "stripe"
    rate_limit = RateLimit(requests=100, per_seconds=1.0)

    def routes(self) -> list[Route]:
        routes = [
            Route("GET", r"/v1/events", _guarded(_events)),
            Route("GET", r"/v1/subscription_items", _guarded(_subscription_items)),
            Route("GET", r"/v1/invoices/(?P<id>[^/]+)/lines", _guarded(_invoice_lines)),
        ]
        for resource in RESOURCES.values():
            routes.append(Route("GET", rf"/v1/{resource.path}", _guarded(_list_handler(resource))))
            routes.append(
                Route(
                    "GET",
                    rf"/v1/{resource.path}/(?P<id>[^/]+)",
                    _guarded(_retrieve_handler(resource)),
                )
            )
        return routes

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        """Stripe takes the secret key as a Bearer token or as the Basic-auth user name."""
        token = bearer_token(request)
        if token is None:
            basic = basic_credential(request)
            token = None if basic is None else basic.partition(":")[0]
        return token == credential

    def error(self, status: int, message: str) -> ApiResponse:
        if status == 401:
            message = (
                "You did not provide a valid API key. Provide your secret key as a Bearer "
                f"token (Authorization: Bearer sk_...). ({message})"
            )
        return _error(status, message)


API = StripeApi()
