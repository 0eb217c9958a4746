"""HubSpot ingestion with dlt over real HTTP into a temporary warehouse: initial load, a re-run
that fetches nothing incremental, a day later only what changed, the search cap, and failures.

The world is the hand-made one of ``test_hubspot_world`` (its docstring lists what exists at T0
and what changes by T1); counts below follow from it.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import pytest

from platform_assets.ingestion import hubspot as connector
from platform_assets.ingestion.dlt_support import run_source
from platform_assets.sandbox.apis import hubspot as fake
from platform_assets.sandbox.server import (
    SandboxServer,
    request_log,
    reset_request_log,
    set_faults,
)
from platform_assets.settings import Settings
from tests.sources import harness
from tests.sources.test_hubspot_world import T0, T1, make_world

TABLES = (
    "contact",
    "company",
    "deal",
    "deal_stage",
    "deal_contact",
    "deal_company",
    "deal_pipeline_stage",
    "owner",
    "engagement",
    "email_campaign",
    "email_event",
)
REFERENCE_ROWS = 7 + 2  # pipeline stages + owners: no modified-since filter exists for them


server = harness.server_fixture(make_world, fake.API)


@pytest.fixture()
def settings(tmp_path: Path, server: SandboxServer) -> Settings:
    return harness.warehouse_settings(tmp_path, server)


def load(settings: Settings, page_size: int = 2) -> None:
    run_source(
        settings, "hubspot", functools.partial(connector.hubspot_source, page_size=page_size)
    )


def snapshot(settings: Settings) -> dict[str, list[tuple]]:
    return harness.snapshot(settings, "raw_hubspot", TABLES)


def fetched(server: SandboxServer) -> Counter[str]:
    """Rows the API served, by path (first two segments after the version)."""
    rows: Counter[str] = Counter()
    for entry in request_log(server.url, "hubspot")["entries"]:
        rows[entry["path"]] += entry["rows"]
    return +rows


def test_initial_rerun_and_next_day(settings: Settings, server: SandboxServer) -> None:
    load(settings)
    first = snapshot(settings)
    assert {t: len(rows) for t, rows in first.items()} == {
        "contact": 5,
        "company": 2,
        "deal": 2,
        "deal_stage": 3,
        "deal_contact": 2,
        "deal_company": 2,
        "deal_pipeline_stage": 7,
        "owner": 2,
        "engagement": 4,
        "email_campaign": 1,
        "email_event": 6,
    }
    # Fivetran's shapes: property_* columns typed; always-null properties still exist.
    assert harness.query(
        settings,
        "select property_email, property_lifecyclestage, property_createdate, "
        "property_annualrevenue from raw_hubspot.contact where id = 1000010",
    ) == [("Alice@Acme.com", "opportunity", T0.replace(month=1, day=8, hour=10), None)]

    reset_request_log(server.url)
    load(settings)
    assert sum(fetched(server).values()) == REFERENCE_ROWS
    assert snapshot(settings) == first

    server.store.set_clock(T1)
    reset_request_log(server.url)
    load(settings)
    assert fetched(server) == Counter(
        {
            "/crm/v3/objects/contacts/search": 3,  # p1 won, p2 merged, p5 new
            "/crm/v3/objects/companies/search": 1,  # company 1 became a customer
            "/crm/v3/objects/deals/search": 2,
            "/crm/v3/objects/deals/batch/read": 2,
            "/crm/v4/associations/deals/contacts/batch/read": 2,
            "/crm/v4/associations/deals/companies/batch/read": 2,
            "/crm/v3/pipelines/deals": 7,
            "/crm/v3/owners": 2,
            "/marketing/v3/emails": 1,
            "/email/public/v1/events": 3,
        }
    )
    after = snapshot(settings)
    assert {t: len(after[t]) - len(first[t]) for t in TABLES if after[t] != first[t]} == {
        "contact": 1,
        "company": 0,
        "deal": 0,
        "deal_stage": 2,
        "deal_contact": 0,  # re-read for the changed deals: same rows, new _fivetran_synced
        "deal_company": 0,
        "email_campaign": 1,
        "email_event": 3,
    }
    assert harness.query(
        settings,
        "select id, property_lifecyclestage, property_hs_merged_object_ids "
        "from raw_hubspot.contact where id in (1000010, 1000020, 1000021) order by id",
    ) == [
        (1000010, "customer", None),
        (1000020, "marketingqualifiedlead", "1000021"),
        (1000021, "lead", None),  # the merged duplicate keeps its last landed row
    ]
    assert harness.query(
        settings,
        "select value, _fivetran_active, _fivetran_end from raw_hubspot.deal_stage "
        "where deal_id = 9000000001 order by date_entered",
    ) == [
        ("appointmentscheduled", False, T0.replace(month=1, day=24, hour=17, minute=40)),
        ("qualifiedtobuy", False, T1.replace(hour=9)),
        ("closedwon", True, connector.OPEN_ENDED),
    ]


def test_search_restarts_past_the_result_cap(
    settings: Settings, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake, "SEARCH_RESULT_CAP", 4)
    monkeypatch.setattr(connector, "SEARCH_RESULT_CAP", 4)
    server.store.set_clock(T1)
    load(settings, page_size=2)
    # p4, p3, p2, p1, p5 by modification time (the archived duplicate is never searched)
    assert harness.query(settings, "select count(*) from raw_hubspot.contact") == [(5,)]
    searches = [
        e
        for e in request_log(server.url, "hubspot")["entries"]
        if e["path"] == "/crm/v3/objects/contacts/search"
    ]
    # 2 + 2 rows hit the cap of 4; the query restarts at p1's time (GTE): p1 again and p5.
    assert [(e["status"], e["rows"]) for e in searches] == [(200, 2)] * 3


def test_exhausted_retries_fail_clearly_and_load_nothing(
    settings: Settings, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.fail_fast(monkeypatch)
    set_faults(server.url, {"probability": 1.0, "kinds": ["500"], "apis": ["hubspot"]})
    with pytest.raises(Exception, match="500") as failure:
        load(settings)
    assert "hubspot" in str(failure.value).lower() or "500" in str(failure.value)
    assert harness.landed_tables(settings, "raw_hubspot") == []
