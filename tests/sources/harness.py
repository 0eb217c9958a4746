"""What every source test stands on: a hand-made world, the sandbox serving it, dlt runs into a
temporary warehouse and dbt builds over what they landed.

Source tests count by hand: a world (``test_<source>_world.py``, or the source's own test module
when one module tests it) lists a few core rows and says what exists at T0 and what changes by
T1, and every expected count follows from those rows.
The parts that do not depend on the source live here, so each test module keeps only what is its
own: its rows, its projection, its API and its expectations.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pytest

from platform_assets.ingestion import dlt_support
from platform_assets.sandbox.fakeapi import FakeApi
from platform_assets.sandbox.server import (
    SandboxServer,
    request_log,
    reset_request_log,
    start_server,
)
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.core_schema import CORE_TABLES
from platform_assets.settings import Settings, load_settings
from platform_assets.transform.project import DBT_PROJECT_DIR, WAREHOUSE_ENV_VAR, dbt_executable
from platform_assets.warehouse import connect, row_count

CoreRows = Mapping[str, Sequence[Sequence[Any]]]
"""Core table name → its rows, in the column order of ``CORE_TABLES``."""

Projection = Callable[[duckdb.DuckDBPyConnection], None]
"""A source's ``project(con)``: writes schema ``src_<source>`` from schema ``core``."""

DLT_IDS = ("_dlt_load_id", "_dlt_id")
"""The columns dlt stamps on every row it loads; a re-run that lands the same data changes them."""

RUN_STAMPS = (*DLT_IDS, "_fivetran_synced")
"""``DLT_IDS`` and the sync time: what differs between two runs that fetched the same rows."""


# --- the cast the HubSpot, Zendesk and Firestore worlds share --------------------------------
class Person(NamedTuple):
    """A ``core.people`` row with its columns named, so a world can say how its copy differs."""

    person_id: int
    company_id: int | None
    first_name: str
    last_name: str
    email: str
    email_as_typed: str
    job_title: str | None
    country: str
    first_seen_at: str
    user_id: str | None
    first_channel: str


ALICE = Person(1, 1, "Alice", "Able", "alice@acme.com", "Alice@Acme.com", "CTO", "US",
               "2026-01-05", "u1", "email")  # fmt: skip
BOB = Person(2, 1, "Bob", "Baker", "bob@acme.com", "bob@acme.com", "Eng", "US", "2026-01-06",
             "u2", "direct")  # fmt: skip
CLEO = Person(3, 2, "Cleo", "Cruz", "cleo@globex.com", "cleo@globex.com ", "VP", "DE",
              "2026-01-10", "u3", "paid_search")  # fmt: skip
DAN = Person(4, None, "Dan", "Dorn", "dan@mail.com", "dan@mail.com", None, "US", "2026-01-01",
             None, "email")  # fmt: skip
"""Dan never signs up unless a world says so."""

# company_id, name, domain, industry, employee_count, country, created_at
ACME = (1, "Acme", "acme.com", "software", 120, "US", "2026-01-01 08:00")
GLOBEX = (2, "Globex", "globex.com", "retail", 40, "DE", "2026-01-05 08:00")


# --- worlds ----------------------------------------------------------------------------------
def build_core(con: duckdb.DuckDBPyConnection, rows: CoreRows) -> None:
    """Schema ``core`` with every table of the contract, empty unless ``rows`` fills it: the
    projections read tables a small world does not need."""
    con.execute("create schema if not exists core")
    for table, ddl in CORE_TABLES.items():
        con.execute(f"create or replace table core.{table} ({ddl})")
    for table, table_rows in rows.items():
        marks = ", ".join("?" * len(table_rows[0]))
        con.executemany(f"insert into core.{table} values ({marks})", [list(r) for r in table_rows])


def make_world(
    home: Path, rows: CoreRows, projections: Iterable[Projection], clock: datetime
) -> Path:
    """The world file under ``home/sandbox``: ``rows`` as the core, projected by each of
    ``projections``, the clock at ``clock``; returns its path."""
    path = home / "sandbox" / "world.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        build_core(con, rows)
        for project in projections:
            project(con)
    WorldStore.write_clock(path, clock)
    return path


