"""Google Ads → ``raw_google_ads``, in the tables Fivetran's Google Ads connector lands.

Everything is read with GAQL through ``googleAds:search`` (pages follow ``nextPageToken``):

- ``campaign_stats``: daily campaign metrics by network and device (Fivetran's grain; cost in
  micros). Only complete days are final, so the cursor is the last complete day loaded and each
  run asks from the next day to the account's yesterday (``segments.date DURING YESTERDAY`` on
  the customer says which day that is). Conversions restate for ``ATTRIBUTION_DAYS`` after a
  click, so when a new day has completed the run re-reads that trailing window too (see
  ``report_days``).
- ``click_view``: one row per click with its gclid, asked one day at a time as the API demands,
  only for days with clicks; its cursor is the last complete day asked, not the last day that
  had a click, so days without clicks are never asked again.
- ``campaign_history``, ``ad_group_history``, ``ad_history``: one row per version (``id`` +
  ``updated_at``). The first sync reads every object as it is (a plain SELECT), dated by its
  last change where ``change_status`` still knows it (it reaches back 90 days) and by
  ``UNKNOWN_CHANGE`` otherwise. Later syncs ask ``change_status`` what changed after the cursor (a
  bounded range with a LIMIT, sliced when a slice fills up, as the API demands), then read
  those objects by id; a cursor older than change_status reaches means a full read again.

Every table merges on its key, so a re-run never duplicates; ``_fivetran_synced`` records the
sync. Customers are discovered with ``customers:listAccessibleCustomers``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import dlt
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from platform_assets.ingestion.dlt_support import build_source_assets, column_hints, synced_now
from platform_assets.ingestion.report_days import days_to_load, last_loaded, mark_loaded
from platform_assets.settings import DEFAULT_GOOGLE_ADS_DEVELOPER_TOKEN, Settings

SOURCE = "google_ads"
API_VERSION = "v17"
HISTORY_DAYS = 2 * 365
ATTRIBUTION_DAYS = 28  # the account's conversion window: a day's conversions restate this long
ID_CHUNK = 1000
CHANGE_STATUS_DAYS = 90  # how far back change_status reaches
UNKNOWN_CHANGE = "1970-01-01 00:00:00"
"""``updated_at`` of a version whose last change is older than change_status remembers: a fixed
date, so two syncs that both find the object unchanged land the same row."""
CHANGE_LIMIT = 10_000  # the most rows one change_status query may ask for
_TIME = "%Y-%m-%d %H:%M:%S"


class GoogleAdsError(RuntimeError):
    """The Google Ads API refused a request the connector cannot do without."""


DESCRIPTIONS = {
    "campaign_stats": "Daily Google Ads metrics per campaign, network and device; cost in micros.",
    "click_view": "Every Google Ads click with its gclid, day, campaign, ad group and device.",
    "campaign_history": "Every version of every Google Ads campaign (status, channel, UTMs).",
    "ad_group_history": "Every version of every Google Ads ad group.",
    "ad_history": "Every version of every Google Ads ad, with its final URLs.",
}

# Version tables: change_status resource type, the GAQL resource and id field, the fields read
# (GAQL → raw column), and how a change_status row names the object.
_HISTORY: dict[str, tuple[str, str, str, dict[str, str], str]] = {
    "campaign_history": (
        "CAMPAIGN", "campaign", "campaign.id",
        {"campaign.id": "id", "customer.id": "customer_id", "campaign.name": "name",
         "campaign.status": "status",
         "campaign.advertising_channel_type": "advertising_channel_type",
         "campaign.serving_status": "serving_status", "campaign.start_date": "start_date",
         "campaign.end_date": "end_date",
         "campaign.tracking_url_template": "tracking_url_template"},
        "change_status.campaign",
    ),
    "ad_group_history": (
        "AD_GROUP", "ad_group", "ad_group.id",
        {"ad_group.id": "id", "campaign.id": "campaign_id", "campaign.name": "campaign_name",
         "ad_group.name": "name", "ad_group.status": "status", "ad_group.type": "type"},
        "change_status.ad_group",
    ),
    "ad_history": (
        "AD_GROUP_AD", "ad_group_ad", "ad_group_ad.ad.id",
        {"ad_group_ad.ad.id": "id", "ad_group.id": "ad_group_id",
         "ad_group_ad.ad.name": "name", "ad_group_ad.ad.type": "type",
         "ad_group_ad.ad.final_urls": "final_urls",
         "ad_group_ad.ad.display_url": "display_url", "ad_group_ad.status": "status"},
        "change_status.ad_group_ad",
    ),
}  # fmt: skip
_SYNCED = {"_fivetran_synced": "timestamp"}
# Raw column types of the version tables where they are not text (and columns not read).
_HISTORY_TYPES: dict[str, dict[str, str]] = {
    "campaign_history": {"customer_id": "bigint", "advertising_channel_subtype": "text"},
    "ad_group_history": {"campaign_id": "bigint"},
    "ad_history": {"ad_group_id": "bigint", "final_urls": "text"},
}
_METRICS = ("clicks", "impressions", "cost_micros", "conversions", "conversions_value",
            "interactions", "view_through_conversions")  # fmt: skip
# The daily reports, GAQL field → raw column.
_STATS_FIELDS = {
    "campaign.id": "id",
    "customer.id": "customer_id",
    "segments.date": "date",
    "segments.ad_network_type": "ad_network_type",
    "segments.device": "device",
    **{f"metrics.{m}": m for m in _METRICS},
}
_CLICK_FIELDS = {
    "click_view.gclid": "gclid",
    "segments.date": "date",
    "customer.id": "customer_id",
    "campaign.id": "campaign_id",
    "ad_group.id": "ad_group_id",
    "click_view.ad_group_ad": "ad_group_ad",
    "segments.ad_network_type": "ad_network_type",
    "segments.device": "device",
    "segments.click_type": "click_type",
    "metrics.clicks": "clicks",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def field(result: dict[str, Any], gaql: str) -> Any:
    """``field(result, "ad_group_ad.ad.final_urls")`` reads ``result["adGroupAd"]["ad"]...``."""
    node: Any = result
    for part in gaql.split("."):
        node = node.get(_camel(part)) if isinstance(node, dict) else None
    return node


class GoogleAds:
    """The search endpoint of one API base URL, with the connector's auth headers."""

    def __init__(self, base_url: str, credential: str, developer_token: str) -> None:
        self.client = RESTClient(
            base_url=f"{base_url.rstrip('/')}/{API_VERSION}",
            headers={"developer-token": developer_token},
            auth=BearerTokenAuth(credential),
            paginator=JSONResponseCursorPaginator(
                cursor_path="nextPageToken", cursor_body_path="pageToken"
            ),
            data_selector="results",
        )

    def customers(self) -> list[str]:
        path = "/customers:listAccessibleCustomers"
        response = self.client.get(path)
        if not response.ok:  # the client does not raise: say which call failed and why
            raise GoogleAdsError(
                f"GET {path} answered HTTP {response.status_code}: {response.text[:300]}"
            )
        return [name.rsplit("/", 1)[1] for name in response.json().get("resourceNames", [])]

    def search(self, customer: str, query: str) -> Iterator[dict[str, Any]]:
        path = f"/customers/{customer}/googleAds:search"
        for page in self.client.paginate(path, method="POST", json={"query": query}):
            yield from page

    def select(
        self, customer: str, fields: Mapping[str, str], clauses: str
    ) -> Iterator[dict[str, Any]]:
        """``SELECT <fields> <clauses>``, each result as {raw column: value}; ``fields`` maps
        GAQL field → raw column."""
        query = f"SELECT {', '.join(fields)} {clauses}"
        for row in self.search(customer, query):
            yield {column: field(row, gaql) for gaql, column in fields.items()}

    def yesterday(self, customer: str) -> date | None:
        """The account's yesterday (its last complete day), in its own time zone."""
        rows = list(
            self.search(
                customer,
                "SELECT customer.id, segments.date FROM customer "
                "WHERE segments.date DURING YESTERDAY",
            )
        )
        return date.fromisoformat(field(rows[0], "segments.date")) if rows else None

    def report_days(
        self, customer: str, cursor: str | None, restated_days: int = 0
    ) -> tuple[date, date] | None:
        """The days to ask for: the day after ``cursor`` up to the account's yesterday, and the
        trailing ``restated_days`` before it once a new day has completed."""
        return days_to_load(self.yesterday(customer), cursor, HISTORY_DAYS, restated_days)

    def changes(
        self, customer: str, resource_type: str, changed_field: str, after: str, until: str
    ) -> dict[str, str]:
        """Object id → its last change time, for the ``resource_type`` objects changed after
        ``after`` up to ``until``. change_status answers at most ``CHANGE_LIMIT`` rows a query,
        so a full slice is followed by one starting at its last time."""
        changed: dict[str, str] = {}
        lower = f"> '{after}'"
        while True:
            rows = list(
                self.search(
                    customer,
                    f"SELECT {changed_field}, change_status.last_change_date_time "
                    f"FROM change_status WHERE change_status.resource_type = {resource_type} "
                    f"AND change_status.last_change_date_time {lower} "
                    f"AND change_status.last_change_date_time <= '{until}' "
                    f"ORDER BY change_status.last_change_date_time LIMIT {CHANGE_LIMIT}",
                )
            )
            for row in rows:
                changed[_object_id(field(row, changed_field))] = field(
                    row, "change_status.last_change_date_time"
                )
            if len(rows) < CHANGE_LIMIT:
                return changed
            last = field(rows[-1], "change_status.last_change_date_time")
            if lower == f">= '{last}'":
                raise GoogleAdsError(
                    f"change_status of customer {customer} has more than {CHANGE_LIMIT} "
                    f"{resource_type} changes at {last}; they cannot be read in slices"
                )
            lower = f">= '{last}'"

    def days_with_clicks(self, customer: str, window: tuple[date, date]) -> list[str]:
        """The days of ``window`` that had clicks: click_view is asked one day at a time, so
        skip the days without any."""
        rows = self.search(
            customer,
            "SELECT campaign.id, segments.date, metrics.clicks FROM campaign "
            f"WHERE segments.date BETWEEN '{window[0]}' AND '{window[1]}' "
            "AND metrics.clicks > 0",
        )
        return sorted({field(row, "segments.date") for row in rows})


