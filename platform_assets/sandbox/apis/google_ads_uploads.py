"""Offline click conversions uploaded to the Google Ads fake (``ConversionUploadService``).

``POST /v17/customers/{customer_id}:uploadClickConversions`` with ``{"conversions": [{"gclid",
"conversionAction": "customers/{id}/conversionActions/{action_id}", "conversionDateTime":
"yyyy-mm-dd hh:mm:ss+00:00", "conversionValue", "currencyCode", "orderId"?}], "partialFailure":
true, "validateOnly": bool}``, as the real method:

- the whole request is refused (400 ``GoogleAdsFailure``) for more than 2,000 conversions
  (``TOO_MANY_CONVERSIONS_IN_REQUEST``) or without ``partialFailure: true``
  (``PARTIAL_FAILURE_MODE_REQUIRED``: Google requires partial failure for this method);
- otherwise each conversion stands alone: the answer has one ``results`` entry per conversion
  (``{"gclid", "conversionAction", "conversionDateTime"}``, ``{}`` for a failed one) and a
  ``partialFailureError`` (``code`` 3) whose ``GoogleAdsFailure`` errors name each failed
  conversion by ``location.fieldPathElements`` (``conversions``, ``index``).

Per-conversion errors (``conversionUploadError``, v17 names): ``NO_CONVERSION_ACTION_FOUND`` (not
one of :data:`CONVERSION_ACTIONS` of this customer), ``UNPARSEABLE_GCLID`` (not gclid-shaped),
``EVENT_NOT_FOUND`` (a well-formed gclid with no click in ``src_google_ads.click_view`` by the
world clock), ``CONVERSION_PRECEDES_EVENT``, ``EXPIRED_EVENT`` (the click is older than the
action's click-through window), ``TOO_RECENT_EVENT`` (the click is under 6 hours old at the
clock: Google asks to retry later), ``CLICK_CONVERSION_ALREADY_EXISTS`` (same gclid, action and
conversion time uploaded before) and ``DUPLICATE_CLICK_CONVERSION_IN_REQUEST``; a malformed
``conversionDateTime`` is a ``dateError``.

``validateOnly: true`` runs the same checks and stores nothing (no ``results``, like the real
one; request log ``written`` empty). Uploads are stored in
``destinations.google_ads_click_conversions``; ``written`` holds ``gclid|action_id|utc time`` of
each conversion stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from platform_assets.sandbox.fakeapi import ApiRequest, ApiResponse
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.google_ads import SCHEMA

MAX_CONVERSIONS = 2_000
TOO_RECENT = timedelta(hours=6)


@dataclass(frozen=True)
class ConversionAction:
    id: int
    name: str
    type: str
    category: str
    click_through_lookback_window_days: int


CONVERSION_ACTIONS = {
    9001: ConversionAction(9001, "Marketing qualified lead", "UPLOAD_CLICKS", "QUALIFIED_LEAD", 90),
}
"""The account's conversion actions that take uploads (also served by GAQL
``conversion_action``)."""

CONVERSION_ACTIONS_SQL = (
    "select {cols} from (values "
    + ", ".join(
        f"({a.id}, '{a.name}', 'ENABLED', '{a.type}', '{a.category}', "
        f"{a.click_through_lookback_window_days})"
        for a in CONVERSION_ACTIONS.values()
    )
    + ") as t(id, name, status, type, category, click_through_lookback_window_days) order by id"
)
"""The GAQL ``conversion_action`` resource's rows (a Google Ads ``Resource`` sql)."""

