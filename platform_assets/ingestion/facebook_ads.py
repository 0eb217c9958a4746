"""Facebook Ads → ``raw_facebook_ads``, in the tables Fivetran's Facebook Ads connector lands.

- ``basic_ad`` / ``basic_ad_actions``: the ad-level daily insights report (``level=ad``,
  ``time_increment=1``), the second broken down by ``action_type``. Ads reporting is by day and
  only complete days are final, so the cursor is the last complete day loaded and each run asks
  from the next day to the account's last complete day (the ``date_stop`` of an all-days
  account report). ``basic_ad_actions`` carries the pixel's conversions, which Facebook restates
  for ``ATTRIBUTION_DAYS`` after a click: when a new day has completed it re-reads that trailing
  window too (see ``report_days``).
- ``campaign_history``, ``ad_set_history``, ``ad_history``: one row per version (primary key
  ``id`` + ``updated_time``), read with ``filtering`` on ``updated_time`` after the cursor.
- ``creative_history``: each ad's creative (its ``url_tags`` carry the UTMs), read through the
  ads edge with field expansion, since creatives themselves report no update time. Fivetran
  names each row version with ``_fivetran_id``, a hash; with no update time to hash, ours is
  the md5 of the creative's values (see :func:`fivetran_id`). The table merges on ``id``: it
  holds each creative's latest version.

Every table merges on its key, so a re-run never duplicates; ``_fivetran_synced`` records the
sync. Accounts are discovered from ``/me/adaccounts``. Graph throttles with HTTP 400 and a
rate-limit error code (not 429): the HTTP client retries those too, waiting as long as the
``X-Business-Use-Case-Usage`` header says (capped); a refused call fails the run naming it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import dlt
from dlt.sources.helpers.requests import Client, Response
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator

from platform_assets.ingestion.dlt_support import build_source_assets, column_hints, synced_now
from platform_assets.ingestion.report_days import days_to_load, last_loaded, mark_loaded

SOURCE = "facebook_ads"
API_VERSION = "v19.0"
PAGE_LIMIT = 500
HISTORY_DAYS = 37 * 30  # the insights API reports at most 37 months back
ATTRIBUTION_DAYS = 28  # Facebook's default click attribution window: conversions restate
GRAPH_TIME = "%Y-%m-%dT%H:%M:%S%z"

_SYNCED = {"_fivetran_synced": "timestamp"}
# Graph's rate-limit error codes (app, user, page, and the business use case limits) and the
# header that says when access comes back; Graph throttles with HTTP 400 and these, never 429.
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
USAGE_HEADER = "X-Business-Use-Case-Usage"
MAX_THROTTLE_WAIT = 300  # seconds; the runtime's request_max_retry_delay caps it further


class FacebookAdsError(RuntimeError):
    """The Marketing API refused a request the connector cannot do without."""


DESCRIPTIONS = {
    "basic_ad": "Daily delivery per Facebook ad: impressions, link clicks, spend, reach.",
    "basic_ad_actions": "Daily actions per Facebook ad and action type (clicks, landing page "
    "views, pixel conversions).",
    "campaign_history": "Every version of every Facebook campaign (status, budget).",
    "ad_set_history": "Every version of every Facebook ad set.",
    "ad_history": "Every version of every Facebook ad, with its ad set, campaign and creative.",
    "creative_history": "Facebook ad creatives; url_tags carry the UTMs of the landing URLs.",
}


def _unix(graph_time: str) -> int:
    return int(datetime.strptime(graph_time, GRAPH_TIME).timestamp())


def throttled(response: Response | None, exception: BaseException | None = None) -> bool:
    """Whether Graph refused ``response`` for throttling: it answers HTTP 400 with one of its
    rate-limit error codes, not 429, so the HTTP client must be told to retry it."""
    if response is None or response.status_code != 400:
        return False
    try:
        error = response.json().get("error", {})
    except ValueError:
        return False
    return isinstance(error, dict) and error.get("code") in THROTTLE_CODES


def regain_access_seconds(response: Response) -> int | None:
    """How long Graph says to wait: the largest ``estimated_time_to_regain_access`` (minutes) of
    the ``X-Business-Use-Case-Usage`` header (``{id: [{type, ..., minutes}]}``), in seconds, at
    most ``MAX_THROTTLE_WAIT``; None when it says nothing."""
    try:
        usage = json.loads(response.headers.get(USAGE_HEADER) or "{}")
    except ValueError:
        return None
    groups = usage.values() if isinstance(usage, dict) else []
    minutes = [
        entry.get("estimated_time_to_regain_access") or 0
        for group in groups
        if isinstance(group, list)
        for entry in group
        if isinstance(entry, dict)
    ]
    wait = max(minutes, default=0) * 60
    return min(wait, MAX_THROTTLE_WAIT) if wait > 0 else None


def _wait_as_told(response: Response, *args: Any, **kwargs: Any) -> Response:
    """A response hook: turn Graph's usage header into the ``Retry-After`` the retrying client
    honours (it runs on every attempt, before the client decides to retry)."""
    if throttled(response) and "Retry-After" not in response.headers:
        wait = regain_access_seconds(response)
        if wait is not None:
            response.headers["Retry-After"] = str(wait)
    return response


def _client(base_url: str, credential: str) -> RESTClient:
    http = Client(
        raise_for_status=False,
        retry_condition=throttled,
        session_attrs={"hooks": {"response": [_wait_as_told]}},
    )
    http.configure()  # the runtime retry settings (attempts, backoff) every connector uses
    return RESTClient(
        base_url=f"{base_url.rstrip('/')}/{API_VERSION}",
        auth=APIKeyAuth(name="access_token", api_key=credential, location="query"),
        paginator=JSONLinkPaginator(next_url_path="paging.next"),
        data_selector="data",
        session=http.session,
    )


def _accounts(client: RESTClient) -> list[str]:
    pages = client.paginate("/me/adaccounts", params={"fields": "account_id"})
    return [account["account_id"] for page in pages for account in page]


def _last_complete_day(client: RESTClient, account: str) -> date | None:
    """The account's last reported day: an all-days account report says where it stops."""
    path = f"/act_{account}/insights"
    response = client.get(
        path, params={"level": "account", "date_preset": "maximum", "fields": "date_stop"}
    )
    if not response.ok:  # a refused report must fail the run, not skip the account
        raise FacebookAdsError(
            f"GET {path} (account report) answered HTTP {response.status_code}: "
            f"{response.text[:300]}"
        )
    rows = response.json().get("data", [])
    return date.fromisoformat(rows[0]["date_stop"]) if rows else None


