"""Facebook Ads → ``raw_facebook_ads``, in the tables Fivetran's Facebook Ads connector lands.

- ``basic_ad`` / ``basic_ad_actions``: the ad-level daily insights report (``level=ad``,
  ``time_increment=1``), the second broken down by ``action_type``. Ads reporting is by day and
  only complete days are final, so the cursor is the last loaded date and each run asks from the
  next day to the account's last complete day (the ``date_stop`` of an all-days account report).
- ``campaign_history``, ``ad_set_history``, ``ad_history``: one row per version (primary key
  ``id`` + ``updated_time``), read with ``filtering`` on ``updated_time`` after the cursor.
- ``creative_history``: each ad's creative (its ``url_tags`` carry the UTMs), read through the
  ads edge with field expansion, since creatives themselves report no update time.

Every table merges on its key, so a re-run never duplicates; ``_fivetran_synced`` records the
sync. Accounts are discovered from ``/me/adaccounts``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dlt
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator

from platform_assets.ingestion.dlt_support import build_source_assets

SOURCE = "facebook_ads"
API_VERSION = "v19.0"
PAGE_LIMIT = 500
HISTORY_DAYS = 37 * 30  # the insights API reports at most 37 months back
GRAPH_TIME = "%Y-%m-%dT%H:%M:%S%z"

_TIMESTAMP = {"data_type": "timestamp", "timezone": False}
_ID = {"data_type": "bigint", "nullable": False}
_SYNCED = {"_fivetran_synced": {**_TIMESTAMP, "nullable": False}}

DESCRIPTIONS = {
    "basic_ad": "Daily delivery per Facebook ad: impressions, link clicks, spend, reach.",
    "basic_ad_actions": "Daily actions per Facebook ad and action type (clicks, landing page "
    "views, pixel conversions).",
    "campaign_history": "Every version of every Facebook campaign (status, budget).",
    "ad_set_history": "Every version of every Facebook ad set.",
    "ad_history": "Every version of every Facebook ad, with its ad set, campaign and creative.",
    "creative_history": "Facebook ad creatives; url_tags carry the UTMs of the landing URLs.",
}


def _hints(columns: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """dlt writes each column's name into its hint dict, so every column needs its own copy."""
    return {name: dict(hint) for name, hint in columns.items()}


def _synced() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _unix(graph_time: str) -> int:
    return int(datetime.strptime(graph_time, GRAPH_TIME).timestamp())


def _client(base_url: str, credential: str) -> RESTClient:
    return RESTClient(
        base_url=f"{base_url.rstrip('/')}/{API_VERSION}",
        auth=APIKeyAuth(name="access_token", api_key=credential, location="query"),
        paginator=JSONLinkPaginator(next_url_path="paging.next"),
        data_selector="data",
    )


def _accounts(client: RESTClient) -> list[str]:
    pages = client.paginate("/me/adaccounts", params={"fields": "account_id"})
    return [account["account_id"] for page in pages for account in page]


def _last_complete_day(client: RESTClient, account: str) -> date | None:
    """The account's last reported day: an all-days account report says where it stops."""
    response = client.get(
        f"/act_{account}/insights",
        params={"level": "account", "date_preset": "maximum", "fields": "date_stop"},
    )
    rows = response.json().get("data", [])
    return date.fromisoformat(rows[0]["date_stop"]) if rows else None


def _report_days(
    client: RESTClient, account: str, last_loaded: str | None
) -> tuple[date, date] | None:
    """The days still to load: the day after the cursor up to the last complete day."""
    until = _last_complete_day(client, account)
    if until is None:
        return None
    since = (
        date.fromisoformat(last_loaded) + timedelta(days=1)
        if last_loaded
        else until - timedelta(days=HISTORY_DAYS)
    )
    return (since, until) if since <= until else None