_GCLID = re.compile(r"^[A-Za-z0-9_-]{20,200}$")
_ACTION = re.compile(r"^customers/(\d+)/conversionActions/(\d+)$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
_TABLE = """
    create table if not exists destinations.google_ads_click_conversions (
        customer_id bigint, gclid varchar, conversion_action_id bigint,
        conversion_date_time varchar, converted_at timestamp, conversion_value double,
        currency_code varchar, order_id varchar, uploaded_at timestamp,
        primary key (customer_id, gclid, conversion_action_id, converted_at))
"""

ErrorResponse = Callable[[int, str, dict[str, str]], ApiResponse]


class UploadRefused(ValueError):
    """A conversion the API refuses: its errorCode and message."""

    def __init__(self, code: dict[str, str], message: str) -> None:
        super().__init__(message)
        self.code = code


def _upload_error(code: str, message: str) -> UploadRefused:
    return UploadRefused({"conversionUploadError": code}, message)


def _converted_at(raw: Any) -> datetime:
    """``yyyy-mm-dd hh:mm:ss+hh:mm`` → naive UTC."""
    if not isinstance(raw, str) or not _DATE_TIME.match(raw):
        raise UploadRefused(
            {"dateError": "INVALID_FIELD_VALUES_IN_DATE_TIME"},
            f"conversion_date_time {raw!r} is not yyyy-mm-dd hh:mm:ss+|-hh:mm.",
        )
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise UploadRefused(
            {"dateError": "INVALID_FIELD_VALUES_IN_DATE_TIME"},
            f"conversion_date_time {raw!r} is not a valid date time.",
        ) from None
    return parsed.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class _Conversion:
    gclid: str
    action: ConversionAction
    converted_at: datetime  # naive UTC, whole seconds
    raw: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.gclid}|{self.action.id}|{self.converted_at:%Y-%m-%d %H:%M:%S}"


