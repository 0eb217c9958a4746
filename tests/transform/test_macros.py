"""The project's own macros (hub packages cannot be installed), compiled by dbt and run in DuckDB
on literal inputs with known answers."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from platform_assets.transform.project import DBT_PROJECT_DIR, WAREHOUSE_ENV_VAR, dbt_executable

# One dbt invocation compiles every case; the rendered statements are split on ';'.
CASES = """
select {{ cents_to_currency('12345') }} as v;
select {{ cents_to_currency('-5') }} as v;
select {{ micros_to_currency('2500000') }} as v;
select {{ epoch_to_timestamp('1767225600') }} as v;
select {{ text_to_numeric("'12,500.50'") }} as v;
select {{ text_to_numeric("' $ 800 '") }} as v;
select {{ text_to_numeric("'n/a'") }} as v;
select {{ clean_text("'  Paid_Search '") }} as v;
select {{ clean_text("'   '") }} as v;
select {{ surrogate_key(["'a'", 'null']) }} = {{ surrogate_key(["'a'", "''"]) }} as v;
select {{ surrogate_key(["'a'", "'b'"]) }} = {{ surrogate_key(["'b'", "'a'"]) }} as v;
with t as (select * from (values (1, 'old', 1), (1, 'new', 2), (2, 'only', 1)) as v (k, s, o)),
d as ({{ dedupe('t', 'k', 'o desc') }})
select string_agg(s, ',' order by k) as v from d
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[object]:
    warehouse = tmp_path_factory.mktemp("macros") / "warehouse.duckdb"
    compiled = subprocess.run(
        [str(dbt_executable()), "compile", "--quiet", "--inline", CASES,
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        env={**os.environ, WAREHOUSE_ENV_VAR: str(warehouse)},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    con = duckdb.connect()
    return [con.execute(statement).fetchone()[0] for statement in compiled.split(";")]


def test_money_becomes_exact_currency(results: list[object]) -> None:
    assert results[0] == Decimal("123.45")
    assert results[1] == Decimal("-0.05")
    assert results[2] == Decimal("2.50")


def test_epoch_seconds_become_naive_utc(results: list[object]) -> None:
    assert results[3] == datetime(2026, 1, 1)


def test_spreadsheet_text_becomes_numbers_or_null(results: list[object]) -> None:
    assert results[4] == Decimal("12500.50")
    assert results[5] == Decimal("800")
    assert results[6] is None


def test_clean_text_lowers_trims_and_nulls_blanks(results: list[object]) -> None:
    assert results[7] == "paid_search"
    assert results[8] is None


def test_surrogate_key_tells_null_from_empty_and_order_matters(results: list[object]) -> None:
    assert results[9] is False
    assert results[10] is False


def test_dedupe_keeps_the_latest_row_per_key(results: list[object]) -> None:
    assert results[11] == "new,only"