# --- the sandbox -----------------------------------------------------------------------------
def serve(world_home: Path, api: FakeApi) -> SandboxServer:
    """The sandbox serving only ``api`` over the world under ``world_home``, on a free port
    (use it as a context manager to stop it)."""
    return start_server(load_settings(env={"ROUNDTRIP_HOME": str(world_home)}), 0, [api])


def server_fixture(make_world: Callable[[Path], Path], api: FakeApi) -> Any:
    """A ``server`` fixture: ``make_world``'s world (at its default clock) in a temporary home,
    served by :func:`serve`. Assign it to ``server`` in a test module."""

    @pytest.fixture()
    def server(tmp_path: Path) -> Iterator[SandboxServer]:
        make_world(tmp_path / "world")
        with serve(tmp_path / "world", api) as running:
            yield running

    return server


# --- ingestion into a temporary warehouse ----------------------------------------------------
def warehouse_settings(home: Path, server: SandboxServer) -> Settings:
    """Settings whose warehouse lives under ``home`` and whose APIs are ``server``'s."""
    return load_settings(
        env={"ROUNDTRIP_HOME": str(home), "ROUNDTRIP_SANDBOX_PORT": str(server.port)}
    )


def load(
    settings: Settings, server: SandboxServer, source: str, factory: dlt_support.SourceFactory
) -> dict[str, Any]:
    """Run ``source`` once into the settings' warehouse; the request log of that run alone
    (``requests``, ``rows`` served, ``apis``, ``entries``): what incremental tests count."""
    reset_request_log(server.url)
    dlt_support.run_source(settings, source, factory)
    return request_log(server.url, source)


def fail_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two attempts without backoff, so a test of exhausted retries fails in a second."""
    monkeypatch.setitem(dlt_support.RETRY_CONFIG, "runtime.request_max_attempts", 2)
    monkeypatch.setitem(dlt_support.RETRY_CONFIG, "runtime.request_backoff_factor", 0)


def query(settings: Settings, sql: str) -> list[tuple]:
    """Every row of ``sql`` over the warehouse, read-only."""
    with connect(settings, read_only=True) as con:
        return con.execute(sql).fetchall()


def row_counts(settings: Settings, schema: str, tables: Iterable[str]) -> dict[str, int]:
    """Table → row count, for each of ``tables`` in ``schema``."""
    with connect(settings, read_only=True) as con:
        return {table: row_count(con, schema, table) for table in tables}


def snapshot(
    settings: Settings,
    schema: str,
    tables: Iterable[str],
    exclude: Sequence[str] = DLT_IDS,
) -> dict[str, list[tuple]]:
    """Every row of each table, ordered, without the ``exclude`` columns that differ between
    runs: two snapshots are equal when the runs landed the same data."""
    skip = f"exclude ({', '.join(exclude)})"
    with connect(settings, read_only=True) as con:
        return {
            table: con.execute(f'select * {skip} from {schema}."{table}" order by all').fetchall()
            for table in tables
        }


def landed_tables(settings: Settings, schema: str) -> list[tuple]:
    """The data tables (not dlt's own) in ``schema``; none when no warehouse was written."""
    if not settings.warehouse_path.exists():
        return []
    return query(
        settings,
        "select table_name from information_schema.tables "
        f"where table_schema = '{schema}' and table_name not like '\\_dlt%' escape '\\'",
    )


# --- dbt -------------------------------------------------------------------------------------
def dbt_build(
    select: Sequence[str], warehouse: Path, scratch: Path
) -> subprocess.CompletedProcess[str]:
    """``dbt build --select <select>`` over ``warehouse``, its target and logs under ``scratch``
    (so parallel tests never share them); the caller checks the result."""
    command = [
        str(dbt_executable()),
        "build",
        "--select",
        *select,
        # Only tests whose every parent is selected: a reconciliation test that also reads an
        # unselected mart (never built in this warehouse) stays out of a staging-only build.
        "--indirect-selection",
        "cautious",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(scratch / "dbt_target"),
        "--log-path",
        str(scratch / "dbt_logs"),
    ]
    env = {
        **os.environ,
        WAREHOUSE_ENV_VAR: str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