def campaign_stats(api: GoogleAds) -> Any:
    @dlt.resource(
        name="campaign_stats",
        write_disposition="merge",
        primary_key=["id", "date", "ad_network_type", "device"],
        columns=column_hints(
            {
                "id": "bigint",
                "customer_id": "bigint",
                "date": "date",
                "ad_network_type": "text",
                "device": "text",
                **{m: "bigint" for m in _METRICS},
                "conversions": "double",
                "conversions_value": "double",
                **_SYNCED,
            },
            not_null=("id", "date", "ad_network_type", "device", "_fivetran_synced"),
        ),
    )
    def resource() -> Iterator[dict[str, Any]]:
        synced = synced_now()
        for customer in api.customers():
            window = api.report_days(customer, last_loaded(customer), ATTRIBUTION_DAYS)
            if window is None:
                continue
            clauses = (
                f"FROM campaign WHERE segments.date BETWEEN '{window[0]}' AND '{window[1]}' "
                "ORDER BY segments.date"
            )
            for row in api.select(customer, _STATS_FIELDS, clauses):
                yield {**row, "_fivetran_synced": synced}
            mark_loaded(customer, window[1])

    return resource


def click_view(api: GoogleAds) -> Any:
    @dlt.resource(
        name="click_view",
        write_disposition="merge",
        primary_key="gclid",
        columns=column_hints(
            {
                "gclid": "text",
                "date": "date",
                "customer_id": "bigint",
                "campaign_id": "bigint",
                "ad_group_id": "bigint",
                **{c: "text" for c in ("ad_group_ad", "ad_network_type", "device", "click_type")},
                "clicks": "bigint",
                **_SYNCED,
            },
            not_null=("gclid", "date", "_fivetran_synced"),
        ),
    )
    def resource() -> Iterator[dict[str, Any]]:
        synced = synced_now()
        for customer in api.customers():
            window = api.report_days(customer, last_loaded(customer))
            if window is None:
                continue
            for clicked in api.days_with_clicks(customer, window):
                clauses = f"FROM click_view WHERE segments.date = '{clicked}'"
                for row in api.select(customer, _CLICK_FIELDS, clauses):
                    yield {**row, "_fivetran_synced": synced}
            mark_loaded(customer, window[1])

    return resource


