"""HubSpot → ``raw_hubspot``: contact, company, deal, deal_stage, deal_pipeline_stage, deal_contact,
deal_company, engagement, engagement_contact, email_campaign, email_event, owner.

Tables and columns are Fivetran's (``dbt_hubspot_source``): object properties land as
``property_<name>`` columns, typed (HubSpot sends every property as text), with ``_fivetran_synced``
/ ``_fivetran_deleted`` bookkeeping; every column is declared so always-null ones still exist.

Incremental, with the cursor in dlt's state in the warehouse. Every time bound is inclusive (a
record written in the cursor's millisecond after the last read still comes) and the ids already
loaded at the cursor are skipped, so a re-run loads nothing twice:
- contacts, companies, deals: HubSpot's list endpoint cannot filter by modification time, so they
  are read through the search endpoint, ``lastmodifieddate`` (contacts) / ``hs_lastmodifieddate``
  GTE the watermark and ``hs_object_id`` NOT_IN the ids loaded at it, sorted ascending. Search
  stops at 10,000 results per query; there the query restarts from the newest time read.
  Search never returns archived (deleted or merged-away) objects, so the list endpoint's
  ``archived=true`` is read in full every run and the objects archived since the last run land
  as deleted (contacts ``_fivetran_deleted``, companies and deals ``is_deleted``), as Fivetran
  marks them, for staging to drop.
- deal_stage (``propertiesWithHistory=dealstage``), deal_contact and deal_company (v4
  associations) are read for the deals that changed, in batches.
- engagements: the full ``paged`` export on the first run, then ``recent/modified`` since the last
  ``lastUpdated``; engagement_contact comes with them (each engagement's
  ``associations.contactIds``, merged on the pair, as Fivetran lands the association); email
  events from ``startTimestamp`` = the last ``created``; marketing emails
  ``updatedAfter`` (exclusive) a millisecond before the last ``updatedAt``. dlt's incremental
  drops the rows at the cursor it already loaded (its boundary deduplication on the primary key).
- owners and deal pipelines have no modified-since filter in HubSpot's API: both small lists are
  read in full every run (as Fivetran does), and only rows whose ``updatedAt`` moved are loaded.

Merged contacts: the duplicate is archived, so it lands as deleted; the survivor's
``property_hs_merged_object_ids`` lists it as well. Rows merge on their primary keys, so re-runs
never duplicate and changed objects are updated.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from requests import Response

from platform_assets.ingestion.dlt_support import build_source_assets, column_hints, synced_now

SOURCE = "hubspot"
SEARCH_RESULT_CAP = 10_000
SEARCH_PAGE_SIZE = 200
SEARCH_EXCLUDE_MAX = 100  # values HubSpot takes in one NOT_IN filter
ARCHIVED_PAGE_SIZE = 100  # the list endpoint's maximum
BATCH_READ_SIZE = 50  # HubSpot allows 100 ids per batch read, 50 when asking for history
ASSOCIATION_BATCH_SIZE = 1000
OPEN_ENDED = datetime(9999, 12, 31, 23, 59, 59)


class HubSpotApiError(RuntimeError):
    """HubSpot refused a request for good (after dlt's retries of 429/5xx)."""


def _columns(spec: str) -> TTableSchemaColumns:
    """``"name:type ..."`` → dlt hints: every column nullable, timestamps naive UTC."""
    return column_hints(spec, not_null=())


# HubSpot property → dlt type, per object (text unless named); every one is requested and landed.
CONTACT_PROPERTIES = {
    "email": "text",
    "firstname": "text",
    "lastname": "text",
    "jobtitle": "text",
    "company": "text",
    "associatedcompanyid": "bigint",
    "lifecyclestage": "text",
    "hubspot_owner_id": "bigint",
    "hs_merged_object_ids": "text",
    "hs_calculated_merged_vids": "text",
    "hs_lifecyclestage_lead_date": "timestamp",
    "hs_lifecyclestage_marketingqualifiedlead_date": "timestamp",
    "hs_lifecyclestage_salesqualifiedlead_date": "timestamp",
    "hs_lifecyclestage_opportunity_date": "timestamp",
    "hs_lifecyclestage_customer_date": "timestamp",
    "annualrevenue": "bigint",
    "phone": "text",
    "createdate": "timestamp",
    "lastmodifieddate": "timestamp",
    # What reverse ETL writes back (the round trip): the lead score, its decile, the MQL flag,
    # the lifetime value, the click id and the industry.
    "roundtrip_lead_score": "double",
    "roundtrip_lead_decile": "bigint",
    "roundtrip_is_mql": "bool",
    "roundtrip_lifetime_value": "double",
    "hs_google_click_id": "text",
    "industry": "text",
}
COMPANY_PROPERTIES = {
    "name": "text",
    "domain": "text",
    "industry": "text",
    "numberofemployees": "bigint",
    "country": "text",
    "lifecyclestage": "text",
    "annualrevenue": "double",
    "description": "text",
    "createdate": "timestamp",
    "hs_lastmodifieddate": "timestamp",
}
DEAL_PROPERTIES = {
    "dealname": "text",
    "amount": "double",
    "dealstage": "text",
    "pipeline": "text",
    "dealtype": "text",
    "closedate": "timestamp",
    "hubspot_owner_id": "bigint",
    "description": "text",
    "createdate": "timestamp",
    "hs_lastmodifieddate": "timestamp",
}
SYNC = "_fivetran_synced:timestamp _fivetran_deleted:bool"


def _object_columns(key: str, extra: str, properties: dict[str, str]) -> TTableSchemaColumns:
    props = " ".join(f"property_{name}:{kind}" for name, kind in properties.items())
    return _columns(f"{key}:bigint {SYNC} {extra} {props}")


CONTACT_COLUMNS = _object_columns("id", "", CONTACT_PROPERTIES)
COMPANY_COLUMNS = _object_columns("id", "is_deleted:bool portal_id:bigint", COMPANY_PROPERTIES)
DEAL_COLUMNS = _object_columns(
    "deal_id",
    "is_deleted:bool portal_id:bigint deal_pipeline_id:text deal_pipeline_stage_id:text "
    "owner_id:bigint",
    DEAL_PROPERTIES,
)
DEAL_STAGE_COLUMNS = _columns(
    "deal_id:bigint _fivetran_start:timestamp _fivetran_end:timestamp _fivetran_active:bool "
    "_fivetran_synced:timestamp date_entered:timestamp value:text source:text source_id:text"
)
DEAL_CONTACT_COLUMNS = _columns(
    "deal_id:bigint contact_id:bigint type_id:bigint _fivetran_synced:timestamp"
)
DEAL_COMPANY_COLUMNS = _columns(
    "deal_id:bigint company_id:bigint type_id:bigint _fivetran_synced:timestamp"
)
PIPELINE_STAGE_COLUMNS = _columns(
    f"stage_id:text {SYNC} pipeline_id:text label:text display_order:bigint probability:double "
    "closed_won:bool active:bool created_at:timestamp updated_at:timestamp"
)
OWNER_COLUMNS = _columns(
    "owner_id:bigint _fivetran_synced:timestamp portal_id:bigint type:text email:text "
    "first_name:text last_name:text user_id:bigint created_at:timestamp updated_at:timestamp "
    "is_active:bool"
)
ENGAGEMENT_COLUMNS = _columns(
    "id:bigint _fivetran_synced:timestamp portal_id:bigint active:bool activity_type:text "
    "created_at:timestamp last_updated:timestamp owner_id:bigint timestamp:timestamp type:text"
)
ENGAGEMENT_CONTACT_COLUMNS = _columns(
    "engagement_id:bigint contact_id:bigint _fivetran_synced:timestamp"
)
EMAIL_CAMPAIGN_COLUMNS = _columns(
    "id:bigint _fivetran_synced:timestamp app_id:bigint app_name:text content_id:bigint "
    "name:text num_included:bigint num_queued:bigint sub_type:text subject:text type:text "
    "updated_at:timestamp"
)
EMAIL_EVENT_COLUMNS = _columns(
    "id:text _fivetran_synced:timestamp app_id:bigint caused_by_created:timestamp "
    "caused_by_id:text created:timestamp email_campaign_id:bigint filtered_event:bool "
    "obsoleted_by_created:timestamp obsoleted_by_id:text portal_id:bigint recipient:text "
    "sent_by_created:timestamp sent_by_id:text type:text"
)

DESCRIPTIONS = {
    "contact": "HubSpot contacts, latest state, properties as `property_*` (Fivetran's "
    "`contact`); deleted and merged-away contacts stay with `_fivetran_deleted` true.",
    "company": "HubSpot companies, latest state; deleted ones with `is_deleted` true "
    "(Fivetran's `company`).",
    "deal": "HubSpot deals, latest state; deleted ones with `is_deleted` true (Fivetran's `deal`).",
    "deal_stage": "Every stage a deal entered, from `dealstage` history (Fivetran's `deal_stage`).",
    "deal_pipeline_stage": "Stages of the deal pipelines (Fivetran's `deal_pipeline_stage`).",
    "deal_contact": "Deal ↔ contact associations (Fivetran's `deal_contact`).",
    "deal_company": "Deal ↔ company associations (Fivetran's `deal_company`).",
    "engagement": "Sales engagements: calls, meetings (Fivetran's `engagement`).",
    "engagement_contact": "Engagement ↔ contact associations (Fivetran's `engagement_contact`).",
    "email_campaign": "Marketing email campaigns (Fivetran's `email_campaign`).",
    "email_event": "Marketing email events: sent, delivered, open, click, status change "
    "(Fivetran's `email_event`).",
    "owner": "HubSpot owners: the sales reps records are assigned to (Fivetran's `owner`).",
}


# --- values ---------------------------------------------------------------------------------
def parse_time(value: Any) -> datetime | None:
    """HubSpot's ISO-8601 text or epoch milliseconds → naive UTC datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or str(value).isdigit():
        return datetime.fromtimestamp(int(value) / 1000, UTC).replace(tzinfo=None)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def epoch_ms(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp() * 1000)


class Watermark:
    """How far a time-ordered read got: the newest time loaded and the ids loaded at it, in the
    resource's dlt state (committed with the load, so a failed run moves nothing).

    Reads ask for times at or after ``since``: a record written in that millisecond after the
    last read still comes. :meth:`admits` drops the ids loaded at ``since`` by an earlier run, so
    a re-run loads nothing twice; :meth:`advance` records what this run loaded.
    """

    def __init__(self, state: dict[str, Any], name: str) -> None:
        self._saved = state.setdefault(name, {"since": None, "ids": []})
        self._start = (self.since, frozenset(self._saved["ids"]))

    @property
    def since(self) -> datetime | None:
        return parse_time(self._saved["since"])

    @property
    def ids(self) -> list[str]:
        """The ids loaded at :attr:`since` (by this run or an earlier one)."""
        return list(self._saved["ids"])

    def admits(self, when: datetime, object_id: str) -> bool:
        """True unless an earlier run loaded ``object_id`` at ``when`` or read past it."""
        since, ids = self._start
        return since is None or when > since or (when == since and object_id not in ids)

    def advance(self, when: datetime, object_id: str) -> None:
        since = self.since
        if since is None or when > since:
            self._saved.update(since=when.isoformat(), ids=[object_id])
        elif when == since and object_id not in self._saved["ids"]:
            self._saved["ids"].append(object_id)


def _typed(value: Any, kind: str) -> Any:
    if value in (None, ""):
        return None
    if kind == "timestamp":
        return parse_time(value)
    if kind == "bigint":
        return int(float(value))
    if kind == "double":
        return float(value)
    if kind == "bool":
        return str(value).lower() == "true"
    return value


def object_row(
    obj: dict[str, Any], properties: dict[str, str], key: str, synced: datetime
) -> dict[str, Any]:
    """A CRM v3 object → a raw row: ``property_*`` columns typed, plus bookkeeping."""
    props = obj.get("properties") or {}
    row = {key: int(obj["id"]), "_fivetran_synced": synced, "_fivetran_deleted": False}
    row.update({f"property_{n}": _typed(props.get(n), kind) for n, kind in properties.items()})
    return row


def contact_row(obj: dict[str, Any], synced: datetime) -> dict[str, Any]:
    """Fivetran's ``contact`` has no ``is_deleted``: an archived one is ``_fivetran_deleted``."""
    row = object_row(obj, CONTACT_PROPERTIES, "id", synced)
    row["_fivetran_deleted"] = bool(obj.get("archived"))
    return row


def deal_row(obj: dict[str, Any], synced: datetime) -> dict[str, Any]:
    row = object_row(obj, DEAL_PROPERTIES, "deal_id", synced)
    row.update(
        is_deleted=bool(obj.get("archived")),
        portal_id=None,
        deal_pipeline_id=row["property_pipeline"],
        deal_pipeline_stage_id=row["property_dealstage"],
        owner_id=row["property_hubspot_owner_id"],
    )
    return row


def company_row(obj: dict[str, Any], synced: datetime) -> dict[str, Any]:
    row = object_row(obj, COMPANY_PROPERTIES, "id", synced)
    row.update(is_deleted=bool(obj.get("archived")), portal_id=None)
    return row


def deal_stage_rows(obj: dict[str, Any], synced: datetime) -> Iterator[dict[str, Any]]:
    """One row per stage a deal entered; the newest is active, each ends when the next starts."""
    history = (obj.get("propertiesWithHistory") or {}).get("dealstage") or []  # newest first
    ends: datetime = OPEN_ENDED
    for n, entry in enumerate(history):
        entered = parse_time(entry["timestamp"])
        yield {
            "deal_id": int(obj["id"]),
            "_fivetran_start": entered,
            "_fivetran_end": ends,
            "_fivetran_active": n == 0,
            "_fivetran_synced": synced,
            "date_entered": entered,
            "value": entry.get("value"),
            "source": entry.get("sourceType"),
            "source_id": entry.get("sourceId"),
        }
        ends = entered


def engagement_row(item: dict[str, Any], synced: datetime) -> dict[str, Any]:
    e = item["engagement"]
    return {
        "id": e["id"],
        "_fivetran_synced": synced,
        "portal_id": e.get("portalId"),
        "active": e.get("active"),
        "activity_type": e.get("activityType"),
        "created_at": parse_time(e.get("createdAt")),
        "last_updated": parse_time(e.get("lastUpdated")),
        "owner_id": e.get("ownerId"),
        "timestamp": parse_time(e.get("timestamp")),
        "type": e.get("type"),
    }


def email_event_row(event: dict[str, Any], synced: datetime) -> dict[str, Any]:
    def ref(name: str) -> dict[str, Any]:
        return event.get(name) or {}

    return {
        "id": event["id"],
        "_fivetran_synced": synced,
        "app_id": event.get("appId"),
        "caused_by_created": parse_time(ref("causedBy").get("created")),
        "caused_by_id": ref("causedBy").get("id"),
        "created": parse_time(event["created"]),
        "email_campaign_id": event.get("emailCampaignId"),
        "filtered_event": event.get("filteredEvent"),
        "obsoleted_by_created": parse_time(ref("obsoletedBy").get("created")),
        "obsoleted_by_id": ref("obsoletedBy").get("id"),
        "portal_id": event.get("portalId"),
        "recipient": event.get("recipient"),
        "sent_by_created": parse_time(ref("sentBy").get("created")),
        "sent_by_id": ref("sentBy").get("id"),
        "type": event.get("type"),
    }


def email_campaign_rows(email: dict[str, Any], synced: datetime) -> list[dict[str, Any]]:
    """A marketing email → one row per campaign that sent it: ``email_campaign`` is keyed by the
    campaign id the email events carry. A draft never sent has no campaign and no row; an email
    sent by several campaigns (a resend) has one row each. The email's send counter belongs to
    its primary campaign."""
    primary = email.get("primaryEmailCampaignId")
    campaign_ids = dict.fromkeys(
        int(c) for c in [primary, *(email.get("allEmailCampaignIds") or [])] if c not in (None, "")
    )
    counters = (email.get("stats") or {}).get("counters") or {}
    return [
        {
            "id": campaign_id,
            "_fivetran_synced": synced,
            "app_id": 113,
            "app_name": "Batch",
            "content_id": int(email["id"]),
            "name": email.get("name"),
            "num_included": counters.get("sent") if str(campaign_id) == str(primary) else None,
            "num_queued": 0,
            "sub_type": email.get("subcategory"),
            "subject": email.get("subject"),
            "type": email.get("type"),
            "updated_at": parse_time(email.get("updatedAt")),
        }
        for campaign_id in campaign_ids
    ]


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the source -------------------------------------------------------------------------------
@dlt.source(name=SOURCE, max_table_nesting=0)
def hubspot_source(base_url: str, credential: str, page_size: int = SEARCH_PAGE_SIZE) -> Any:
    """The twelve HubSpot tables, read incrementally from the API at ``base_url``.

    ``credential`` is a private app's access token (sent as a Bearer token); ``page_size`` ≤ 200
    (tests use small pages to exercise pagination and the search cap).
    """
    client = RESTClient(base_url=base_url.rstrip("/"), auth=BearerTokenAuth(credential))
    synced = synced_now()

    def call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response: Response = client.request(path, method=method, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json()
            except ValueError:
                detail = {"message": response.text[:200]}
            raise HubSpotApiError(
                f"HubSpot {method} {path} failed with HTTP {response.status_code}: "
                f"{detail.get('message')} ({detail.get('category', 'no category')})"
            )
        return response.json()

    def pages(
        path: str, params: dict[str, Any], items: str, cursor_param: str, next_cursor: Callable
    ) -> Iterator[list[dict[str, Any]]]:
        while True:
            body = call("GET", path, params=params)
            yield body[items]
            cursor = next_cursor(body)
            if cursor in (None, ""):
                return
            params = {**params, cursor_param: cursor}

    def v3_after(body: dict[str, Any]) -> Any:
        return ((body.get("paging") or {}).get("next") or {}).get("after")

    def search(
        object_type: str, modified: str, properties: dict[str, str], mark: Watermark
    ) -> Iterator[list[dict[str, Any]]]:
        """Objects modified at or after the watermark, oldest first, less those it loaded. Past
        the 10,000-result cap the query restarts from the newest time read (its ids excluded)."""
        after, restarted_at, groups = 0, None, search_filters(modified, mark)
        while True:
            body = {
                "filterGroups": groups,
                "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
                "properties": list(properties),
                "limit": page_size,
                "after": str(after),
            }
            data = call("POST", f"/crm/v3/objects/{object_type}/search", json=body)
            yield loaded_at(data["results"], mark, lambda obj: obj["properties"][modified])
            next_after = v3_after(data)
            if next_after is None:
                return
            after = int(next_after)
            if after + page_size > SEARCH_RESULT_CAP:
                if mark.since == restarted_at:
                    raise HubSpotApiError(
                        f"more than {SEARCH_RESULT_CAP} {object_type} modified at {mark.since}"
                    )
                after, restarted_at, groups = 0, mark.since, search_filters(modified, mark)

    def search_filters(modified: str, mark: Watermark) -> list[dict[str, Any]]:
        """Modified after the watermark, or at it and not loaded yet (filter groups are OR-ed);
        past the ids one NOT_IN takes, GTE alone, and :meth:`Watermark.admits` drops repeats."""
        if mark.since is None:
            return []
        value = epoch_ms(mark.since)
        if not 0 < len(mark.ids) <= SEARCH_EXCLUDE_MAX:
            return [{"filters": [{"propertyName": modified, "operator": "GTE", "value": value}]}]
        return [
            {"filters": [{"propertyName": modified, "operator": "GT", "value": value}]},
            {
                "filters": [
                    {"propertyName": modified, "operator": "EQ", "value": value},
                    {"propertyName": "hs_object_id", "operator": "NOT_IN", "values": mark.ids},
                ]
            },
        ]

    def loaded_at(
        objects: list[dict[str, Any]], mark: Watermark, time_of: Callable[[dict[str, Any]], Any]
    ) -> list[dict[str, Any]]:
        """The objects ``mark`` admits; the watermark moves past them."""
        fresh = []
        for obj in objects:
            when = parse_time(time_of(obj))
            if mark.admits(when, obj["id"]):
                fresh.append(obj)
                mark.advance(when, obj["id"])
        return fresh

    def archived(
        object_type: str, properties: dict[str, str], mark: Watermark
    ) -> Iterator[list[dict[str, Any]]]:
        """Objects archived since the last run: the list endpoint has no time filter, so the
        archived list is read in full and the watermark keeps what was loaded before."""
        params = {
            "archived": "true",
            "limit": ARCHIVED_PAGE_SIZE,
            "properties": ",".join(properties),
        }
        path = f"/crm/v3/objects/{object_type}"
        for page in pages(path, params, "results", "after", v3_after):
            yield loaded_at(page, mark, lambda obj: obj.get("archivedAt") or obj["updatedAt"])

    def crm_objects(
        object_type: str,
        modified: str,
        properties: dict[str, str],
        to_row: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.resource_state()
        for page in search(object_type, modified, properties, Watermark(state, "modified")):
            yield [to_row(obj) for obj in page]
        for page in archived(object_type, properties, Watermark(state, "archived")):
            yield [to_row(obj) for obj in page]

    def crm_resource(name, object_type, modified, properties, key, columns, to_row):
        return dlt.resource(
            crm_objects, name=name, primary_key=key, write_disposition="merge", columns=columns
        )(object_type, modified, properties, to_row)

    contact = crm_resource(
        "contact",
        "contacts",
        "lastmodifieddate",
        CONTACT_PROPERTIES,
        "id",
        CONTACT_COLUMNS,
        lambda obj: contact_row(obj, synced),
    )
    company = crm_resource(
        "company",
        "companies",
        "hs_lastmodifieddate",
        COMPANY_PROPERTIES,
        "id",
        COMPANY_COLUMNS,
        lambda obj: company_row(obj, synced),
    )
    deal = crm_resource(
        "deal",
        "deals",
        "hs_lastmodifieddate",
        DEAL_PROPERTIES,
        "deal_id",
        DEAL_COLUMNS,
        lambda obj: deal_row(obj, synced),
    )

    def live(deals: list[dict[str, Any]]) -> list[dict[str, str]]:
        """Batch-read inputs for the deals not deleted (HubSpot reads archived ones only when
        asked to, and a deleted deal's stages and links stay as last landed)."""
        return [{"id": str(d["deal_id"])} for d in deals if not d["is_deleted"]]

    def stage_history(deals: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        for batch in _chunks(live(deals), BATCH_READ_SIZE):
            body = {
                "inputs": batch,
                "properties": ["dealstage"],
                "propertiesWithHistory": ["dealstage"],
            }
            data = call("POST", "/crm/v3/objects/deals/batch/read", json=body)
            yield [row for obj in data["results"] for row in deal_stage_rows(obj, synced)]

    def associations(to_type: str, key: str) -> Callable:
        def read(deals: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
            for batch in _chunks(live(deals), ASSOCIATION_BATCH_SIZE):
                path = f"/crm/v4/associations/deals/{to_type}/batch/read"
                data = call("POST", path, json={"inputs": batch})
                yield [
                    {
                        "deal_id": int(result["from"]["id"]),
                        key: link["toObjectId"],
                        "type_id": link["associationTypes"][0]["typeId"],
                        "_fivetran_synced": synced,
                    }
                    for result in data["results"]
                    for link in result["to"]
                ]

        return read

    def deal_transformer(func: Callable, name: str, key: list[str], columns: TTableSchemaColumns):
        return dlt.transformer(
            func,
            data_from=deal,
            name=name,
            primary_key=key,
            write_disposition="merge",
            columns=columns,
        )

    def pipeline_stages(
        updated: dlt.sources.incremental[Any],
    ) -> Iterator[list[dict[str, Any]]]:
        for pipeline in call("GET", "/crm/v3/pipelines/deals")["results"]:
            yield [
                {
                    "stage_id": stage["id"],
                    "_fivetran_synced": synced,
                    "_fivetran_deleted": bool(stage.get("archived")),
                    "pipeline_id": pipeline["id"],
                    "label": stage["label"],
                    "display_order": stage["displayOrder"],
                    "probability": _typed(stage["metadata"].get("probability"), "double"),
                    "closed_won": stage["metadata"].get("isClosed") == "true"
                    and _typed(stage["metadata"].get("probability"), "double") == 1.0,
                    "active": not stage.get("archived"),
                    "created_at": parse_time(stage.get("createdAt")),
                    "updated_at": parse_time(stage.get("updatedAt")),
                }
                for stage in pipeline["stages"]
            ]

    def owners(updated: dlt.sources.incremental[Any]) -> Iterator[list[dict[str, Any]]]:
        for page in pages("/crm/v3/owners", {"limit": 500}, "results", "after", v3_after):
            yield [
                {
                    "owner_id": int(o["id"]),
                    "_fivetran_synced": synced,
                    "portal_id": None,
                    "type": o.get("type"),
                    "email": o.get("email"),
                    "first_name": o.get("firstName"),
                    "last_name": o.get("lastName"),
                    "user_id": o.get("userId"),
                    "created_at": parse_time(o.get("createdAt")),
                    "updated_at": parse_time(o.get("updatedAt")),
                    "is_active": not o.get("archived"),
                }
                for o in page
            ]

    # Engagement id → its contacts, noted as each page is read: the engagement rows keep only
    # Fivetran's columns, and engagement_contact (a transformer on them) sees exactly the
    # engagements the incremental cursor let through.
    engagement_contact_ids: dict[int, list[int]] = {}

    def engagements(
        last_updated: dlt.sources.incremental[Any],
    ) -> Iterator[list[dict[str, Any]]]:
        since = last_updated.last_value
        if since is None:
            path, params, cursor = "/engagements/v1/engagements/paged", {"limit": 250}, "offset"
        else:
            path = "/engagements/v1/engagements/recent/modified"
            params = {"count": 100, "since": epoch_ms(since)}
            cursor = "offset"

        def more(body: dict[str, Any]) -> Any:
            return body["offset"] if body.get("hasMore") else None

        for page in pages(path, params, "results", cursor, more):
            for item in page:
                contact_ids = (item.get("associations") or {}).get("contactIds") or []
                engagement_contact_ids[item["engagement"]["id"]] = [int(c) for c in contact_ids]
            yield [engagement_row(item, synced) for item in page]

    def engagement_contacts(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        yield [
            {"engagement_id": row["id"], "contact_id": contact_id, "_fivetran_synced": synced}
            for row in rows
            for contact_id in engagement_contact_ids.get(row["id"], [])
        ]

    def email_campaigns(updated: dlt.sources.incremental[Any]) -> Iterator[list[dict]]:
        params: dict[str, Any] = {"limit": 100, "includeStats": "true"}
        if updated.last_value is not None:
            params["updatedAfter"] = (
                updated.last_value - timedelta(milliseconds=1)
            ).isoformat() + "Z"
        for page in pages("/marketing/v3/emails", params, "results", "after", v3_after):
            yield [row for email in page for row in email_campaign_rows(email, synced)]

    def email_events(created: dlt.sources.incremental[Any]) -> Iterator[list[dict]]:
        params: dict[str, Any] = {"limit": 1000}
        if created.last_value is not None:
            params["startTimestamp"] = epoch_ms(created.last_value)

        def more(body: dict[str, Any]) -> Any:
            return body["offset"] if body.get("hasMore") else None

        for page in pages("/email/public/v1/events", params, "events", "offset", more):
            yield [email_event_row(event, synced) for event in page]

    def incremental_resource(func, name, key, columns, cursor_column):
        return dlt.resource(
            func, name=name, primary_key=key, write_disposition="merge", columns=columns
        )(dlt.sources.incremental(cursor_column))

    engagement = incremental_resource(
        engagements, "engagement", "id", ENGAGEMENT_COLUMNS, "last_updated"
    )

    return (
        contact,
        company,
        deal,
        deal_transformer(
            stage_history, "deal_stage", ["deal_id", "_fivetran_start"], DEAL_STAGE_COLUMNS
        ),
        deal_transformer(
            associations("contacts", "contact_id"),
            "deal_contact",
            ["deal_id", "contact_id"],
            DEAL_CONTACT_COLUMNS,
        ),
        deal_transformer(
            associations("companies", "company_id"),
            "deal_company",
            ["deal_id", "company_id"],
            DEAL_COMPANY_COLUMNS,
        ),
        incremental_resource(
            pipeline_stages, "deal_pipeline_stage", "stage_id", PIPELINE_STAGE_COLUMNS, "updated_at"
        ),
        incremental_resource(owners, "owner", "owner_id", OWNER_COLUMNS, "updated_at"),
        engagement,
        dlt.transformer(
            engagement_contacts,
            data_from=engagement,
            name="engagement_contact",
            primary_key=["engagement_id", "contact_id"],
            write_disposition="merge",
            columns=ENGAGEMENT_CONTACT_COLUMNS,
        ),
        incremental_resource(
            email_campaigns, "email_campaign", "id", EMAIL_CAMPAIGN_COLUMNS, "updated_at"
        ),
        incremental_resource(email_events, "email_event", "id", EMAIL_EVENT_COLUMNS, "created"),
    )


hubspot_assets = build_source_assets(SOURCE, hubspot_source, DESCRIPTIONS)
