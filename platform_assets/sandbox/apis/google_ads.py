"""A fake of the Google Ads API (REST, v17-style), serving ``src_google_ads``.

- ``GET /v17/customers:listAccessibleCustomers`` → ``{"resourceNames": ["customers/<id>"]}``.
- ``POST /v17/customers/{customer_id}/googleAds:search`` with ``{"query", "pageToken"}``: a GAQL
  subset, ``SELECT fields FROM resource [WHERE a AND b ...] [ORDER BY f [ASC|DESC]] [LIMIT n]``
  with conditions ``=, !=, >, >=, <, <=, IN (...), BETWEEN x AND y, DURING YESTERDAY|TODAY``.
  Resources: ``customer``, ``campaign`` (with ``segments.*``/``metrics.*`` it reports daily
  stats by ``segments.date``, ``ad_network_type`` and ``device``, metrics summed over the
  segments a query does not select, like the real one), ``ad_group``, ``ad_group_ad``,
  ``click_view`` (needs ``segments.date = 'YYYY-MM-DD'``, one day, like the real one),
  ``conversion_action`` (the actions offline conversions can be uploaded to) and
  ``change_status`` (what changed when: like the real one it needs a LIMIT of at most 10,000
  and a bounded ``last_change_date_time`` range that starts within the last 90 days). Answers
  ``{"results": [{"campaign": {...}, "metrics": {...}, "segments": {...}}], "fieldMask",
  "nextPageToken"}`` in camelCase, int64 as strings, 10,000 rows a page.
- ``POST /v17/customers/{customer_id}:uploadClickConversions``: offline click conversions
  (reverse ETL), see :mod:`.google_ads_uploads`.

Objects are shown in their latest version by the world clock; stats and clicks for complete days
only (before the clock's day). ``metrics.conversions`` counts the conversions of a day's clicks
that happened by the clock, so recent days are restated as they come in. Auth is
``Authorization: Bearer`` plus a ``developer-token`` header that must be the configured token
(401 ``DEVELOPER_TOKEN_INVALID`` otherwise; ``login-customer-id`` optional); errors are
``GoogleAdsFailure`` JSON. Basic access
allows 15,000 operations a day. ``rows`` counts records of the reporting and object resources;
``customer`` (what a connector asks to learn the account's yesterday) and ``conversion_action``
land in no table: 0.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from platform_assets.sandbox.apis.google_ads_uploads import (
    CONVERSION_ACTIONS_SQL,
    ClickConversionUploads,
)
from platform_assets.sandbox.fakeapi import (
    ApiRequest,
    ApiResponse,
    FakeApi,
    Handler,
    Owner,
    RateLimit,
    Route,
    bearer_token,
    google_error,
    guarded,
)
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.google_ads import SCHEMA

PAGE_SIZE = 10_000
CHANGE_STATUS_LIMIT = 10_000
CHANGE_STATUS_DAYS = 90
API_VERSION = "v17"
_FAILURE_TYPE = f"type.googleapis.com/google.ads.googleads.{API_VERSION}.errors.GoogleAdsFailure"
_ERROR_CODES = {
    401: {"authenticationError": "NOT_ADS_USER"},
    403: {"authorizationError": "USER_PERMISSION_DENIED"},
    404: {"requestError": "RESOURCE_NAME_MISSING"},
    429: {"quotaError": "RESOURCE_EXHAUSTED"},
}


class GaqlError(ValueError):
    """A query the API refuses: ``code`` is the GoogleAdsFailure errorCode (e.g. queryError)."""

    def __init__(self, code: dict[str, str], message: str) -> None:
        super().__init__(message)
        self.code = code


# --- the resources: GAQL field → SQL column of the resource's row query ---------------------------
_LATEST = "qualify row_number() over (partition by id order by _valid_from desc, _version desc) = 1"
_CAMPAIGN_FIELDS = {
    "campaign.id": "c.id",
    "campaign.name": "c.name",
    "campaign.status": "c.status",
    "campaign.advertising_channel_type": "c.advertising_channel_type",
    "campaign.serving_status": "c.serving_status",
    "campaign.start_date": "c.start_date",
    "campaign.end_date": "c.end_date",
    "campaign.tracking_url_template": "c.tracking_url_template",
    "campaign.resource_name": "'customers/' || c.customer_id || '/campaigns/' || c.id",
    "customer.id": "c.customer_id",
}
_STATS_FIELDS = {
    "segments.date": "s.date",
    "segments.ad_network_type": "s.ad_network_type",
    "segments.device": "s.device",
    "metrics.clicks": "s.clicks",
    "metrics.impressions": "s.impressions",
    "metrics.cost_micros": "s.cost_micros",
    "metrics.conversions": "s.conversions",
    "metrics.conversions_value": "0.0",
    "metrics.interactions": "s.interactions",
    "metrics.view_through_conversions": "0",
}


@dataclass(frozen=True)
class Resource:
    """One FROM target: its fields (GAQL name → SQL), the SQL it selects them from (``{cols}``
    and ``?`` for the clock), whether its rows count as records, whether it reports one day at
    a time, and whether it is a segmented report (its metrics summed over the segments a query
    does not select)."""

    fields: dict[str, str]
    sql: str
    counted: bool = True
    single_day: bool = False
    segmented: bool = False


def _campaigns(clock_sql: str = "?") -> str:
    return f"(select * from {SCHEMA}.campaigns where _valid_from <= {clock_sql} {_LATEST})"


RESOURCES: dict[str, Resource] = {
    "customer": Resource(
        fields={
            "customer.id": "id",
            "customer.descriptive_name": "descriptive_name",
            "customer.currency_code": "currency_code",
            "customer.time_zone": "time_zone",
            "customer.auto_tagging_enabled": "auto_tagging_enabled",
            "segments.date": "cast(cast(? as date) - interval 1 day as date)",
        },
        sql=f"select {{cols}} from {SCHEMA}.customer",
        counted=False,
    ),
    "campaign": Resource(
        fields=_CAMPAIGN_FIELDS,
        sql=f"select {{cols}} from {_campaigns()} as c order by c.id",
    ),
    "campaign_stats": Resource(  # ``campaign`` with segments/metrics selected
        fields=_CAMPAIGN_FIELDS | _STATS_FIELDS,
        sql=f"""
            with known as (  -- the conversions that have happened by the clock
                select date, campaign_id, ad_network_type, device, count(*) as conversions
                from {SCHEMA}.conversions where converted_at <= ? group by all
            ),
            s as (
                select s.*, coalesce(k.conversions, 0)::double as conversions
                from {SCHEMA}.campaign_stats as s
                left join known as k using (date, campaign_id, ad_network_type, device)
            )
            select {{cols}} from s join {_campaigns()} as c on c.id = s.campaign_id
            where s.date < cast(? as date) order by s.date, c.id, s.device
        """,
        segmented=True,
    ),
    "ad_group": Resource(
        fields={
            "ad_group.id": "id",
            "ad_group.name": "name",
            "ad_group.status": "status",
            "ad_group.type": "type",
            "ad_group.campaign": "'customers/' || {customer} || '/campaigns/' || campaign_id",
            "ad_group.resource_name": "'customers/' || {customer} || '/adGroups/' || id",
            "campaign.id": "campaign_id",
            "campaign.name": "campaign_name",
        },
        sql=f"select {{cols}} from {SCHEMA}.ad_groups where _valid_from <= ? {_LATEST} order by id",
    ),
    "ad_group_ad": Resource(
        fields={
            "ad_group_ad.ad.id": "id",
            "ad_group_ad.ad.name": "name",
            "ad_group_ad.ad.type": "type",
            "ad_group_ad.ad.final_urls": "final_urls",
            "ad_group_ad.ad.display_url": "display_url",
            "ad_group_ad.status": "status",
            "ad_group_ad.resource_name": "'customers/' || {customer} || '/adGroupAds/' "
            "|| ad_group_id || '~' || id",
            "ad_group.id": "ad_group_id",
            "campaign.id": "campaign_id",
        },
        sql=f"select {{cols}} from {SCHEMA}.ads where _valid_from <= ? {_LATEST} order by id",
    ),
    "click_view": Resource(
        fields={
            "click_view.gclid": "gclid",
            "click_view.ad_group_ad": "'customers/' || {customer} || '/adGroupAds/' "
            "|| ad_group_id || '~' || ad_id",
            "segments.date": "date",
            "segments.ad_network_type": "ad_network_type",
            "segments.device": "device",
            "segments.click_type": "click_type",
            "campaign.id": "campaign_id",
            "ad_group.id": "ad_group_id",
            "customer.id": "{customer}",
            "metrics.clicks": "1",
        },
        sql=f"select {{cols}} from {SCHEMA}.click_view where date < cast(? as date) order by gclid",
        single_day=True,
    ),
    "conversion_action": Resource(
        fields={
            "conversion_action.id": "id",
            "conversion_action.name": "name",
            "conversion_action.status": "status",
            "conversion_action.type": "type",
            "conversion_action.category": "category",
            "conversion_action.click_through_lookback_window_days": (
                "click_through_lookback_window_days"
            ),
            "conversion_action.resource_name": "'customers/' || {customer} || "
            "'/conversionActions/' || id",
        },
        sql=CONVERSION_ACTIONS_SQL,
        counted=False,
    ),
    "change_status": Resource(
        fields={
            "change_status.resource_name": "'customers/' || {customer} || '/changeStatus/' "
            "|| resource_type || '~' || id",
            "change_status.resource_type": "resource_type",
            "change_status.last_change_date_time": "strftime(_valid_from, '%Y-%m-%d %H:%M:%S')",
            "change_status.resource_status": "resource_status",
            "change_status.campaign": "'customers/' || {customer} || '/campaigns/' || campaign_id",
            "change_status.ad_group": "'customers/' || {customer} || '/adGroups/' || ad_group_id",
            "change_status.ad_group_ad": "case when resource_type = 'AD_GROUP_AD' then "
            "'customers/' || {customer} || '/adGroupAds/' || ad_group_id || '~' || id end",
        },
        sql=f"""
            with changes as (
                select 'CAMPAIGN' as resource_type, id, id as campaign_id,
                    null as ad_group_id, _valid_from, _version
                from {SCHEMA}.campaigns
                union all
                select 'AD_GROUP', id, campaign_id, id, _valid_from, _version
                from {SCHEMA}.ad_groups
                union all
                select 'AD_GROUP_AD', id, campaign_id, ad_group_id, _valid_from, _version
                from {SCHEMA}.ads
            )
            select {{cols}} from (
                select *, case when _version = 1 then 'ADDED' else 'CHANGED' end
                    as resource_status
                from changes where _valid_from <= ?
                qualify row_number() over (
                    partition by resource_type, id order by _valid_from desc, _version desc
                ) = 1
            )
            order by _valid_from, resource_type, id
        """,
    ),
}
_INT64 = re.compile(
    r"(\.id|metrics\.(clicks|impressions|cost_micros|interactions|view_through_conversions))$"
)


# --- GAQL -----------------------------------------------------------------------------------------
_QUERY = re.compile(
    r"^\s*select\s+(?P<select>.+?)\s+from\s+(?P<resource>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?(?:\s+order\s+by\s+(?P<order>.+?))?"
    r"(?:\s+limit\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"\s*(?P<field>[\w.]+)\s+(?:(?P<between>BETWEEN)\s+(?P<low>'[^']*'|[\w.-]+)\s+AND\s+"
    r"(?P<high>'[^']*'|[\w.-]+)|(?P<in>(?:NOT\s+)?IN)\s*\((?P<list>[^)]*)\)|"
    r"(?P<during>DURING)\s+(?P<range>\w+)|(?P<op>=|!=|>=|<=|>|<)\s*(?P<value>'[^']*'|[\w.:-]+))"
    r"\s*(?:AND\s+|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # =, !=, >, >=, <, <=, IN, NOT IN, BETWEEN
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Query:
    select: tuple[str, ...]
    resource: str
    where: tuple[Condition, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    limit: int | None = None


def _literal(token: str) -> Any:
    token = token.strip()
    if token.startswith("'"):
        return token[1:-1]
    try:
        return int(token)
    except ValueError:
        return token  # an enum such as ENABLED


def parse_query(text: str, today: date) -> Query:
    """Parse the GAQL subset; DURING ranges resolve against ``today`` (the account's day)."""
    match = _QUERY.match(text or "")
    if not match:
        raise GaqlError(
            {"queryError": "PROHIBITED_CLAUSE_IN_WHERE_CLAUSE"}, f"Error in query: {text!r}"
        )
    select = tuple(f.strip() for f in match["select"].split(","))
    where = []
    rest = match["where"] or ""
    while rest.strip():
        cond = _CONDITION.match(rest)
        if not cond:
            raise GaqlError(
                {"queryError": "UNEXPECTED_INPUT"},
                f"Error in query: unexpected input {rest.strip()!r}",
            )
        rest = rest[cond.end() :]
        if cond["between"]:
            where.append(Condition(cond["field"], ">=", (_literal(cond["low"]),)))
            where.append(Condition(cond["field"], "<=", (_literal(cond["high"]),)))
        elif cond["in"]:
            values = tuple(_literal(v) for v in cond["list"].split(",") if v.strip())
            where.append(Condition(cond["field"], " ".join(cond["in"].upper().split()), values))
        elif cond["during"]:
            days = {
                "TODAY": (0, 0),
                "YESTERDAY": (1, 1),
                "LAST_7_DAYS": (7, 1),
                "LAST_30_DAYS": (30, 1),
            }
            if cond["range"].upper() not in days:
                raise GaqlError(
                    {"queryError": "INVALID_VALUE_WITH_DURING_OPERATOR"},
                    f"Invalid value with DURING operator: {cond['range']}",
                )
            first, last = days[cond["range"].upper()]
            where.append(
                Condition(cond["field"], ">=", ((today - timedelta(days=first)).isoformat(),))
            )
            where.append(
                Condition(cond["field"], "<=", ((today - timedelta(days=last)).isoformat(),))
            )
        else:
            where.append(Condition(cond["field"], cond["op"], (_literal(cond["value"]),)))
    order = []
    for part in (match["order"] or "").split(","):
        if part.strip():
            name, *direction = part.split()
            order.append((name, bool(direction) and direction[0].upper() == "DESC"))
    limit = int(match["limit"]) if match["limit"] else None
    return Query(select, match["resource"].lower(), tuple(where), tuple(order), limit)


# --- running a query ------------------------------------------------------------------------------
def _resource_for(query: Query) -> tuple[str, Resource]:
    """``campaign`` with segments or metrics reports stats; everything else is what it says."""
    named = [*query.select, *(c.field for c in query.where), *(f for f, _ in query.order_by)]
    name = query.resource
    if name == "campaign" and any(f.startswith(("segments.", "metrics.")) for f in named):
        name = "campaign_stats"
    resource = RESOURCES.get(name)
    if resource is None:
        raise GaqlError(
            {"queryError": "INVALID_RESOURCE_NAME_IN_FROM_CLAUSE"},
            f"Invalid resource name in FROM clause: '{query.resource}'.",
        )
    for field_name in named:
        if field_name not in resource.fields:
            raise GaqlError(
                {"queryError": "UNRECOGNIZED_FIELD"},
                f"Unrecognized field in the query: '{field_name}'.",
            )
    return name, resource


def _check_date_filters(query: Query, resource: Resource) -> str | None:
    """Enforce the real API's date rules; return the single day of a click_view query."""
    dated = [c for c in query.where if c.field == "segments.date"]
    if resource.single_day:
        days = [c.values[0] for c in dated if c.op == "="]
        if len(days) != 1 or len(dated) != 1:
            raise GaqlError(
                {"queryError": "EXPECTED_FILTERS_ON_DATE_RANGE"},
                "Expects a filter on the following field to limit the query to a single day: "
                "'segments.date'.",
            )
        return str(days[0])
    if "segments.date" in query.select:
        low = any(c.op in ("=", ">", ">=", "IN") for c in dated)
        high = any(c.op in ("=", "<", "<=", "IN") for c in dated)
        if not (low and high):
            raise GaqlError(
                {"queryError": "EXPECTED_FILTERS_ON_DATE_RANGE"},
                "Expects filters on the following field to limit a finite date range: "
                "'segments.date'.",
            )
    return None


def _check_change_status(query: Query, now: datetime) -> None:
    """change_status's own rules: a LIMIT of at most ``CHANGE_STATUS_LIMIT`` rows and a
    bounded range of ``last_change_date_time`` starting within ``CHANGE_STATUS_DAYS``."""
    if query.limit is None:
        raise GaqlError(
            {"changeStatusError": "LIMIT_NOT_SPECIFIED"},
            "The query must specify a LIMIT clause for change_status.",
        )
    if query.limit > CHANGE_STATUS_LIMIT:
        raise GaqlError(
            {"changeStatusError": "INVALID_LIMIT_CLAUSE"},
            f"The LIMIT of a change_status query must be at most {CHANGE_STATUS_LIMIT}.",
        )
    dated = [c for c in query.where if c.field == "change_status.last_change_date_time"]
    lows = [str(c.values[0]) for c in dated if c.op in (">", ">=", "=")]
    highs = [str(c.values[0]) for c in dated if c.op in ("<", "<=", "=")]
    if not (lows and highs):
        raise GaqlError(
            {"changeStatusError": "CHANGE_DATE_RANGE_INFINITE"},
            "The query must bound change_status.last_change_date_time on both sides.",
        )
    oldest = (now - timedelta(days=CHANGE_STATUS_DAYS)).strftime("%Y-%m-%d %H:%M:%S")
    if max(lows) < oldest:
        raise GaqlError(
            {"changeStatusError": "START_DATE_TOO_OLD"},
            f"The start of the change_status range must be within {CHANGE_STATUS_DAYS} days "
            f"(not before {oldest}).",
        )
    if min(highs) < max(lows):
        raise GaqlError(
            {"changeStatusError": "CHANGE_DATE_RANGE_NEGATIVE"},
            "The end of the change_status range is before its start.",
        )


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _holds(row: dict[str, Any], condition: Condition) -> bool:
    actual = _comparable(row[condition.field])
    values = [type(actual)(v) if isinstance(actual, int) and isinstance(v, str) and v.isdigit()
              else v for v in condition.values]  # fmt: skip
    if actual is None:
        return condition.op in ("!=", "NOT IN")
    try:
        return {
            "=": lambda: actual == values[0],
            "!=": lambda: actual != values[0],
            ">": lambda: actual > values[0],
            ">=": lambda: actual >= values[0],
            "<": lambda: actual < values[0],
            "<=": lambda: actual <= values[0],
            "IN": lambda: actual in values,
            "NOT IN": lambda: actual not in values,
        }[condition.op]()
    except TypeError:
        raise GaqlError(
            {"queryError": "INVALID_VALUE_WITH_OPERATOR"},
            f"Invalid value for '{condition.field}': {condition.values[0]!r}",
        ) from None


def _segment(rows: list[dict[str, Any]], query: Query) -> list[dict[str, Any]]:
    """A report the way the real API segments it: rows filtered on their attributes and
    segments, then metrics summed per combination of the fields the query selects or orders by
    (a segment only filtered on, such as a date range, is summed over), then filtered on
    metrics."""
    plain = [c for c in query.where if not c.field.startswith("metrics.")]
    keys = [f for f in dict.fromkeys([*query.select, *(f for f, _ in query.order_by)])
            if not f.startswith("metrics.")]  # fmt: skip
    metrics = [f for f in rows[0] if f.startswith("metrics.")] if rows else []
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        if not all(_holds(row, c) for c in plain):
            continue
        group = groups.setdefault(
            tuple(row[k] for k in keys), {**{k: row[k] for k in keys}, **dict.fromkeys(metrics, 0)}
        )
        for metric in metrics:
            group[metric] += row[metric]
    measured = [c for c in query.where if c.field.startswith("metrics.")]
    return [g for g in groups.values() if all(_holds(g, c) for c in measured)]


def run_query(store: WorldStore, customer_id: int, query: Query) -> tuple[list[dict], bool]:
    """The query's rows (GAQL field → value) at the world clock, and whether they count."""
    name, resource = _resource_for(query)
    day = _check_date_filters(query, resource)
    clock = store.clock()
    if name == "change_status":
        _check_change_status(query, clock)
    named = dict.fromkeys(
        [*query.select, *(c.field for c in query.where), *(f for f, _ in query.order_by)]
    )
    cols = ", ".join(f'{resource.fields[f].format(customer=customer_id)} as "{f}"' for f in named)
    sql = resource.sql.format(cols=cols).replace("?", f"timestamp '{clock:%Y-%m-%d %H:%M:%S}'")
    if day is not None:  # a single-day report: let DuckDB pick the day out
        sql = f"select * from ({sql}) where cast(\"segments.date\" as varchar) = '{day}'"
    rows = store.query(sql)
    if resource.segmented:
        rows = _segment(rows, query)
    else:
        rows = [r for r in rows if all(_holds(r, c) for c in query.where)]
    for name, descending in reversed(query.order_by):
        rows.sort(key=lambda r: (r[name] is None, _comparable(r[name])), reverse=descending)
    return rows[: query.limit] if query.limit is not None else rows, resource.counted


# --- the JSON the REST interface answers ----------------------------------------------------------
def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _json_value(name: str, value: Any) -> Any:
    if name.endswith("final_urls"):
        return json.loads(value) if isinstance(value, str) else value
    if _INT64.search(name) and value is not None:
        return str(value)
    return _comparable(value)


def to_result(row: dict[str, Any], select: tuple[str, ...]) -> dict[str, Any]:
    """``{"campaign.id": 1}`` → ``{"campaign": {"id": "1"}}`` (camelCase, nulls omitted)."""
    result: dict[str, Any] = {}
    for name in select:
        if row[name] is None:
            continue
        *parents, leaf = [_camel(p) for p in name.split(".")]
        node = result
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = _json_value(name, row[name])
    return result


def _page_token(query_text: str, offset: int) -> str:
    payload = json.dumps({"q": query_text.strip(), "o": offset})
    return base64.urlsafe_b64encode(payload.encode()).decode()


def _page_offset(token: str | None, query_text: str) -> int:
    if not token:
        return 0
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        if payload["q"] != query_text.strip():
            raise ValueError
        return int(payload["o"])
    except (ValueError, KeyError, TypeError):
        raise GaqlError(
            {"requestError": "INVALID_PAGE_TOKEN"}, "Page token is invalid or expired."
        ) from None


class GoogleAdsApi(FakeApi):
    """The fake Google Ads API. The one developer token it accepts is the serving sandbox's
    ``settings.google_ads_developer_token``."""

    name = "google_ads"
    rate_limit = RateLimit(requests=15_000, per_seconds=86_400)
    page_size = PAGE_SIZE

    def routes(self) -> list[Route]:
        return [
            Route("GET", r"/v\d+/customers:listAccessibleCustomers", self._guard(_accessible)),
            Route(
                "POST",
                r"/v\d+/customers/(?P<customer_id>\d+)/googleAds:search",
                self._guard(self._search),
            ),
            Route(
                "POST",
                r"/v\d+/customers/(?P<customer_id>\d+):uploadClickConversions",
                self._guard(ClickConversionUploads(self.error, _FAILURE_TYPE).upload),
            ),
        ]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        """The OAuth token; the developer token is checked after it (see :meth:`_guard`)."""
        return bearer_token(request) == credential

    def error(self, status: int, message: str, code: dict[str, str] | None = None) -> ApiResponse:
        failure = {
            "@type": _FAILURE_TYPE,
            "errors": [
                {"errorCode": code or _ERROR_CODES.get(status, {"internalError": "INTERNAL_ERROR"}),
                 "message": message}
            ],
            "requestId": base64.urlsafe_b64encode(message.encode()[:16]).decode().rstrip("="),
        }  # fmt: skip
        summary = "Request contains an invalid argument." if status == 400 else message
        return google_error(status, summary, details=[failure])

    def _guard(self, handler: Handler) -> Handler:
        """A missing or wrong developer token → 401; refused queries → 400 GoogleAdsFailure; an
        unknown customer → 403 like the real one."""
        customer = Owner(
            "customer_id",
            f"select 1 from {SCHEMA}.customer where id = ?",
            lambda customer_id: self.error(
                403, f"The caller does not have permission to access customer {customer_id}."
            ),
        )
        inner = guarded(
            handler, GaqlError, lambda exc: self.error(400, str(exc), exc.code), customer
        )

        def with_developer_token(request: ApiRequest, store: WorldStore) -> ApiResponse:
            token = request.headers.get("developer-token")
            if not token:
                return self.error(
                    401,
                    "The developer token is missing: send it in the developer-token header.",
                    {"authenticationError": "DEVELOPER_TOKEN_PARAMETER_MISSING"},
                )
            if token != request.settings.google_ads_developer_token:
                return self.error(
                    401,
                    "The developer token is not valid.",
                    {"authenticationError": "DEVELOPER_TOKEN_INVALID"},
                )
            return inner(request, store)

        return with_developer_token

    def _search(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        try:
            body = request.json() or {}
        except json.JSONDecodeError:
            raise GaqlError({"requestError": "BAD_REQUEST"}, "Request body is not JSON.") from None
        text = str(body.get("query", ""))
        query = parse_query(text, store.clock().date())
        rows, counted = run_query(store, int(request.path_params["customer_id"]), query)
        start = _page_offset(body.get("pageToken"), text)
        chunk = rows[start : start + self.page_size]
        answer: dict[str, Any] = {
            "results": [to_result(row, query.select) for row in chunk],
            "fieldMask": ",".join(".".join(_camel(p) for p in f.split(".")) for f in query.select),
        }
        if start + len(chunk) < len(rows):
            answer["nextPageToken"] = _page_token(text, start + len(chunk))
        return ApiResponse(body=answer, rows=len(chunk) if counted else 0)


def _accessible(request: ApiRequest, store: WorldStore) -> ApiResponse:
    ids = [row["id"] for row in store.query(f"select id from {SCHEMA}.customer order by id")]
    return ApiResponse(body={"resourceNames": [f"customers/{i}" for i in ids]})


API = GoogleAdsApi()