def _insights(
    client: RESTClient, fields: str, restated_days: int = 0
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every account's ad-level daily rows still to load (and the trailing ``restated_days``
    once a new day has completed), moving the running resource's cursor per account."""
    for account in _accounts(client):
        window = days_to_load(
            _last_complete_day(client, account), last_loaded(account), HISTORY_DAYS, restated_days
        )
        if window is None:
            continue
        params = {
            "level": "ad",
            "time_increment": "1",
            "time_range": json.dumps({"since": str(window[0]), "until": str(window[1])}),
            "fields": fields,
            "limit": PAGE_LIMIT,
        }
        for page in client.paginate(f"/act_{account}/insights", params=params):
            for row in page:
                yield account, row
        mark_loaded(account, window[1])


def _updated_after(
    client: RESTClient, edge: str, fields: str, since: str | None, field: str = "updated_time"
) -> Iterator[dict[str, Any]]:
    """Every account's ``edge`` objects whose ``field`` is after ``since`` (all when None)."""
    for account in _accounts(client):
        params = {"fields": fields, "limit": PAGE_LIMIT}
        if since:
            params["filtering"] = json.dumps(
                [{"field": field, "operator": "GREATER_THAN", "value": _unix(since)}]
            )
        for page in client.paginate(f"/act_{account}/{edge}", params=params):
            yield from page


def basic_ad(client: RESTClient) -> Any:
    @dlt.resource(
        name="basic_ad",
        write_disposition="merge",
        primary_key=["ad_id", "date"],
        columns=column_hints(
            {
                "ad_id": "bigint",
                "account_id": "bigint",
                "date": "date",
                "impressions": "bigint",
                "inline_link_clicks": "bigint",
                "spend": "double",
                "reach": "bigint",
                "frequency": "double",
                "ad_name": "text",
                "adset_name": "text",
                **_SYNCED,
            },
            not_null=("ad_id", "account_id", "date", "_fivetran_synced"),
        ),
    )
    def resource() -> Iterator[dict[str, Any]]:
        synced = synced_now()
        fields = (
            "account_id,ad_id,ad_name,adset_name,impressions,inline_link_clicks,spend,reach,"
            "frequency"
        )
        for account, row in _insights(client, fields):
            yield {
                "ad_id": row["ad_id"],
                "date": row["date_start"],
                "account_id": row.get("account_id", account),
                "ad_name": row.get("ad_name"),
                "adset_name": row.get("adset_name"),
                "impressions": row.get("impressions"),
                "inline_link_clicks": row.get("inline_link_clicks"),
                "spend": row.get("spend"),
                "reach": row.get("reach"),
                "frequency": row.get("frequency"),
                "_fivetran_synced": synced,
            }

    return resource


def basic_ad_actions(client: RESTClient) -> Any:
    @dlt.resource(
        name="basic_ad_actions",
        write_disposition="merge",
        primary_key=["ad_id", "date", "action_type"],
        columns=column_hints(
            {
                "ad_id": "bigint",
                "date": "date",
                "action_type": "text",
                "index": "bigint",
                "value": "double",
                "inline": "double",
                "_1_d_view": "double",
                "_7_d_click": "double",
                **_SYNCED,
            },
            not_null=("ad_id", "date", "action_type", "_fivetran_synced"),
        ),
    )
    def resource() -> Iterator[dict[str, Any]]:
        synced = synced_now()
        for _, row in _insights(client, "ad_id,actions", ATTRIBUTION_DAYS):
            for index, action in enumerate(row.get("actions", [])):
                yield {
                    "ad_id": row["ad_id"],
                    "date": row["date_start"],
                    "action_type": action["action_type"],
                    "index": index,
                    "value": action["value"],
                    "_fivetran_synced": synced,
                }

    return resource