def _insights(
    client: RESTClient, cursor: dlt.sources.incremental, fields: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    for account in _accounts(client):
        window = _report_days(client, account, cursor.last_value)
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


def basic_ad(client: RESTClient) -> Any:
    @dlt.resource(
        name="basic_ad",
        write_disposition="merge",
        primary_key=["ad_id", "date"],
        columns=_hints(
            {
                "ad_id": _ID,
                "account_id": _ID,
                "date": {"data_type": "date", "nullable": False},
                "impressions": {"data_type": "bigint"},
                "inline_link_clicks": {"data_type": "bigint"},
                "spend": {"data_type": "double"},
                "reach": {"data_type": "bigint"},
                "frequency": {"data_type": "double"},
                "ad_name": {"data_type": "text"},
                "adset_name": {"data_type": "text"},
                **_SYNCED,
            }
        ),
    )
    def resource(
        day: dlt.sources.incremental[str] = dlt.sources.incremental("date"),  # noqa: B008 - dlt injects it
    ) -> Iterator[dict[str, Any]]:
        synced = _synced()
        fields = (
            "account_id,ad_id,ad_name,adset_name,impressions,inline_link_clicks,spend,reach,"
            "frequency"
        )
        for account, row in _insights(client, day, fields):
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
        columns=_hints(
            {
                "ad_id": _ID,
                "date": {"data_type": "date", "nullable": False},
                "action_type": {"data_type": "text", "nullable": False},
                "index": {"data_type": "bigint"},
                "value": {"data_type": "double"},
                "inline": {"data_type": "double"},
                "_1_d_view": {"data_type": "double"},
                "_7_d_click": {"data_type": "double"},
                **_SYNCED,
            }
        ),
    )
    def resource(
        day: dlt.sources.incremental[str] = dlt.sources.incremental("date"),  # noqa: B008 - dlt injects it
    ) -> Iterator[dict[str, Any]]:
        synced = _synced()
        for _, row in _insights(client, day, "ad_id,actions"):
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
    columns: dict[str, Any],
    shape: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: row,
) -> Any:
    """One version table: objects whose ``updated_time`` passed the cursor, keyed by version."""

    @dlt.resource(
        name=table,
        write_disposition="merge",
        primary_key=["id", "updated_time"],
        columns=_hints(
            {
                "id": _ID,
                "updated_time": {**_TIMESTAMP, "nullable": False},
                **columns,
                **_SYNCED,
            }
        ),  # fmt: skip
    )
    def resource(
        updated: dlt.sources.incremental[str] = dlt.sources.incremental("updated_time"),  # noqa: B008 - dlt injects it
    ) -> Iterator[dict[str, Any]]:
        synced = _synced()
        for account in _accounts(client):
            params = {"fields": fields, "limit": PAGE_LIMIT}
            if updated.last_value:
                params["filtering"] = json.dumps(
                    [{"field": "updated_time", "operator": "GREATER_THAN",
                      "value": _unix(updated.last_value)}]
                )  # fmt: skip
            for page in client.paginate(f"/act_{account}/{edge}", params=params):
                for row in page:
                    yield {**shape(row), "_fivetran_synced": synced}

    return resource


def _ad_shape(row: dict[str, Any]) -> dict[str, Any]:
    shaped = {k: v for k, v in row.items() if k not in ("adset_id", "creative")}
    return {**shaped, "ad_set_id": row.get("adset_id"), "creative_id": row["creative"]["id"]}


def creative_history(client: RESTClient) -> Any:
    fields = "id,account_id,name,title,body,link_url,url_tags,object_type,status"

    @dlt.resource(
        name="creative_history",
        write_disposition="merge",
        primary_key="id",
        columns=_hints(
            {
                "id": _ID,
                "account_id": {"data_type": "bigint"},
                **{
                    c: {"data_type": "text"}
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
            }
        ),
    )
    def resource() -> Iterator[dict[str, Any]]:
        # The cursor is the newest ad update seen, kept in the resource's dlt state (saved with
        # the load, so a failed run keeps the old one); creatives carry no time of their own.
        state = dlt.current.resource_state()
        last = state.get("ads_updated_time")
        newest, synced = last, _synced()
        for account in _accounts(client):
            params = {"fields": f"updated_time,creative{{{fields}}}", "limit": PAGE_LIMIT}
            if last:
                params["filtering"] = json.dumps(
                    [{"field": "ad.updated_time", "operator": "GREATER_THAN",
                      "value": _unix(last)}]
                )  # fmt: skip
            for page in client.paginate(f"/act_{account}/ads", params=params):
                for ad in page:
                    newest = max(newest or ad["updated_time"], ad["updated_time"])
                    yield {**ad["creative"], "_fivetran_synced": synced}
        state["ads_updated_time"] = newest

    return resource


@dlt.source(name=SOURCE)
def facebook_ads_source(base_url: str, credential: str) -> list[Any]:
    """Every Facebook Ads table roundtrip lands, read from the Marketing API at ``base_url``."""
    client = _client(base_url, credential)
    text = {"data_type": "text"}
    budget = {"data_type": "bigint"}
    return [
        basic_ad(client),
        basic_ad_actions(client),
        _history(
            client, "campaign_history", "campaigns",
            "id,account_id,name,objective,status,daily_budget,created_time,start_time,"
            "stop_time,updated_time",
            {"account_id": {"data_type": "bigint"}, "name": text, "objective": text,
             "status": text, "daily_budget": budget, "lifetime_budget": budget,
             "budget_remaining": {"data_type": "double"}, "created_time": _TIMESTAMP,
             "start_time": _TIMESTAMP, "stop_time": _TIMESTAMP},
        ),
        _history(
            client, "ad_set_history", "adsets",
            "id,account_id,campaign_id,name,status,bid_strategy,start_time,end_time,updated_time",
            {"account_id": {"data_type": "bigint"}, "campaign_id": {"data_type": "bigint"},
             "name": text, "status": text, "bid_strategy": text, "daily_budget": budget,
             "budget_remaining": budget, "start_time": _TIMESTAMP, "end_time": _TIMESTAMP},
        ),
        _history(
            client, "ad_history", "ads",
            "id,account_id,campaign_id,adset_id,name,status,updated_time,creative{id}",
            {"account_id": {"data_type": "bigint"}, "campaign_id": {"data_type": "bigint"},
             "ad_set_id": {"data_type": "bigint"}, "creative_id": {"data_type": "bigint"},
             "name": text, "status": text},
            _ad_shape,
        ),
        creative_history(client),
    ]  # fmt: skip


facebook_ads_assets = build_source_assets(SOURCE, facebook_ads_source, DESCRIPTIONS)
