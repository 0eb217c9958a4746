"""A fake of the Facebook Marketing API (Graph API v19.0-style), serving ``src_facebook_ads``.

- ``GET /v19.0/me/adaccounts``: the ad accounts the token can read.
- ``GET /v19.0/act_{id}/campaigns|adsets|ads|adcreatives``: objects created by the world clock,
  each in its latest version by then (``updated_time`` = that version's start). ``fields``
  (comma list; ``creative{id,url_tags}`` expands the ad's creative like the real API; only
  ``id`` by default), ``filtering`` (JSON list of ``{"field", "operator", "value"}``:
  GREATER_THAN/LESS_THAN over ``updated_time``/``created_time`` in unix seconds, IN/EQUAL over
  ``id``/``effective_status``; anything else is Graph's 400), ``limit`` (default 25) and the
  ``after`` cursor.
- ``GET /v19.0/act_{id}/insights``: ``level=ad|account``, ``time_increment=1|all_days``,
  ``time_range={"since","until"}`` or ``date_preset=maximum|yesterday``, ``fields``. Only
  complete days (before the clock's day) are reported; numbers come back as strings, ``actions``
  as ``[{"action_type", "value"}]``, every row with ``date_start``/``date_stop``. A day's pixel
  registrations count the conversions of its clicks that happened by the clock, so recent days
  are restated as they come in (28-day click attribution).

Pages are ``{"data": [...], "paging": {"cursors": {"before", "after"}, "next"}}`` with ``next``
only when there is more. Auth is the ``access_token`` query parameter (or a bearer header);
errors are Graph's ``{"error": {"message", "type", "code", "fbtrace_id"}}``; throttling answers
like Graph's ads-management limit (development tier: 600 calls per 300 s): HTTP 400, error code
80004 and an ``X-Business-Use-Case-Usage`` header with ``estimated_time_to_regain_access``.
``rows`` counts ad-level records; account-level insights (what a connector asks to learn the
last complete day) land in no table and count 0.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import json
import math
import re
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from platform_assets.sandbox.fakeapi import (
    ApiRequest,
    ApiResponse,
    FakeApi,
    Handler,
    Owner,
    RateLimit,
    Route,
    bearer_token,
    guarded,
)
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.facebook_ads import ACCOUNT_ID, SCHEMA

DEFAULT_LIMIT = 25
MAX_LIMIT = 5000
_VERSION = r"/v\d+\.\d+"

# Graph object edge → (projection table, fields it serves). Timestamps are ISO with +0000.
_OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "campaigns": (
        "campaigns",
        ("id", "account_id", "name", "objective", "status", "effective_status",
         "daily_budget", "created_time", "start_time", "stop_time", "updated_time"),
    ),
    "adsets": (
        "adsets",
        ("id", "account_id", "campaign_id", "name", "status", "effective_status",
         "bid_strategy", "created_time", "start_time", "end_time", "updated_time"),
    ),
    "ads": (
        "ads",
        ("id", "account_id", "campaign_id", "adset_id", "name", "status", "effective_status",
         "created_time", "updated_time", "creative"),
    ),
    "adcreatives": (
        "adcreatives",
        ("id", "account_id", "name", "title", "body", "link_url", "url_tags", "object_type",
         "status"),
    ),
}  # fmt: skip
_CREATIVE_FIELDS = _OBJECTS["adcreatives"][1]
_NODE_TYPES = {"campaigns": "Campaign", "adsets": "AdSet", "ads": "Ad", "adcreatives": "AdCreative"}
_INSIGHT_FIELDS = (
    "account_id", "account_name", "campaign_id", "campaign_name", "adset_id", "adset_name",
    "ad_id", "ad_name", "impressions", "inline_link_clicks", "spend", "reach", "frequency",
    "actions", "date_start", "date_stop",
)  # fmt: skip
_DEFAULT_INSIGHT_FIELDS = ("account_id", "impressions", "spend")
_ERRORS = {  # status → (code, type, message prefix)
    400: (100, "OAuthException", "(#100) "),
    401: (190, "OAuthException", "Invalid OAuth access token - "),
    404: (803, "OAuthException", "(#803) "),
    429: (80004, "OAuthException", "(#80004) There have been too many calls to this ad-account. "),
}


class GraphError(ValueError):
    """A request the Graph API refuses with 400 and error code 100."""


class FacebookAdsApi(FakeApi):
    name = "facebook_ads"
    rate_limit = RateLimit(requests=600, per_seconds=300)

    def routes(self) -> list[Route]:
        account = rf"{_VERSION}/act_(?P<account_id>\d+)"
        return [
            Route("GET", rf"{_VERSION}/me/adaccounts", self._guard(_adaccounts)),
            Route("GET", rf"{account}/insights", self._guard(_insights)),
            Route("GET", rf"{account}/(?P<edge>campaigns|adsets|ads|adcreatives)",
                  self._guard(_objects)),
        ]  # fmt: skip

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        return credential in (request.arg("access_token"), bearer_token(request))

    def error(self, status: int, message: str) -> ApiResponse:
        code, kind, prefix = _ERRORS.get(status, (2, "OAuthException", ""))
        trace = base64.b64encode(hashlib.md5(message.encode()).digest()).decode()[:11]
        body = {"error": {"message": prefix + message, "type": kind, "code": code,
                          "fbtrace_id": trace}}  # fmt: skip
        if status >= 500:
            body["error"]["is_transient"] = True
        return ApiResponse(status=status, body=body)

    def throttled(self, retry_after: int) -> ApiResponse:
        """Graph's throttling: HTTP 400 with error code 80004 (too many calls to the ad account)
        and the ``X-Business-Use-Case-Usage`` header, whose ``estimated_time_to_regain_access``
        says in whole minutes when to come back; no 429, no Retry-After."""
        response = self.error(400, "")
        response.body["error"] |= {
            "message": "(#80004) There have been too many calls to this ad-account. Wait a bit "
            "and try again.",
            "code": 80004,
            "error_subcode": 2446079,
            "is_transient": True,
        }
        usage = {
            str(ACCOUNT_ID): [
                {"type": "ads_management", "call_count": 100, "total_cputime": 25,
                 "total_time": 25, "estimated_time_to_regain_access": math.ceil(retry_after / 60)}
            ]
        }  # fmt: skip
        response.headers["X-Business-Use-Case-Usage"] = json.dumps(usage)
        return response

    def _guard(self, handler: Handler) -> Handler:
        """Turn a refused parameter into Graph's 400, and an unknown account into its 404."""
        account = Owner(
            "account_id",
            f"select 1 from {SCHEMA}.account where account_id = ?",
            lambda account_id: self.error(
                404, f"Some of the aliases you requested do not exist: act_{account_id}"
            ),
        )
        return guarded(handler, GraphError, lambda exc: self.error(400, str(exc)), account)


