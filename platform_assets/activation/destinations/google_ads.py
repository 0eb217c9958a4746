"""Google Ads offline click conversions as a reverse-ETL destination (insert only).

A conversion that happened outside Google Ads (a lead qualified in the CRM) is uploaded against
the click that started it (its gclid) with ``customers/{customer_id}:uploadClickConversions``:
at most 2,000 conversions a request, ``partialFailure: true`` (the method requires it), so the
answer has one result per conversion and a ``partialFailureError`` naming each failed one by
its index. :meth:`GoogleAdsClickConversions.validate` sends the same request with
``validateOnly: true`` (nothing is stored), which is how a dry run predicts the outcomes.

Options (the sync's ``destination_options``, both required): ``customer_id`` (the Google Ads
account, digits, dashes allowed) and ``conversion_action`` (its id, or the resource name
``customers/{customer_id}/conversionActions/{id}``); ``login_customer_id`` (a manager account
the credential acts through) is optional.

Outcomes: a conversion with no error is accepted. ``CLICK_CONVERSION_ALREADY_EXISTS`` is accepted
too: the conversion is there (a replay after a lost answer or a reset snapshot is idempotent).
``TOO_RECENT_EVENT`` / ``TOO_RECENT_CONVERSION_ACTION`` are retriable (Google asks to retry after
6 hours). Everything else (``UNPARSEABLE_GCLID``, ``EVENT_NOT_FOUND``, ``EXPIRED_EVENT``,
``CONVERSION_PRECEDES_EVENT``, ``NO_CONVERSION_ACTION_FOUND``, ...) is permanent: a gclid Google
cannot find in the first hours after the click may still appear, but clicks are hours old by the
time a CRM qualifies their lead, so treating it as permanent keeps the retry queue honest.
Offline conversions cannot be updated, so upsert is sent as insert. Auth: ``Authorization:
Bearer`` plus the ``developer-token`` header, as the Google Ads ingestion sends them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
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
from platform_assets.activation.http import Clock, DestinationUnavailable, HttpClient, RateLimit
from platform_assets.settings import Settings

API_VERSION = "v17"
RATE_LIMIT = RateLimit(requests=15_000, per_seconds=86_400.0)
"""Basic access: 15,000 operations a day."""
MAX_CONVERSIONS = 2_000
FIELDS = {
    "gclid": "gclid",
    "conversion_date_time": "conversionDateTime",
    "conversion_value": "conversionValue",
    "currency_code": "currencyCode",
    "order_id": "orderId",
}
"""Mapped field → ClickConversion field."""
REQUIRED_FIELDS = ("gclid", "conversion_date_time")
ALREADY_THERE = frozenset({"CLICK_CONVERSION_ALREADY_EXISTS"})
RETRIABLE = frozenset({"TOO_RECENT_EVENT", "TOO_RECENT_CONVERSION_ACTION"})
_ACTION = re.compile(r"^customers/(\d+)/conversionActions/(\d+)$")


def conversion_date_time(value: Any) -> str:
    """Google's ``yyyy-mm-dd hh:mm:ss+00:00``; a naive datetime is UTC, a date its midnight."""
    if isinstance(value, datetime):
        utc = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        return f"{utc:%Y-%m-%d %H:%M:%S}+00:00"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d} 00:00:00+00:00"
    return str(value)


def click_conversion(fields: Mapping[str, Any], action: str) -> dict[str, Any]:
    """One ClickConversion of the request (None values left out)."""
    conversion: dict[str, Any] = {"conversionAction": action}
    for name, value in fields.items():
        if value is None:
            continue
        if name == "conversion_date_time":
            value = conversion_date_time(value)
        elif isinstance(value, Decimal):
            value = float(value)
        conversion[FIELDS[name]] = value
    return conversion


def failures_by_index(body: Mapping[str, Any]) -> dict[int, list[tuple[str, str]]]:
    """``partialFailureError`` → {conversion index: [(error code, message)]}. An error without
    a conversion index spoils the whole request: :class:`BatchRejected`."""
    failures: dict[int, list[tuple[str, str]]] = {}
    for detail in (body.get("partialFailureError") or {}).get("details", []):
        for error in detail.get("errors", []):
            code = next(iter((error.get("errorCode") or {}).values()), "UNKNOWN")
            elements = (error.get("location") or {}).get("fieldPathElements", [])
            index = next(
                (e.get("index") for e in elements if e.get("fieldName") == "conversions"), None
            )
            if index is None:
                raise BatchRejected(
                    f"Google Ads refused the upload: {code}: {error.get('message')}"
                )
            failures.setdefault(int(index), []).append((code, str(error.get("message", ""))))
    return failures


def _describe(response: requests.Response) -> str:
    """The GoogleAdsFailure errors of a refused request (or its raw text)."""
    try:
        error = response.json()["error"]
        details = [
            f"{next(iter(e['errorCode'].values()))}: {e.get('message', '')}"
            for d in error.get("details", [])
            for e in d.get("errors", [])
        ]
        return "; ".join(details) or error.get("message", "")
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration):
        return response.text[:300]


