"""Zendesk stores whole seconds: of the changes to a ticket stamped in one second, the last one
is the version the projection keeps."""

from __future__ import annotations

from datetime import datetime

import duckdb

from platform_assets.sandbox.world.sources import zendesk
from tests.sources.harness import ACME, ALICE, build_core


def test_the_last_change_in_a_second_wins() -> None:
    con = duckdb.connect()
    build_core(
        con,
        {
            "companies": [ACME],
            "people": [ALICE],
            "employees": [(7, "Sam", "Support", "sam@roundtrip.example", "support_agent",
                           "2025-12-01 09:00")],
            "tickets": [(1, 1, 1, "2026-01-05 10:00:00.200", "Login fails", "high", "problem",
                         "email", 7, None, "unoffered", None)],
            # open, then pending 0.6 s later: alphabetically open would come first
            "ticket_versions": [(1, "2026-01-05 10:00:00.300", "open", None),
                                (1, "2026-01-05 10:00:00.900", "pending", None),
                                (1, "2026-01-05 11:00:00", "solved", None)],
        },
    )  # fmt: skip
    zendesk.project(con)
    assert con.execute(
        "select _valid_from, status from src_zendesk.tickets order by _valid_from"
    ).fetchall() == [
        (datetime(2026, 1, 5, 10), "pending"),
        (datetime(2026, 1, 5, 11), "solved"),
    ]