def _object_id(resource_name: str) -> str:
    """``customers/1/adGroupAds/2~3`` → ``3``; ``customers/1/campaigns/4`` → ``4``."""
    return resource_name.rsplit("/", 1)[1].rsplit("~", 1)[-1]


def history(api: GoogleAds, table: str) -> Any:
    resource_type, gaql_resource, id_field, fields, changed_field = _HISTORY[table]

    @dlt.resource(
        name=table,
        write_disposition="merge",
        primary_key=["id", "updated_at"],
        columns=column_hints(
            {
                "id": "bigint",
                "updated_at": "timestamp",
                **{column: "text" for column in fields.values() if column != "id"},
                **_HISTORY_TYPES[table],
                **_SYNCED,
            },
            not_null=("id", "updated_at", "_fivetran_synced"),
        ),
    )
    def resource() -> Iterator[dict[str, Any]]:
        synced = synced_now()
        # Per customer: the time up to which every change is known (resource state is saved
        # with the load, so a failed run asks again from the same point).
        cursors = dlt.current.resource_state().setdefault("changes_known_until", {})
        for customer in api.customers():
            yesterday = api.yesterday(customer)
            if yesterday is None:
                continue
            # change_status needs a bounded range within its reach: up to the end of the
            # account's today, from no earlier than CHANGE_STATUS_DAYS before it.
            until = (yesterday + timedelta(days=2)).strftime(_TIME)
            reach = (yesterday - timedelta(days=CHANGE_STATUS_DAYS - 2)).strftime(_TIME)
            cursor = cursors.get(customer)
            if cursor is None or cursor < reach:  # first sync, or one change_status forgot
                changed = api.changes(customer, resource_type, changed_field, reach, until)
                items = api.select(customer, fields, f"FROM {gaql_resource}")
                for item in items:
                    yield _version(item, changed.get(str(item["id"]), UNKNOWN_CHANGE), synced)
                cursors[customer] = max(changed.values(), default=reach)
                continue
            changed = api.changes(customer, resource_type, changed_field, cursor, until)
            ids = sorted(changed, key=int)
            for start in range(0, len(ids), ID_CHUNK):
                chunk = ", ".join(ids[start : start + ID_CHUNK])
                clauses = f"FROM {gaql_resource} WHERE {id_field} IN ({chunk})"
                for item in api.select(customer, fields, clauses):
                    yield _version(item, changed[str(item["id"])], synced)
            cursors[customer] = max([cursor, *changed.values()])

    return resource


def _version(item: dict[str, Any], updated_at: str, synced: datetime) -> dict[str, Any]:
    """An object as a history row: its version time, the sync time, and repeated fields as the
    JSON text Fivetran lands them as."""
    if "final_urls" in item:
        item = {**item, "final_urls": json.dumps(item["final_urls"])}
    return {**item, "updated_at": updated_at, "_fivetran_synced": synced}


@dlt.source(name=SOURCE)
def google_ads_source(
    base_url: str, credential: str, developer_token: str = DEFAULT_GOOGLE_ADS_DEVELOPER_TOKEN
) -> list[Any]:
    """Every Google Ads table roundtrip lands, read from the Google Ads API at ``base_url``."""
    api = GoogleAds(base_url, credential, developer_token)
    return [campaign_stats(api), click_view(api), *(history(api, table) for table in _HISTORY)]


def connector_options(settings: Settings) -> dict[str, str]:
    """What the connector takes from the settings besides its URL and OAuth token."""
    return {"developer_token": settings.google_ads_developer_token}


google_ads_assets = build_source_assets(
    SOURCE, google_ads_source, DESCRIPTIONS, options=connector_options
)