class ClickConversionUploads:
    """The upload handler; ``error`` is the API's own whole-request error (GoogleAdsFailure)
    and ``failure_type`` the ``@type`` of the failure details of its version."""

    def __init__(self, error: ErrorResponse, failure_type: str) -> None:
        self.error = error
        self.failure_type = failure_type

    def upload(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        try:
            body = request.json() or {}
        except json.JSONDecodeError:
            return self.error(400, "Request body is not JSON.", {"requestError": "BAD_REQUEST"})
        conversions = body.get("conversions")
        if not isinstance(conversions, list) or not conversions:
            return self.error(400, "conversions is required.", {"fieldError": "REQUIRED"})
        if len(conversions) > MAX_CONVERSIONS:
            return self.error(
                400,
                f"Upload fewer than {MAX_CONVERSIONS + 1} events in a single request.",
                {"conversionUploadError": "TOO_MANY_CONVERSIONS_IN_REQUEST"},
            )
        if body.get("partialFailure") is not True:
            return self.error(
                400,
                "The partial failure field was false in the request. This method requires this "
                "field be set to true.",
                {"partialFailureError": "PARTIAL_FAILURE_MODE_REQUIRED"},
            )
        validate_only = bool(body.get("validateOnly"))
        customer = int(request.path_params["customer_id"])
        clock = store.clock()
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        failed: list[int] = []
        accepted: list[str] = []  # keys of the conversions that pass (stored unless validating)
        with store.writing() as cur:
            cur.execute(_TABLE)
            clicks = self._clicks(cur, conversions, clock)
            stored = self._stored(cur, customer, conversions)
            for index, raw in enumerate(conversions):
                try:
                    conversion = self._check(customer, raw, clicks, clock)
                    if conversion.key in stored:
                        raise _upload_error(
                            "CLICK_CONVERSION_ALREADY_EXISTS",
                            "The imported event has the same click and conversion_date_time as "
                            "an existing conversion.",
                        )
                    if conversion.key in accepted:
                        raise _upload_error(
                            "DUPLICATE_CLICK_CONVERSION_IN_REQUEST",
                            "The request contains this click and conversion_date_time twice.",
                        )
                except UploadRefused as exc:
                    failed.append(index)
                    errors.append(self._located(index, exc))
                    results.append({})
                    continue
                results.append(
                    {key: raw[key] for key in ("gclid", "conversionAction", "conversionDateTime")}
                )
                accepted.append(conversion.key)
                if not validate_only:
                    self._store(cur, customer, conversion, clock)
        answer: dict[str, Any] = {}
        if errors:
            answer["partialFailureError"] = {
                "code": 3,
                "message": ", ".join(
                    f"{error['message']} at conversions[{index}]"
                    for index, error in zip(failed, errors, strict=True)
                ),
                "details": [{"@type": self.failure_type, "errors": errors}],
            }
        if validate_only:
            return ApiResponse(body=answer)
        return ApiResponse(body={"results": results, **answer}, written=tuple(accepted))

    @staticmethod
    def _located(index: int, exc: UploadRefused) -> dict[str, Any]:
        return {
            "errorCode": exc.code,
            "message": str(exc),
            "location": {"fieldPathElements": [{"fieldName": "conversions", "index": index}]},
        }

    @staticmethod
    def _clicks(
        cur: duckdb.DuckDBPyConnection, conversions: list[Any], clock: datetime
    ) -> dict[str, datetime]:
        """When each gclid of the request was clicked (whole seconds), for clicks by the clock."""
        gclids = [c.get("gclid") for c in conversions if isinstance(c, dict)]
        rows = cur.execute(
            f"""
            select gclid, date_trunc('second', clicked_at) from {SCHEMA}.click_view
            where gclid in (select unnest($gclids)) and clicked_at <= $clock
            """,
            {"gclids": [g for g in gclids if isinstance(g, str)], "clock": clock},
        ).fetchall()
        return dict(rows)

    @staticmethod
    def _stored(cur: duckdb.DuckDBPyConnection, customer: int, conversions: list[Any]) -> set[str]:
        """The keys of this customer's conversions already uploaded for the request's gclids."""
        gclids = [c.get("gclid") for c in conversions if isinstance(c, dict)]
        rows = cur.execute(
            """
            select gclid || '|' || conversion_action_id || '|'
                || strftime(converted_at, '%Y-%m-%d %H:%M:%S')
            from destinations.google_ads_click_conversions
            where customer_id = $customer and gclid in (select unnest($gclids))
            """,
            {"customer": customer, "gclids": [g for g in gclids if isinstance(g, str)]},
        ).fetchall()
        return {row[0] for row in rows}

    @staticmethod
    def _check(
        customer: int, raw: Any, clicks: dict[str, datetime], clock: datetime
    ) -> _Conversion:
        """The conversion, or the UploadRefused the real API answers for it."""
        if not isinstance(raw, dict):
            raise UploadRefused({"requestError": "BAD_REQUEST"}, "A conversion must be an object.")
        matched = _ACTION.match(str(raw.get("conversionAction") or ""))
        action = CONVERSION_ACTIONS.get(int(matched[2])) if matched else None
        if action is None or int(matched[1]) != customer:
            raise _upload_error(
                "NO_CONVERSION_ACTION_FOUND",
                "The conversion action specified in the upload request cannot be found. Make "
                "sure it's available in this account.",
            )
        gclid = raw.get("gclid")
        if not isinstance(gclid, str) or not _GCLID.match(gclid):
            raise _upload_error("UNPARSEABLE_GCLID", "The imported gclid could not be decoded.")
        converted_at = _converted_at(raw.get("conversionDateTime"))
        clicked_at = clicks.get(gclid)
        if clicked_at is None:
            raise _upload_error(
                "EVENT_NOT_FOUND",
                "The click associated with the given identifier or iOS URL parameter can't be "
                "found.",
            )
        if converted_at < clicked_at:
            raise _upload_error(
                "CONVERSION_PRECEDES_EVENT",
                "The imported event has a conversion_date_time that precedes the click.",
            )
        if converted_at - clicked_at > timedelta(days=action.click_through_lookback_window_days):
            raise _upload_error(
                "EXPIRED_EVENT",
                "The imported event can't be recorded because its click occurred before this "
                "conversion's click-through window.",
            )
        if clock - clicked_at < TOO_RECENT:
            raise _upload_error(
                "TOO_RECENT_EVENT",
                "The click associated with the given identifier occurred less than 6 hours ago; "
                "retry after 6 hours have passed.",
            )
        return _Conversion(gclid, action, converted_at, raw)

    @staticmethod
    def _store(
        cur: duckdb.DuckDBPyConnection, customer: int, conversion: _Conversion, clock: datetime
    ) -> None:
        raw = conversion.raw
        cur.execute(
            "insert into destinations.google_ads_click_conversions values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [customer, conversion.gclid, conversion.action.id, raw["conversionDateTime"],
             conversion.converted_at, raw.get("conversionValue"), raw.get("currencyCode"),
             raw.get("orderId"), clock],
        )  # fmt: skip