def _history(
    client: RESTClient,
    table: str,
    edge: str,
    fields: str,
    types: dict[str, str],
    shape: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: row,
) -> Any:
    """One version table: objects whose ``updated_time`` passed the cursor, keyed by version."""

    @dlt.resource(
        name=table,
        write_disposition="merge",
        primary_key=["id", "updated_time"],
        columns=column_hints(
            {"id": "bigint", "updated_time": "timestamp", **types, **_SYNCED},
            not_null=("id", "updated_time", "_fivetran_synced"),
        ),
    )
    def resource(
        updated: dlt.sources.incremental[str] = dlt.sources.incremental("updated_time"),  # noqa: B008 - dlt injects it
    ) -> Iterator[dict[str, Any]]:
        synced = synced_now()
        for row in _updated_after(client, edge, fields, updated.last_value):
            yield {**shape(row), "_fivetran_synced": synced}

    return resource


def _ad_shape(row: dict[str, Any]) -> dict[str, Any]:
    shaped = {k: v for k, v in row.items() if k not in ("adset_id", "creative")}
    return {**shaped, "ad_set_id": row.get("adset_id"), "creative_id": row["creative"]["id"]}


def fivetran_id(row: dict[str, Any]) -> str:
    """The ``_fivetran_id`` of a row version: the md5 of its values as canonical JSON (keys
    sorted, no sync columns), so a creative read again unchanged keeps its id and a changed
    one gets a new one."""
    return hashlib.md5(json.dumps(row, sort_keys=True).encode()).hexdigest()


def creative_history(client: RESTClient) -> Any:
    fields = "id,account_id,name,title,body,link_url,url_tags,object_type,status"

    @dlt.resource(
        name="creative_history",
        write_disposition="merge",
        primary_key="id",
        columns=column_hints(
            {
                "id": "bigint",
                "_fivetran_id": "text",
                "account_id": "bigint",
                **{
                    c: "text"
                    for c in (
                        "name",
                        "title",
                        "body",
                        "link_url",
                        "url_tags",
                        "object_type",
                        "status",
                        "page_link",
                        "template_page_link",
                    )
                },
                **_SYNCED,
            },
            not_null=("id", "_fivetran_id", "_fivetran_synced"),
        ),
    )
    def resource() -> Iterator[dict[str, Any]]:
        # The cursor is the newest ad update seen, kept in the resource's dlt state (saved with
        # the load, so a failed run keeps the old one); creatives carry no time of their own.
        state = dlt.current.resource_state()
        last = state.get("ads_updated_time")
        newest, synced = last, synced_now()
        ads = _updated_after(
            client, "ads", f"updated_time,creative{{{fields}}}", last, "ad.updated_time"
        )
        for ad in ads:
            newest = max(newest or ad["updated_time"], ad["updated_time"])
            creative = ad["creative"]
            yield {**creative, "_fivetran_id": fivetran_id(creative), "_fivetran_synced": synced}
        state["ads_updated_time"] = newest

    return resource


@dlt.source(name=SOURCE)
def facebook_ads_source(base_url: str, credential: str) -> list[Any]:
    """Every Facebook Ads table roundtrip lands, read from the Marketing API at ``base_url``."""
    client = _client(base_url, credential)
    return [
        basic_ad(client),
        basic_ad_actions(client),
        _history(
            client, "campaign_history", "campaigns",
            "id,account_id,name,objective,status,daily_budget,created_time,start_time,"
            "stop_time,updated_time",
            {"account_id": "bigint", "name": "text", "objective": "text", "status": "text",
             "daily_budget": "bigint", "lifetime_budget": "bigint",
             "budget_remaining": "double", "created_time": "timestamp",
             "start_time": "timestamp", "stop_time": "timestamp"},
        ),
        _history(
            client, "ad_set_history", "adsets",
            "id,account_id,campaign_id,name,status,bid_strategy,start_time,end_time,updated_time",
            {"account_id": "bigint", "campaign_id": "bigint", "name": "text",
             "status": "text", "bid_strategy": "text", "daily_budget": "bigint",
             "budget_remaining": "bigint", "start_time": "timestamp", "end_time": "timestamp"},
        ),
        _history(
            client, "ad_history", "ads",
            "id,account_id,campaign_id,adset_id,name,status,updated_time,creative{id}",
            {"account_id": "bigint", "campaign_id": "bigint", "ad_set_id": "bigint",
             "creative_id": "bigint", "name": "text", "status": "text"},
            _ad_shape,
        ),
        creative_history(client),
    ]  # fmt: skip


facebook_ads_assets = build_source_assets(SOURCE, facebook_ads_source, DESCRIPTIONS)