API = FacebookAdsApi()


# --- formatting ----------------------------------------------------------------------------------
def graph_time(value: datetime | None) -> str | None:
    """Graph's timestamp format: ``2026-01-05T10:00:00+0000``."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _text(value: Any) -> Any:
    """Graph sends ids and numbers as strings, datetimes in its format, nulls omitted upstream."""
    if isinstance(value, datetime):
        return graph_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))
    return None if value is None else str(value)


def parse_fields(raw: str | None, default: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """``id,name,creative{id,url_tags}`` → ``[("id", []), ("name", []), ("creative", [...])]``."""
    if not raw:
        return [(name, []) for name in default]
    fields = []
    for match in re.finditer(r"([a-z_]+)(?:\{([^}]*)\})?", raw):
        sub = [s.strip() for s in (match.group(2) or "").split(",") if s.strip()]
        fields.append((match.group(1), sub))
    return fields


# --- paging ---------------------------------------------------------------------------------------
def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        raise GraphError(f"Invalid cursor: {cursor}") from None


def page(request: ApiRequest, rows: list[dict[str, Any]], counted: bool = True) -> ApiResponse:
    """One page of ``rows`` after the ``after`` cursor, with Graph's paging block."""
    try:
        limit = min(int(request.arg("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    except ValueError:
        raise GraphError(f"Param limit must be an integer: {request.arg('limit')}") from None
    start = _offset(request.arg("after"))
    data = rows[start : start + limit]
    body: dict[str, Any] = {"data": data}
    if data:
        body["paging"] = {
            "cursors": {"before": _cursor(start), "after": _cursor(start + len(data))}
        }
        if start + len(data) < len(rows):
            query = {k: v[0] for k, v in request.query.items()} | {
                "after": _cursor(start + len(data))
            }
            host = request.headers.get("host", "127.0.0.1")
            body["paging"]["next"] = f"http://{host}/{API.name}{request.path}?{urlencode(query)}"
    return ApiResponse(body=body, rows=len(data) if counted else 0)


# --- handlers -------------------------------------------------------------------------------------
def _adaccounts(request: ApiRequest, store: WorldStore) -> ApiResponse:
    rows = store.query(f"select account_id, name, currency, timezone_name from {SCHEMA}.account")
    data = [{"id": f"act_{r['account_id']}", **{k: _text(v) for k, v in r.items()}} for r in rows]
    return page(request, data, counted=False)


def _latest(store: WorldStore, table: str, clock: datetime) -> list[dict[str, Any]]:
    """Each object's latest version by ``clock``; ``updated_time`` is when that version began.
    Creatives have no versions (the real API reports no update time for them either)."""
    if table == "adcreatives":
        return store.query(
            f"select * from {SCHEMA}.{table} where created_time <= ? order by id", [clock]
        )
    return store.query(
        f"""
        select * exclude (_valid_from, _version), _valid_from as updated_time,
            status as effective_status,
        from {SCHEMA}.{table}
        where created_time <= ? and _valid_from <= ?
        qualify row_number() over (partition by id order by _valid_from desc, _version desc) = 1
        order by id
        """,
        [clock, clock],
    )


_TIME_FIELDS = ("updated_time", "created_time")
_OPERATORS = {  # filtering operator → the fields it applies to
    "GREATER_THAN": _TIME_FIELDS,
    "LESS_THAN": _TIME_FIELDS,
    "IN": ("id", "effective_status"),
    "EQUAL": ("id", "effective_status"),
}


def _matches(row: dict[str, Any], rule: dict[str, Any]) -> bool:
    """Whether ``row`` passes one filtering rule; a rule Graph would refuse raises its 400
    (times compare as unix seconds, ids and statuses as strings, each with its own operators)."""
    field = str(rule.get("field", "")).rsplit(".", 1)[-1]
    operator, value = rule.get("operator"), rule.get("value")
    if field not in (*_TIME_FIELDS, "id", "effective_status"):
        raise GraphError(f"Filtering field {rule.get('field')} is invalid")
    if operator not in _OPERATORS:
        raise GraphError(f"Filtering operator {operator} is not supported")
    if field not in _OPERATORS[operator]:
        raise GraphError(f"Filtering field {field} with operation {operator} is not supported")
    actual = row.get(field)
    if field in _TIME_FIELDS:
        try:
            bound = int(value)
        except (TypeError, ValueError):
            raise GraphError(
                f"Filtering value {value!r} of {field} must be a unix timestamp"
            ) from None
        if actual is None:
            return False
        seconds = calendar.timegm(actual.timetuple())  # naive UTC → unix seconds
        return seconds > bound if operator == "GREATER_THAN" else seconds < bound
    if operator == "IN":
        if not isinstance(value, list):
            raise GraphError(f"Filtering value of {field} with operation IN must be a list")
        return str(actual) in [str(v) for v in value]
    return str(actual) == str(value)


def _filtering(raw: str | None) -> list[dict[str, Any]]:
    try:
        rules = json.loads(raw) if raw else []
    except json.JSONDecodeError:
        raise GraphError("Param filtering must be a JSON array") from None
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise GraphError("Param filtering must be an array of {field, operator, value} objects")
    return rules


def _objects(request: ApiRequest, store: WorldStore) -> ApiResponse:
    edge = request.path_params["edge"]
    table, known = _OBJECTS[edge]
    fields = parse_fields(request.arg("fields"), ("id",))
    for name, _ in fields:
        if name not in known:
            raise GraphError(
                f"Tried accessing nonexisting field ({name}) on node type ({_NODE_TYPES[edge]})"
            )
    rules = _filtering(request.arg("filtering"))
    clock = store.clock()
    rows = [r for r in _latest(store, table, clock) if all(_matches(r, rule) for rule in rules)]
    creatives = {}
    if any(name == "creative" for name, _ in fields):
        creatives = {r["id"]: r for r in _latest(store, "adcreatives", clock)}
    data = []
    for row in rows:
        item: dict[str, Any] = {}
        for name, sub in fields:
            if name == "creative":
                creative = creatives.get(row["creative_id"], {"id": row["creative_id"]})
                unknown = [s for s in sub if s not in _CREATIVE_FIELDS]
                if unknown:
                    raise GraphError(
                        f"Tried accessing nonexisting field ({unknown[0]}) "
                        "on node type (AdCreative)"
                    )
                item["creative"] = {
                    s: _text(creative.get(s))
                    for s in (sub or ["id"])
                    if creative.get(s) is not None
                }
            elif row.get(name) is not None:
                item[name] = _text(row[name])
        data.append(item)
    return page(request, data)


def _report_window(request: ApiRequest, clock: datetime) -> tuple[date, date]:
    """The requested days, clipped to complete days (before the clock's day)."""
    last_complete = clock.date() - timedelta(days=1)
    preset, raw_range = request.arg("date_preset"), request.arg("time_range")
    if raw_range:
        try:
            window = json.loads(raw_range)
            since, until = date.fromisoformat(window["since"]), date.fromisoformat(window["until"])
        except (ValueError, KeyError, TypeError):
            raise GraphError(f"Param time_range is invalid: {raw_range}") from None
        if since > until:
            raise GraphError("Param time_range: since must not be after until")
        return since, min(until, last_complete)
    if preset in (None, "maximum"):
        return date(2000, 1, 1), last_complete
    if preset == "yesterday":
        return last_complete, last_complete
    raise GraphError(f"Param date_preset must be one of maximum, yesterday: {preset}")


def _insights(request: ApiRequest, store: WorldStore) -> ApiResponse:
    level = request.arg("level") or "ad"
    increment = request.arg("time_increment") or "all_days"
    if level not in ("ad", "account"):
        raise GraphError(f"Param level must be one of ad, account: {level}")
    if increment not in ("1", "all_days"):
        raise GraphError(f"Param time_increment must be 1 or all_days: {increment}")
    fields = [name for name, _ in parse_fields(request.arg("fields"), _DEFAULT_INSIGHT_FIELDS)]
    unknown = [f for f in fields if f not in _INSIGHT_FIELDS]
    if unknown:
        raise GraphError(f"{unknown[0]} is not valid for fields param")
    since, until = _report_window(request, store.clock())
    if level == "account":
        return page(request, _account_insights(store, since, until), counted=False)
    if increment != "1":
        raise GraphError("level=ad is served by day only: use time_increment=1")
    rows = store.query(
        f"select i.*, a.name as account_name from {SCHEMA}.insights as i, {SCHEMA}.account as a "
        "where i.date between ? and ? order by i.date, i.ad_id",
        [since, until],
    )
    actions: dict[tuple[Any, Any], list[dict[str, str]]] = {}
    if "actions" in fields:
        for a in store.query(_ACTIONS_SQL, [since, until, since, until, store.clock()]):
            actions.setdefault((a["date"], a["ad_id"]), []).append(
                {"action_type": a["action_type"], "value": _text(a["value"])}
            )
    data = []
    for row in rows:
        item = {f: _text(row[f]) for f in fields if f not in ("actions", "date_start", "date_stop")}
        if (row["date"], row["ad_id"]) in actions:
            item["actions"] = actions[(row["date"], row["ad_id"])]
        item["date_start"] = item["date_stop"] = row["date"].isoformat()
        data.append(item)
    return page(request, data)


# A day's actions: the stored ones, and the pixel registrations of its clicks that have happened
# by the clock (the attribution window: a recent day's count still grows).
_ACTIONS_SQL = f"""
    select date, ad_id, action_type, value
    from {SCHEMA}.insight_actions
    where date between ? and ?
    union all
    select date, ad_id, 'offsite_conversion.fb_pixel_complete_registration', count(*)
    from {SCHEMA}.conversions
    where date between ? and ? and converted_at <= ?
    group by all
    order by date, ad_id, action_type
"""


def _account_insights(store: WorldStore, since: date, until: date) -> list[dict[str, Any]]:
    """One all-days row for the account: what the API reports as the window it covered."""
    rows = store.query(
        f"select a.account_id, sum(i.impressions) as impressions, round(sum(i.spend), 2) as spend "
        f"from {SCHEMA}.account as a left join {SCHEMA}.insights as i "
        "on i.date between ? and ? group by a.account_id",
        [since, until],
    )
    if since > until:
        return []
    return [
        {"account_id": _text(r["account_id"]), "impressions": _text(r["impressions"] or 0),
         "spend": _text(r["spend"] or 0), "date_start": since.isoformat(),
         "date_stop": until.isoformat()}
        for r in rows
    ]  # fmt: skip
