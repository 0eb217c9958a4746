"""Zendesk's projection of a small hand-made core world, and the world the other Zendesk tests use.

The world (times in 2026, UTC): Acme (p1, p2) and Globex (p3) people, p4 without a company, a
support agent (employee 1) and a sales rep (employee 2). At ``T0`` (Feb 1 12:00) Zendesk holds
2 organizations, 3 users (p1, p3, agent 1), 2 tickets (t1 solved and rated good, t2 open) and
13 field-history rows in 6 audits. Between ``T0`` and ``T1`` (one day later) t2 is solved and
offered a rating (1 audit, 2 rows) and p4 files t3 (p4 becomes a user; 1 audit, 3 rows).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from platform_assets.sandbox.world.sources import zendesk
from tests.sources import harness
from tests.sources.harness import ACME, ALICE, BOB, CLEO, DAN, GLOBEX

T0 = datetime(2026, 2, 1, 12, 0)
T1 = datetime(2026, 2, 2, 12, 0)
ORG = zendesk.ORGANIZATION_ID_BASE
END_USER = zendesk.END_USER_ID_BASE
AGENT = zendesk.AGENT_ID_BASE

CORE_ROWS: dict[str, list[tuple]] = {
    "companies": [
        ACME,
        GLOBEX,
        (3, "Initech", "initech.com", "finance", 300, "US", "2026-01-05 08:00"),
    ],
    "people": [ALICE, BOB, CLEO, DAN._replace(user_id="u4")],  # this world's Dan has an account
    "employees": [
        (1, "Sue", "Support", "sue@roundtrip.example", "support", "2025-06-01 09:00"),
        (2, "Sam", "Seller", "sam@roundtrip.example", "sales", "2025-07-01 09:00"),
    ],
    "tickets": [
        (
            1,
            1,
            1,
            "2026-01-20 09:00",
            "Cannot log in",
            "high",
            "problem",
            "web",
            1,
            "2026-01-21 10:00",
            "good",
            "2026-01-22 08:00",
        ),
        (
            2,
            3,
            2,
            "2026-01-25 14:30:15.600",
            "Invoice question",
            "normal",
            "question",
            "email",
            1,
            None,
            None,
            None,
        ),
        (
            3,
            4,
            None,
            "2026-02-01 18:00",
            "Feature request",
            "low",
            "task",
            "web",
            None,
            None,
            None,
            None,
        ),
    ],
    "ticket_versions": [
        (1, "2026-01-20 09:00", "new", None),
        (1, "2026-01-20 11:00", "open", None),
        (1, "2026-01-21 10:00", "solved", "offered"),
        (1, "2026-01-22 08:00", "solved", "good"),
        (2, "2026-01-25 14:30:15.600", "new", None),
        (2, "2026-01-26 09:00", "open", None),
        (2, "2026-02-01 20:00", "solved", "offered"),
    ],
}


def make_world(home: Path, clock: datetime = T0) -> Path:
    """The world file under ``home/sandbox``, projected for Zendesk, its clock at ``clock``."""
    return harness.make_world(home, CORE_ROWS, [zendesk.project], clock)


def test_organizations_and_users_appear_with_their_first_ticket(tmp_path: Path) -> None:
    con = duckdb.connect(str(make_world(tmp_path)))
    assert con.execute(
        "select id, name, created_at, _valid_from = created_at from src_zendesk.organizations"
    ).fetchall() == [
        (ORG + 1, "Acme", datetime(2026, 1, 20, 9, 0), True),
        (ORG + 2, "Globex", datetime(2026, 1, 25, 14, 30, 15), True),
    ]
    assert con.execute(
        "select id, role, email, organization_id, created_at from src_zendesk.users order by id"
    ).fetchall() == [
        (END_USER + 1, "end-user", "Alice@Acme.com", ORG + 1, datetime(2026, 1, 20, 9, 0)),
        (END_USER + 3, "end-user", "cleo@globex.com ", ORG + 2, datetime(2026, 1, 25, 14, 30, 15)),
        (END_USER + 4, "end-user", "dan@mail.com", None, datetime(2026, 2, 1, 18, 0)),
        (AGENT + 1, "agent", "sue@roundtrip.example", None, datetime(2025, 6, 1, 9, 0)),
    ]


def test_ticket_versions_are_whole_seconds_and_start_new(tmp_path: Path) -> None:
    con = duckdb.connect(str(make_world(tmp_path)))
    rows = con.execute(
        "select id, _valid_from, status, satisfaction_score from src_zendesk.tickets"
    ).fetchall()
    assert rows == [
        (1, datetime(2026, 1, 20, 9, 0), "new", None),
        (1, datetime(2026, 1, 20, 11, 0), "open", None),
        (1, datetime(2026, 1, 21, 10, 0), "solved", "offered"),
        (1, datetime(2026, 1, 22, 8, 0), "solved", "good"),
        (2, datetime(2026, 1, 25, 14, 30, 15), "new", None),
        (2, datetime(2026, 1, 26, 9, 0), "open", None),
        (2, datetime(2026, 2, 1, 20, 0), "solved", "offered"),
        (3, datetime(2026, 2, 1, 18, 0), "new", None),  # no core version: the creation one
    ]


def test_field_changes_record_creation_and_every_change(tmp_path: Path) -> None:
    con = duckdb.connect(str(make_world(tmp_path)))
    rows = con.execute(
        """
        select ticket_id, _valid_from, field_name, value, previous_value, updater_id, is_create
        from src_zendesk.ticket_field_changes where ticket_id = 1
        order by _valid_from, event_id
        """
    ).fetchall()
    t_create, t_open = datetime(2026, 1, 20, 9, 0), datetime(2026, 1, 20, 11, 0)
    t_solved, t_rated = datetime(2026, 1, 21, 10, 0), datetime(2026, 1, 22, 8, 0)
    assert rows == [
        (1, t_create, "status", "new", None, END_USER + 1, True),
        (1, t_create, "priority", "high", None, END_USER + 1, True),
        (1, t_create, "type", "problem", None, END_USER + 1, True),
        (1, t_create, "assignee_id", str(AGENT + 1), None, END_USER + 1, True),
        (1, t_open, "status", "open", "new", AGENT + 1, False),
        (1, t_solved, "status", "solved", "open", AGENT + 1, False),
        (1, t_solved, "satisfaction_score", "offered", None, END_USER + 1, False),
        (1, t_rated, "satisfaction_score", "good", "offered", END_USER + 1, False),
    ]
    counts = con.execute(
        """
        select _valid_from <= ? as before_t0, count(*), count(distinct audit_id)
        from src_zendesk.ticket_field_changes group by all order by all
        """,
        [T0],
    ).fetchall()
    assert counts == [(False, 5, 2), (True, 13, 6)]
    # one audit per ticket version; ids are unique and stable
    assert con.execute(
        "select count(*) = count(distinct event_id) from src_zendesk.ticket_field_changes"
    ).fetchone() == (True,)


def test_projection_is_deterministic(tmp_path: Path) -> None:
    first = duckdb.connect(str(make_world(tmp_path / "a")))
    second = duckdb.connect(str(make_world(tmp_path / "b")))
    for table in ("organizations", "users", "tickets", "ticket_field_changes"):
        sql = f"select * from src_zendesk.{table}"
        assert first.execute(sql).fetchall() == second.execute(sql).fetchall()
