"""dbt staging for HubSpot on data the connector landed from the hand-made world (T0, then T1):
every model builds and every data test passes; merged duplicates leave the contact model; the
lifecycle-stage dates and the engagement ↔ contact links come through."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from platform_assets.ingestion.dlt_support import run_source
from platform_assets.ingestion.hubspot import hubspot_source
from platform_assets.sandbox.apis.hubspot import API
from tests.sources import harness
from tests.sources.test_hubspot_world import T0, T1, make_world


def test_staging_builds_and_passes_its_tests(tmp_path: Path) -> None:
    make_world(tmp_path / "world", T0)
    with harness.serve(tmp_path / "world", API) as server:
        settings = harness.warehouse_settings(tmp_path, server)
        run_source(settings, "hubspot", hubspot_source)
        server.store.set_clock(T1)
        run_source(settings, "hubspot", hubspot_source)

    result = harness.dbt_build(["staging.hubspot"], settings.warehouse_path, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "ERROR=0" in result.stdout and "PASS=100" in result.stdout

    contacts = harness.query(
        settings,
        "select contact_id, email, lifecycle_stage from staging.stg_hubspot__contact order by 1",
    )
    current = harness.query(
        settings,
        "select deal_id, deal_stage from staging.stg_hubspot__deal_stage "
        "where is_current and exited_at is null order by 1",
    )
    assert contacts == [
        (1000010, "alice@acme.com", "customer"),
        (1000020, "bob@acme.com", "marketingqualifiedlead"),  # its duplicate 1000021 is gone
        (1000030, "cleo@globex.com", "opportunity"),
        (1000040, "dan@mail.com", "lead"),
        (1000050, "eve@mail.com", "lead"),
    ]
    assert current == [(9000000001, "closedwon"), (9000000003, "qualifiedtobuy")]
    stages = harness.query(
        settings,
        "select became_lead_at, became_mql_at, became_sql_at, became_opportunity_at, "
        "became_customer_at from staging.stg_hubspot__contact where contact_id = 1000010",
    )
    assert stages == [
        (
            datetime(2026, 1, 8, 10),
            datetime(2026, 1, 12, 9),
            datetime(2026, 1, 15, 9),
            datetime(2026, 1, 20, 10),
            datetime(2026, 2, 2, 9),
        )
    ]
    links = harness.query(
        settings,
        "select engagement_id, contact_id from staging.stg_hubspot__engagement_contact order by 1",
    )
    assert links == [
        (20000000011, 1000010),  # p1's call (sales-qualified) and meeting (deal opened)
        (20000000012, 1000010),
        (20000000031, 1000030),
        (20000000032, 1000030),
    ]
