"""Shared pieces for the activation tests: an injected clock, and a warehouse with a model."""

from __future__ import annotations

from pathlib import Path

import duckdb

from platform_assets.activation.http import Clock
from platform_assets.activation.spec import SyncSpec, parse


class FakeClock(Clock):
    """Virtual time: ``sleep`` advances it at once, so rate-limit waits cost no wall time."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.t = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept.append(seconds)
            self.t += seconds


def contacts_spec(**overrides: object) -> SyncSpec:
    """A HubSpot contacts sync over the hand-made table ``test.contacts``."""
    data = {
        "model": "sync_hubspot__test_contacts",
        "relation": "test.contacts",
        "destination": "hubspot",
        "object": "contacts",
        "mode": "upsert",
        "primary_key": "email",
        "mapping": {
            "email": "email",
            "roundtrip_lead_score": "lead_score",
            "industry": "industry",
        },
        **overrides,
    }
    return parse("hubspot__test_contacts", data, "test")


def write_contacts(path: Path, rows: list[tuple[str | None, float, str]]) -> None:
    """Replace ``test.contacts`` (email, lead_score, industry) in the warehouse at ``path``."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists test")
        con.execute(
            "create or replace table test.contacts "
            "(email varchar, lead_score double, industry varchar)"
        )
        if rows:
            con.executemany("insert into test.contacts values (?, ?, ?)", rows)
    finally:
        con.close()
