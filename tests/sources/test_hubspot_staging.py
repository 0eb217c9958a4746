"""dbt staging for HubSpot on data the connector landed from the hand-made world (T0, then T1):
every model builds and every data test passes; merged duplicates leave the contact model."""

from __future__ import annotations

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
    assert "ERROR=0" in result.stdout and "PASS=91" in result.stdout

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
