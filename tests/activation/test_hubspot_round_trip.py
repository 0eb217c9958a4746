"""The round trip: scores the destination client writes to HubSpot come back through the HubSpot
connector into ``raw_hubspot.contact``, for exactly the contacts written.

Over the hand-made world of ``tests/sources/test_hubspot_world`` (5 contacts at T0): a first
load, then an upsert of two world contacts' scores and one new contact, then an incremental load.
"""

from __future__ import annotations

import functools
from pathlib import Path

from platform_assets.activation.destinations import connect
from platform_assets.activation.destinations.base import Operation, Record
from platform_assets.ingestion import hubspot as connector
from platform_assets.sandbox.apis import hubspot as fake
from platform_assets.sandbox.server import SandboxServer
from tests.sources import harness
from tests.sources.test_hubspot_world import make_world

server = harness.server_fixture(make_world, fake.API)

WRITTEN = (
    "property_roundtrip_lead_score, property_roundtrip_lead_decile, property_roundtrip_is_mql, "
    "property_roundtrip_lifetime_value, property_hs_google_click_id, property_industry"
)


def test_written_scores_land_in_raw_hubspot_for_exactly_those_contacts(
    tmp_path: Path, server: SandboxServer
) -> None:
    settings = harness.warehouse_settings(tmp_path, server)
    source = functools.partial(connector.hubspot_source, page_size=2)
    harness.load(settings, server, "hubspot", source)
    assert harness.query(settings, f"select distinct {WRITTEN} from raw_hubspot.contact") == [
        (None,) * 6  # declared, so they exist while nothing has been written
    ]

    hubspot = connect("hubspot", "contacts", settings)
    try:
        outcomes = hubspot.send(
            Operation.UPSERT,
            [
                Record("alice@acme.com", {"roundtrip_lead_score": 91.5, "roundtrip_is_mql": True}),
                Record("cleo@globex.com", {"roundtrip_lead_decile": 3, "industry": "retail"}),
                Record(
                    "new@example.com", {"hs_google_click_id": "gclid-1", "lifecyclestage": "lead"}
                ),
            ],
        )
    finally:
        hubspot.close()
    assert all(o.ok for o in outcomes)
    new_id = int(outcomes[2].destination_id or 0)

    log = harness.load(settings, server, "hubspot", source)
    searched = sum(e["rows"] for e in log["entries"] if e["path"].endswith("/contacts/search"))
    assert searched == 3  # the incremental read saw the three written contacts, nothing else
    assert harness.query(
        settings,
        f"select id, property_email, {WRITTEN} from raw_hubspot.contact "
        "where coalesce(property_roundtrip_lead_score, property_roundtrip_lead_decile) is not null "
        "or property_hs_google_click_id is not null order by id",
    ) == [
        (1000010, "Alice@Acme.com", 91.5, None, True, None, None, None),
        (1000030, "cleo@globex.com ", None, 3, None, None, None, "retail"),
        (new_id, "new@example.com", None, None, None, None, "gclid-1", None),
    ]
    assert harness.query(settings, "select count(*) from raw_hubspot.contact") == [(6,)]
