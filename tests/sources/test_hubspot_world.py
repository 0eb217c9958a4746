"""HubSpot's projection of a small hand-made core world, and the world the other HubSpot tests use.

The world (times in 2026, UTC): two companies, six people, two sales employees, two campaigns.
At ``T0`` (Feb 1 12:00) HubSpot holds 5 contacts (p1, p2, p2's duplicate, p3, p4), 2 companies,
2 deals, 4 engagements, 1 campaign and 6 email events. Between ``T0`` and ``T1`` (one day later)
p1's deal is won (p1 → customer, company 1 → customer), p2's duplicate is merged into p2,
p3's deal moves to "qualifiedtobuy", p5 signs up, p4 opens an email and campaign 2 goes out to p3.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from platform_assets.sandbox.world.sources import hubspot
from tests.sources import harness
from tests.sources.harness import ACME, ALICE, BOB, CLEO, DAN, GLOBEX, Person

T0 = datetime(2026, 2, 1, 12, 0)
T1 = datetime(2026, 2, 2, 12, 0)

EVE = Person(5, None, "Eve", "Ewing", "eve@mail.com", "eve@mail.com", None, "FR", "2026-02-01",
             "u5", "organic_search")  # fmt: skip
FAY = Person(6, None, "Fay", "Fox", "fay@mail.com", "fay@mail.com", None, "FR", "2026-02-20",
             "u6", "direct")  # fmt: skip

CORE_ROWS: dict[str, list[tuple]] = {
    "employees": [
        (1, "Sam", "Seller", "sam@roundtrip.example", "sales", "2025-06-01 09:00"),
        (2, "Ada", "Closer", "ada@roundtrip.example", "sales", "2025-07-01 09:00"),
    ],
    "companies": [ACME, GLOBEX],
    "people": [ALICE, BOB, CLEO, DAN, EVE, FAY],
    "funnel": [
        (
            1,
            "2026-01-10 09:00",
            "2026-01-12 09:00",
            "2026-01-15 09:00",
            "2026-01-20 10:00",
            "2026-02-02 09:00",
            None,
            12000.0,
            1,
            "email",
        ),
        (2, "2026-01-11 09:00", "2026-01-14 09:00", None, None, None, None, None, None, "direct"),
        (
            3,
            "2026-01-20 09:00",
            "2026-01-22 09:00",
            "2026-01-25 09:00",
            "2026-01-28 10:00",
            None,
            None,
            8000.0,
            2,
            "paid_search",
        ),
        (5, "2026-02-02 10:00", None, None, None, None, None, None, None, "organic_search"),
        (6, "2026-03-01 10:00", None, None, None, None, None, None, None, "direct"),
    ],
    "contact_merges": [(2, "2026-01-13 09:00", "2026-02-01 18:00", "  Bob@Acme.com")],
    "email_campaigns": [
        (1, "January newsletter", "What's new", "2026-01-08 10:00"),
        (2, "February webinar", "Join us", "2026-02-02 11:00"),
    ],
    "email_sends": [
        (
            1,
            1,
            1,
            "2026-01-08 10:00",
            "2026-01-08 10:01",
            "2026-01-09 08:00",
            "2026-01-09 08:05",
            None,
        ),
        (2, 1, 4, "2026-01-08 10:00", "2026-01-08 10:01", "2026-02-02 08:00", None, None),
        (3, 2, 3, "2026-02-02 11:00", "2026-02-02 11:01", None, None, None),
    ],
}


def make_world(home: Path, clock: datetime = T0) -> Path:
    """The world file under ``home/sandbox``, projected for HubSpot, its clock at ``clock``."""
    return harness.make_world(home, CORE_ROWS, [hubspot.project], clock)


def _visible(con: duckdb.DuckDBPyConnection, table: str, at: datetime) -> list[tuple]:
    return con.execute(
        f"""
        select * exclude (rn) from (
            select *, row_number() over (partition by id order by _valid_from desc) as rn
            from src_hubspot.{table} where created_at <= ? and _valid_from <= ?
        ) where rn = 1 order by id
        """,
        [at, at],
    ).fetchall()


def test_contacts_follow_lifecycle_and_merges(tmp_path: Path) -> None:
    con = duckdb.connect(str(make_world(tmp_path)))
    rows = con.execute(
        """
        select id, _valid_from, lifecyclestage, hs_merged_object_ids, hs_calculated_merged_vids,
            archived, email
        from src_hubspot.contacts order by id, _valid_from
        """
    ).fetchall()
    by_id: dict[int, list[tuple]] = {}
    for row in rows:
        by_id.setdefault(row[0], []).append(row[1:])
    # p1 created with the first marketing email (before signup), then one version per stage.
    assert [v[1] for v in by_id[1_000_010]] == [
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
    ]
    assert by_id[1_000_010][0][0] == datetime(2026, 1, 8, 10, 0)
    # The survivor lists its duplicate from the merge on; the duplicate is archived then.
    survivor = by_id[1_000_020]
    assert survivor[-1][0] == datetime(2026, 2, 1, 18, 0)
    assert survivor[-1][2] == "1000021"
    assert survivor[-1][3] == "1000021:1769968800000"  # 2026-02-01T18:00Z in epoch ms
    assert all(v[2] is None for v in survivor[:-1])
    assert [(v[0], v[4]) for v in by_id[1_000_021]] == [
        (datetime(2026, 1, 13, 9, 0), False),
        (datetime(2026, 2, 1, 18, 0), True),
    ]
    assert by_id[1_000_021][0][5] == "  Bob@Acme.com"
    # p6 has only a future signup; it is projected but not visible at T0.
    assert 1_000_060 in by_id
    assert [r[0] for r in _visible(con, "contacts", T0)] == [
        1_000_010,
        1_000_020,
        1_000_021,
        1_000_030,
        1_000_040,
    ]


def test_contacts_carry_the_date_of_each_stage_reached(tmp_path: Path) -> None:
    """Each version holds the dates of the stages reached by its time, so the version visible at
    a clock never shows a later stage's date; a duplicate is a lead from its own creation."""
    con = duckdb.connect(str(make_world(tmp_path)))
    rows = con.execute(
        """
        select id, _valid_from,
            hs_lifecyclestage_lead_date, hs_lifecyclestage_marketingqualifiedlead_date,
            hs_lifecyclestage_salesqualifiedlead_date, hs_lifecyclestage_opportunity_date,
            hs_lifecyclestage_customer_date
        from src_hubspot.contacts where id in (1000010, 1000021) order by id, _valid_from
        """
    ).fetchall()
    lead, mql, sql, opportunity, customer = (
        datetime(2026, 1, 8, 10),
        datetime(2026, 1, 12, 9),
        datetime(2026, 1, 15, 9),
        datetime(2026, 1, 20, 10),
        datetime(2026, 2, 2, 9),
    )
    assert rows == [
        (1000010, lead, lead, None, None, None, None),
        (1000010, mql, lead, mql, None, None, None),
        (1000010, sql, lead, mql, sql, None, None),
        (1000010, opportunity, lead, mql, sql, opportunity, None),
        (1000010, customer, lead, mql, sql, opportunity, customer),
        (1000021, datetime(2026, 1, 13, 9), datetime(2026, 1, 13, 9), None, None, None, None),
        (1000021, datetime(2026, 2, 1, 18), datetime(2026, 1, 13, 9), None, None, None, None),
    ]


