"""HubSpot ingestion with dlt over real HTTP into a temporary warehouse: initial load, a re-run
that fetches nothing incremental, a day later only what changed, the search cap, and failures.

The world is the hand-made one of ``test_hubspot_world`` (its docstring lists what exists at T0
and what changes by T1); counts below follow from it.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import duckdb
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
from platform_assets.sandbox.store import WorldStore
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
    "engagement_contact",
    "email_campaign",
    "email_event",
)


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
        "engagement_contact": 4,
        "email_campaign": 1,
        "email_event": 6,
    }
    # Fivetran's shapes: property_* columns typed; always-null properties still exist.
    assert harness.query(
        settings,
        "select property_email, property_lifecyclestage, property_createdate, "
        "property_annualrevenue from raw_hubspot.contact where id = 1000010",
    ) == [("Alice@Acme.com", "opportunity", T0.replace(month=1, day=8, hour=10), None)]
    assert harness.query(
        settings,
        "select property_hs_lifecyclestage_opportunity_date, "
        "property_hs_lifecyclestage_customer_date from raw_hubspot.contact where id = 1000010",
    ) == [(T0.replace(month=1, day=20, hour=10), None)]  # won after T0: not visible yet
    # Fivetran's engagement_contact, from each engagement's associations.contactIds.
    assert harness.query(
        settings,
        "select contact_id, count(*) from raw_hubspot.engagement_contact group by 1 order by 1",
    ) == [(1000010, 2), (1000030, 2)]

    reset_request_log(server.url)
    load(settings)
    # Time bounds are inclusive: the rows at each cursor's millisecond come again and load
    # nothing (the snapshot keeps their _fivetran_synced); search excludes them by id.
    assert fetched(server) == Counter(
        {
            "/crm/v3/pipelines/deals": 7,
            "/crm/v3/owners": 2,
            "/engagements/v1/engagements/recent/modified": 1,  # p3's meeting, Jan 28 10:00
            "/marketing/v3/emails": 1,  # the January newsletter
            "/email/public/v1/events": 1,  # p1's CLICK, Jan 9 08:05
        }
    )
    assert snapshot(settings) == first

    server.store.set_clock(T1)
    reset_request_log(server.url)
    load(settings)
    assert fetched(server) == Counter(
        {
            "/crm/v3/objects/contacts/search": 3,  # p1 won, p2 merged, p5 new
            "/crm/v3/objects/contacts": 1,  # p2's duplicate, archived by the merge
            "/crm/v3/objects/companies/search": 1,  # company 1 became a customer
            "/crm/v3/objects/deals/search": 2,
            "/crm/v3/objects/deals/batch/read": 2,
            "/crm/v4/associations/deals/contacts/batch/read": 2,
            "/crm/v4/associations/deals/companies/batch/read": 2,
            "/crm/v3/pipelines/deals": 7,
            "/crm/v3/owners": 2,
            "/engagements/v1/engagements/recent/modified": 1,  # the one at the cursor
            "/marketing/v3/emails": 1 + 1,  # February webinar + the one at the cursor
            "/email/public/v1/events": 3 + 1,  # p4 OPEN, p3 SENT, DELIVERED + at the cursor
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
        "select id, property_lifecyclestage, property_hs_merged_object_ids, _fivetran_deleted "
        "from raw_hubspot.contact where id in (1000010, 1000020, 1000021) order by id",
    ) == [
        (1000010, "customer", None, False),
        (1000020, "marketingqualifiedlead", "1000021", False),
        (1000021, "lead", None, True),  # the merged duplicate, archived: landed as deleted
    ]
    assert harness.query(
        settings,
        "select property_hs_lifecyclestage_customer_date from raw_hubspot.contact "
        "where id = 1000010",
    ) == [(T1.replace(hour=9),)]
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
    assert harness.query(
        settings, "select count(*) from raw_hubspot.contact where not _fivetran_deleted"
    ) == [(5,)]
    searches = [
        e
        for e in request_log(server.url, "hubspot")["entries"]
        if e["path"] == "/crm/v3/objects/contacts/search"
    ]
    # 2 + 2 rows hit the cap of 4; the query restarts at p1's time without p1: only p5.
    assert [(e["status"], e["rows"]) for e in searches] == [(200, 2), (200, 2), (200, 1)]


def test_exhausted_retries_fail_clearly_and_load_nothing(
    settings: Settings, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.fail_fast(monkeypatch)
    set_faults(server.url, {"probability": 1.0, "kinds": ["500"], "apis": ["hubspot"]})
    with pytest.raises(Exception, match="500") as failure:
        load(settings)
    assert "hubspot" in str(failure.value).lower() or "500" in str(failure.value)
    assert harness.landed_tables(settings, "raw_hubspot") == []


def edit_world(world_home: Path, *statements: str) -> None:
    """Change the world file while no sandbox serves it (the server opens it read-only)."""
    with duckdb.connect(str(world_home / "sandbox" / "world.duckdb")) as con:
        for statement in statements:
            con.execute(statement)


def copy_row(table: str, where: str, new_id: int | str) -> str:
    """A new record that copies the one ``where`` picks under ``new_id``, with the same times:
    what HubSpot shows when a record is committed in a millisecond a read already covered."""
    return (
        f"insert into src_hubspot.{table} select * replace ({new_id!r} as id) "
        f"from src_hubspot.{table} where {where}"
    )


def load_served(tmp_path: Path, page_size: int = 2) -> tuple[Settings, Counter[str]]:
    """One run against the sandbox serving the world under ``tmp_path/world``: its settings and
    the rows the API served, by path."""
    with harness.serve(tmp_path / "world", fake.API) as server:
        settings = harness.warehouse_settings(tmp_path, server)
        load(settings, page_size)
        return settings, fetched(server)


def test_records_written_in_the_cursors_millisecond_after_a_read_still_land(
    tmp_path: Path,
) -> None:
    make_world(tmp_path / "world")
    settings, _ = load_served(tmp_path)
    before = snapshot(settings)
    # Late commits at each cursor's millisecond (the clock stays at T0): a contact beside p3's
    # opportunity (Jan 28 10:00), an engagement beside p3's meeting, an event beside p1's CLICK.
    edit_world(
        tmp_path / "world",
        copy_row("contacts", "id = 1000030 and _valid_from = '2026-01-28 10:00'", 1000039),
        copy_row("engagements", "id = 20000000032", 20000000039),
        copy_row("email_events", "created_at = '2026-01-09 08:05'", "late-click"),
    )
    settings, served = load_served(tmp_path)
    assert served == Counter(
        {
            "/crm/v3/objects/contacts/search": 1,  # only the new one: p3 is excluded by id
            "/crm/v3/pipelines/deals": 7,
            "/crm/v3/owners": 2,
            "/engagements/v1/engagements/recent/modified": 2,
            "/marketing/v3/emails": 1,
            "/email/public/v1/events": 2,
        }
    )
    after = snapshot(settings)
    assert {t: len(after[t]) - len(before[t]) for t in TABLES if after[t] != before[t]} == {
        "contact": 1,
        "engagement": 1,
        "engagement_contact": 1,  # the late engagement's contact; the one re-read adds nothing
        "email_event": 1,
    }
    assert harness.query(
        settings,
        "select (select count(*) from raw_hubspot.contact where id = 1000039), "
        "(select count(*) from raw_hubspot.engagement where id = 20000000039), "
        "(select count(*) from raw_hubspot.email_event where id = 'late-click')",
    ) == [(1, 1, 1)]

    settings, served = load_served(tmp_path)  # the rows at the cursors come again, load nothing
    assert served["/crm/v3/objects/contacts/search"] == 0
    assert snapshot(settings) == after


def test_archived_objects_land_as_deleted_once(tmp_path: Path) -> None:
    make_world(tmp_path / "world")
    load_served(tmp_path)
    # p3's deal is deleted an hour after T0: an archived version, as the world writes merges.
    edit_world(
        tmp_path / "world",
        "insert into src_hubspot.deals select * replace ("
        "timestamp '2026-02-01 13:00' as _valid_from, "
        "timestamp '2026-02-01 13:00' as hs_lastmodifieddate, true as archived) "
        "from src_hubspot.deals where id = 9000000003 and dealstage = 'appointmentscheduled'",
    )
    WorldStore.write_clock(tmp_path / "world" / "sandbox" / "world.duckdb", T0.replace(hour=14))
    settings, served = load_served(tmp_path)
    assert served["/crm/v3/objects/deals"] == 1  # the archived list
    assert served["/crm/v3/objects/deals/batch/read"] == 0  # a deleted deal's stages: not read
    assert harness.query(
        settings,
        "select deal_id, is_deleted, _fivetran_deleted, property_dealstage "
        "from raw_hubspot.deal order by deal_id",
    ) == [
        (9000000001, False, False, "qualifiedtobuy"),
        (9000000003, True, False, "appointmentscheduled"),
    ]
    landed = snapshot(settings)
    settings, served = load_served(tmp_path)  # listed again, loaded before: nothing changes
    assert served["/crm/v3/objects/deals"] == 1
    assert snapshot(settings) == landed


def test_a_marketing_email_lands_once_per_campaign_that_sent_it() -> None:
    synced = T0
    email = {"id": "90000000007", "name": "Launch", "subject": "New", "type": "BATCH_EMAIL",
             "subcategory": "batch", "updatedAt": "2026-02-01T10:00:00.000Z",
             "stats": {"counters": {"sent": 40}}}  # fmt: skip
    draft = connector.email_campaign_rows(email, synced)
    resent = connector.email_campaign_rows(
        {
            **email,
            "primaryEmailCampaignId": "200000007",
            "allEmailCampaignIds": ["200000007", "200000008"],
        },
        synced,
    )
    assert draft == []  # never sent: no campaign, so no email_campaign row (never id 0)
    assert [(r["id"], r["content_id"], r["num_included"]) for r in resent] == [
        (200000007, 90000000007, 40),
        (200000008, 90000000007, None),
    ]