class GoogleAdsClickConversions(Destination):
    """Offline click conversions of one customer, to one conversion action."""

    name = "google_ads"
    max_batch_size = MAX_CONVERSIONS
    rate_limit = RATE_LIMIT
    operations = frozenset({Operation.INSERT, Operation.UPSERT})

    def __init__(self, http: HttpClient, customer_id: str, conversion_action: str) -> None:
        super().__init__("click_conversions")
        self.http = http
        self.customer_id = customer_id
        self.conversion_action = conversion_action

    def send(self, operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        return self._upload(operation, records, validate_only=False)

    def validate(self, operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        return self._upload(operation, records, validate_only=True)

    def _upload(
        self, operation: Operation, records: Sequence[Record], validate_only: bool
    ) -> list[Outcome]:
        if operation not in self.operations:
            raise DestinationConfigError(
                f"google_ads click_conversions can only be inserted, not {operation}"
            )
        body = {
            "conversions": [click_conversion(r.fields, self.conversion_action) for r in records],
            "partialFailure": True,
            "validateOnly": validate_only,
        }
        path = f"/{API_VERSION}/customers/{self.customer_id}:uploadClickConversions"
        answer = self._checked(self.http.request("POST", path, json=body)).json()
        failures = failures_by_index(answer)
        results = answer.get("results")
        outcomes = []
        for index, record in enumerate(records):
            errors = failures.get(index, [])
            codes = {code for code, _ in errors}
            if errors and codes <= ALREADY_THERE:
                outcomes.append(Outcome.accepted(record.key))
            elif errors:
                message = "; ".join(f"{code}: {text}" for code, text in errors)
                outcomes.append(Outcome.rejected(record.key, message, codes <= RETRIABLE))
            elif validate_only or (results is not None and index < len(results) and results[index]):
                outcomes.append(Outcome.accepted(record.key))
            else:
                outcomes.append(
                    Outcome.rejected(record.key, "not confirmed by Google Ads", retriable=True)
                )
        return outcomes

    def _checked(self, response: requests.Response) -> requests.Response:
        if response.ok:
            return response
        message = f"Google Ads answered HTTP {response.status_code}: {_describe(response)}"
        if response.status_code in (401, 403, 404):
            raise DestinationConfigError(
                f"{message} (customer {self.customer_id}; check the credential, developer token "
                "and customer_id)"
            )
        if response.status_code == 400:
            raise BatchRejected(message)
        raise DestinationUnavailable(message)

    def check_fields(self, fields: Sequence[str]) -> None:
        """Mapped fields must be ClickConversion fields (gclid and conversion_date_time
        required), and the conversion action must exist in the account."""
        unknown = [f for f in fields if f not in FIELDS]
        missing = [f for f in REQUIRED_FIELDS if f not in fields]
        if unknown or missing:
            raise DestinationConfigError(
                "google_ads click_conversions: "
                + (f"unknown field(s) {', '.join(unknown)}; " if unknown else "")
                + (f"missing required {', '.join(missing)}; " if missing else "")
                + f"fields are {', '.join(FIELDS)}"
            )
        action_id = self.conversion_action.rsplit("/", 1)[1]
        query = (
            "SELECT conversion_action.id, conversion_action.status FROM conversion_action "
            f"WHERE conversion_action.id = {action_id}"
        )
        path = f"/{API_VERSION}/customers/{self.customer_id}/googleAds:search"
        found = self._checked(self.http.request("POST", path, json={"query": query})).json()
        if not found.get("results"):
            raise DestinationConfigError(
                f"google_ads customer {self.customer_id} has no conversion action {action_id} "
                "(destination_options.conversion_action)"
            )

    def close(self) -> None:
        self.http.close()


def _digits(name: str, value: Any) -> str:
    digits = str(value).replace("-", "")
    if not digits.isdigit():
        raise DestinationConfigError(
            f"google_ads destination_options.{name}={value!r} must be a customer id (digits)"
        )
    return digits


def connect(
    object_name: str, settings: Settings, options: dict, clock: Clock
) -> GoogleAdsClickConversions:
    """The click conversions client for ``options`` (``customer_id``, ``conversion_action``,
    optional ``login_customer_id``)."""
    if object_name != "click_conversions":
        raise DestinationConfigError(
            f"google_ads has no object {object_name!r}; reverse ETL writes 'click_conversions'"
        )
    unknown = sorted(set(options) - {"customer_id", "conversion_action", "login_customer_id"})
    missing = [name for name in ("customer_id", "conversion_action") if not options.get(name)]
    if unknown or missing:
        raise DestinationConfigError(
            "google_ads click_conversions destination_options: "
            + (f"unknown {', '.join(unknown)}; " if unknown else "")
            + (f"missing {', '.join(missing)}; " if missing else "")
            + "takes customer_id, conversion_action and optionally login_customer_id"
        )
    customer_id = _digits("customer_id", options["customer_id"])
    action = str(options["conversion_action"])
    if action.isdigit():
        action = f"customers/{customer_id}/conversionActions/{action}"
    matched = _ACTION.match(action)
    if matched is None or matched[1] != customer_id:
        raise DestinationConfigError(
            f"google_ads destination_options.conversion_action={options['conversion_action']!r} "
            f"must be an id or customers/{customer_id}/conversionActions/<id>"
        )
    headers = {
        "Authorization": f"Bearer {settings.credential('google_ads')}",
        "developer-token": settings.google_ads_developer_token,
    }
    if options.get("login_customer_id"):
        headers["login-customer-id"] = _digits("login_customer_id", options["login_customer_id"])
    http = HttpClient(
        settings.api_url("google_ads"), headers=headers, rate_limit=RATE_LIMIT, clock=clock
    )
    return GoogleAdsClickConversions(http, customer_id, action)
