"""Contract: every raw table carries the columns the real EL tool lands (tests/integration/
raw_columns.py), and holds rows wherever the tiny world has some.

One tiny world is landed once for the module: every SaaS source over HTTP against the sandbox,
and every landed day of the event stream.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dlt import DagsterDltResource

from bench.run import saas_source_assets
from platform_assets.ingestion.events_load import landed_days, load_days
from platform_assets.sandbox import world
from platform_assets.sandbox.server import start_server
from platform_assets.settings import load_settings
from platform_assets.warehouse import connect
from tests.conftest import TINY_SEED, settings_for
from tests.integration.raw_columns import EXPECTED_RAW_COLUMNS
from tests.integration.raw_tables import EXPECTED_RAW_TABLES

ADVANCE_DAYS = 20
"""The tiny world (seed 7) starts with its clock at 2026-06-30 and its three Stripe refunds dated
2026-07-17 .. 2026-08-19: advancing the clock 20 days before the load lets raw_stripe.refund hold
rows, so every raw table is checked for content, not only for shape."""

MAY_BE_EMPTY: dict[tuple[str, str], str] = {}
"""(source, table) → why the tiny world may leave it empty. None today: after ADVANCE_DAYS every
table has rows in the tiny world (seed 7). Add an entry, with its reason, only for a table whose
rows the tiny world cannot produce."""


@dataclass(frozen=True)
class LandedWarehouse:
    columns: dict[tuple[str, str], set[str]]  # (source, table) → its columns
    rows: dict[tuple[str, str], int]


@pytest.fixture(scope="module")
def landed(
    tiny_world_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LandedWarehouse]:
    """A private copy of the tiny world, advanced ADVANCE_DAYS, with every raw table landed."""
    home = tmp_path_factory.mktemp("raw-columns") / "home"
    shutil.copytree(tiny_world_template, home)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ROUNDTRIP_HOME", str(home))
        env.setenv("ROUNDTRIP_SCALE", "tiny")
        env.setenv("ROUNDTRIP_SEED", str(TINY_SEED))
        world.advance(settings_for(home), ADVANCE_DAYS)

        server = start_server(settings_for(home), port=0)
        env.setenv("ROUNDTRIP_SANDBOX_PORT", str(server.port))
        try:
            result = dg.materialize(
                list(saas_source_assets().values()),
                resources={"dlt": DagsterDltResource()},
                raise_on_error=False,
            )
        finally:
            server.stop()
        failures = [str(e.event_specific_data.error) for e in result.get_step_failure_events()]
        assert result.success, "landing the SaaS sources failed:\n" + "\n".join(failures)

        settings = load_settings()
        days = landed_days(settings.landing_dir)
        assert days, f"the tiny world landed no event files under {settings.landing_dir}"
        with connect(settings) as con:
            report = load_days(
                con, settings.landing_dir, settings.quarantine_dir, days[0], days[-1]
            )
        assert not report.quarantined, f"the tiny world's event files were quarantined: {report}"

        yield _read_warehouse(settings.warehouse_path)


def _read_warehouse(path: Path) -> LandedWarehouse:
    columns: dict[tuple[str, str], set[str]] = {}
    rows: dict[tuple[str, str], int] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema like 'raw\\_%' escape '\\'"
        ).fetchall():
            columns.setdefault((schema.removeprefix("raw_"), table), set()).add(column)
        for source, table in columns:
            (count,) = con.execute(f'select count(*) from "raw_{source}"."{table}"').fetchone()
            rows[(source, table)] = count
    return LandedWarehouse(columns, rows)


def _expected() -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (source, table, cols)
        for source, tables in EXPECTED_RAW_COLUMNS.items()
        for table, cols in tables.items()
    ]


def test_the_column_contract_covers_exactly_the_promised_tables() -> None:
    promised = {(s, t) for s, tables in EXPECTED_RAW_TABLES.items() for t in tables}
    assert {(s, t) for s, t, _ in _expected()} == promised
    for source, table, cols in _expected():
        assert len(set(cols)) == len(cols), f"raw_{source}.{table} lists a column twice"
    assert set(MAY_BE_EMPTY) <= promised


def test_every_raw_table_carries_its_documented_columns(landed: LandedWarehouse) -> None:
    missing: list[str] = []
    for source, table, expected in _expected():
        have = landed.columns.get((source, table))
        if have is None:
            missing.append(f"raw_{source}.{table}: the table does not exist")
            continue
        absent = [c for c in expected if c not in have]
        if absent:
            missing.append(f"raw_{source}.{table}: {', '.join(absent)}")
    assert not missing, "raw tables lack documented columns:\n  " + "\n  ".join(missing)


def test_every_raw_table_has_rows_where_the_world_has_them(landed: LandedWarehouse) -> None:
    empty = [
        f"raw_{source}.{table}"
        for source, table, _ in _expected()
        if (source, table) not in MAY_BE_EMPTY and landed.rows.get((source, table), 0) == 0
    ]
    assert not empty, "raw tables left empty by the tiny world: " + ", ".join(empty)
