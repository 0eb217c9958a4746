"""A workspace's plan over time: the best plan any member pays for, one version per instant, and
the Firestore projection reading it deterministically."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest

from platform_assets.sandbox.world.product import _plan_versions
from platform_assets.sandbox.world.sources import firestore
from tests.sources.harness import ALICE, build_core

NAT = pd.NaT


def _at(day: int) -> pd.Timestamp:
    return pd.Timestamp(2026, 1, day, 9)


def test_the_plan_is_the_best_one_any_member_pays_for() -> None:
    ws = pd.DataFrame({"workspace_id": ["w1"], "created_at": [_at(1)]})
    members = pd.DataFrame(
        {"workspace_id": ["w1", "w1"], "person_id": [1, 2], "joined_at": [_at(1), _at(10)]}
    )
    subs = pd.DataFrame(
        {
            "person_id": [1, 2],
            "price_id": ["price_starter_monthly", "price_pro_yearly"],
            # Bob (2) paid and churned before joining (both count from Jan 10, in order: he
            # joins as a free user), then comes back on pro; Alice (1) pays starter, then churns.
            "created_at": [_at(12), _at(3)],
            "churn_at": [_at(20), _at(5)],
            "reactivated_at": [NAT, _at(15)],
        }
    )
    versions = _plan_versions(ws, members, subs)
    assert list(versions.itertuples(index=False, name=None)) == [
        ("w1", _at(1), "free"),
        ("w1", _at(12), "starter"),
        ("w1", _at(15), "pro"),  # Alice's churn on Jan 20 changes nothing: Bob still pays
    ]


@pytest.mark.parametrize("order", [("starter", "pro"), ("pro", "starter")])
def test_firestore_breaks_a_tie_at_one_instant_by_the_best_plan(order: tuple[str, str]) -> None:
    con = duckdb.connect()
    at = datetime(2026, 1, 8, 9)
    build_core(
        con,
        {
            "people": [ALICE],
            "funnel": [(1, "2026-01-05 10:00", None, None, None, None, None, None, None, None)],
            "workspaces": [("w1", 1, "Acme", "free", "2026-01-05 10:05", "2026-01-05 10:05")],
            "workspace_members": [("w1", 1, "owner", "2026-01-05 10:05")],
            "workspace_versions": [
                ("w1", "2026-01-05 10:05", "free"),
                *(("w1", at, plan) for plan in order),
            ],
        },
    )
    firestore.project(con)
    plans = con.execute(
        "select _valid_from, plan from src_firestore.spaces order by _valid_from"
    ).fetchall()
    assert plans == [(datetime(2026, 1, 5, 10, 5), "free"), (at, "pro")]