def test_deals_stages_and_reference_tables(tmp_path: Path) -> None:
    con = duckdb.connect(str(make_world(tmp_path)))
    stages = con.execute(
        "select id, dealstage, _valid_from from src_hubspot.deals order by id, _valid_from"
    ).fetchall()
    assert stages == [
        (9_000_000_001, "appointmentscheduled", datetime(2026, 1, 20, 10, 0)),
        (9_000_000_001, "qualifiedtobuy", datetime(2026, 1, 24, 17, 40)),
        (9_000_000_001, "closedwon", datetime(2026, 2, 2, 9, 0)),
        (9_000_000_003, "appointmentscheduled", datetime(2026, 1, 28, 10, 0)),
        (9_000_000_003, "qualifiedtobuy", datetime(2026, 2, 2, 10, 0)),
    ]
    counts = {
        table: con.execute(f"select count(*) from src_hubspot.{table}").fetchone()[0]
        for table in ("owners", "pipeline_stages", "engagements", "email_campaigns", "email_events")
    }
    assert counts == {
        "owners": 2,
        "pipeline_stages": 7,
        "engagements": 4,
        "email_campaigns": 2,
        "email_events": 9,
    }
    company_versions = con.execute(
        "select id, lifecyclestage from src_hubspot.companies order by id, _valid_from"
    ).fetchall()
    assert company_versions == [
        (5_000_000_001, "lead"),
        (5_000_000_001, "customer"),
        (5_000_000_002, "lead"),
    ]


def test_projection_is_deterministic(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        con = duckdb.connect(str(make_world(tmp_path / name)))
        digests.append(
            [
                con.execute(
                    f"select md5(string_agg(t::varchar, '|')) from src_hubspot.{t} as t"
                ).fetchone()[0]
                for t in ("contacts", "deals", "email_events", "engagements", "companies")
            ]
        )
        con.close()
    assert digests[0] == digests[1]
