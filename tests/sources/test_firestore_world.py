"""Firestore's projection of a small hand-made core world, and the world the other Firestore
tests use.

The world (times in 2026, UTC): u1 signs up and creates space ``ws_a`` (free, then team from
Jan 15); u2 signs up, creates ``ws_b`` and joins ``ws_a``; p4 never signs up (its membership is
not in the app). At ``T0`` (Feb 1 12:00) Firestore holds 2 users, 2 spaces and 3 members. Between
``T0`` and ``T1`` u3 signs up and joins ``ws_a`` (+1 user, +1 member, ``ws_a`` rewritten).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from platform_assets.sandbox.world.sources import firestore
from tests.sources import harness
from tests.sources.harness import ALICE, BOB, CLEO, DAN

T0 = datetime(2026, 2, 1, 12, 0)
T1 = datetime(2026, 2, 2, 12, 0)

CORE_ROWS: dict[str, list[tuple]] = {
    "people": [ALICE, BOB, CLEO._replace(email_as_typed="cleo@globex.com"), DAN],  # no stray space
    "funnel": [
        (1, "2026-01-10 09:00", None, None, None, None, None, None, None, "email"),
        (2, "2026-01-12 10:00", None, None, None, None, None, None, None, "direct"),
        (3, "2026-02-01 15:00", None, None, None, None, None, None, None, "paid_search"),
    ],
    "workspaces": [
        ("ws_a", 1, "Acme HQ", "free", "2026-01-10 09:05", "2026-01-10 09:05"),
        ("ws_b", 2, "Bob's lab", "free", "2026-01-12 10:10", "2026-01-12 10:10"),
    ],
    "workspace_versions": [
        ("ws_a", "2026-01-10 09:05", "free"),
        ("ws_a", "2026-01-15 00:00", "team"),
        ("ws_b", "2026-01-12 10:10", "free"),
    ],
    "workspace_members": [
        ("ws_a", 1, "owner", "2026-01-10 09:05"),
        ("ws_a", 2, "member", "2026-01-13 08:00"),
        ("ws_b", 2, "owner", "2026-01-12 10:10"),
        ("ws_a", 3, "member", "2026-02-01 16:00"),
        ("ws_b", 4, "member", "2026-01-20 10:00"),
    ],
}


def make_world(home: Path, clock: datetime = T0) -> Path:
    """The world file under ``home/sandbox``, projected for Firestore, its clock at ``clock``."""
    return harness.make_world(home, CORE_ROWS, [firestore.project], clock)


def d(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1 if day > 2 else 2, day, hour, minute)


def test_users_are_rewritten_as_they_join_spaces(tmp_path: Path) -> None:
    con = duckdb.connect(str(make_world(tmp_path)))
    assert con.execute(
        "select doc_id, _valid_from, space_ids, create_time from src_firestore.users"
    ).fetchall() == [
        ("u1", d(10, 9), [], d(10, 9)),
        ("u1", d(10, 9, 5), ["ws_a"], d(10, 9)),
        ("u2", d(12, 10), [], d(12, 10)),
        ("u2", d(12, 10, 10), ["ws_b"], d(12, 10)),
        ("u2", d(13, 8), ["ws_b", "ws_a"], d(12, 10)),
        ("u3", d(1, 15), [], d(1, 15)),
        ("u3", d(1, 16), ["ws_a"], d(1, 15)),
    ]


def test_spaces_count_members_and_members_skip_people_without_accounts(tmp_path: Path) -> None:
    con = duckdb.connect(str(make_world(tmp_path)))
    assert con.execute(
        "select doc_id, _valid_from, member_count, owner_id, plan from src_firestore.spaces"
    ).fetchall() == [
        ("ws_a", d(10, 9, 5), 1, "u1", "free"),
        ("ws_a", d(13, 8), 2, "u1", "free"),
        ("ws_a", d(15, 0), 2, "u1", "team"),
        ("ws_a", d(1, 16), 3, "u1", "team"),
        ("ws_b", d(12, 10, 10), 1, "u2", "free"),
    ]
    assert con.execute(
        "select doc_id, role, _valid_from from src_firestore.members order by space_id, doc_id"
    ).fetchall() == [
        ("u1", "owner", d(10, 9, 5)),
        ("u2", "member", d(13, 8)),
        ("u3", "member", d(1, 16)),
        ("u2", "owner", d(12, 10, 10)),
    ]  # a member document is keyed by user id under its space: u2 is in both
