"""HubSpot's objects refer only to objects that exist by then, at a realistic scale: a contact
can reach the CRM before anyone from its company visits the site, and its company must exist."""

from __future__ import annotations

import duckdb

from platform_assets.sandbox.world.generator import WorldConfig, generate_core
from platform_assets.sandbox.world.sources import hubspot


def test_no_contact_is_associated_with_a_company_created_after_it() -> None:
    con = duckdb.connect()
    # At the demo's scale (small) some contacts arrive by email before their company's first
    # visit; the tiny world is too small to show it.
    generate_core(con, WorldConfig.for_scale("small", 42))
    hubspot.project(con)
    late = con.execute(
        """
        select count(*)
        from src_hubspot.contacts as c
        join (
            select id, min(created_at) as created_at from src_hubspot.companies group by id
        ) as co on co.id = c.associatedcompanyid
        where co.created_at > c._valid_from
        """
    ).fetchone()[0]
    associated = con.execute(
        "select count(*) from src_hubspot.contacts where associatedcompanyid is not null"
    ).fetchone()[0]
    assert associated > 1000
    assert late == 0
