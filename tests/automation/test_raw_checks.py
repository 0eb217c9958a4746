"""The raw-table checks on hand-made DuckDB tables, run by a real Dagster instance: the check
history they judge against is the one their previous evaluations recorded there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml

from platform_assets.automation.raw_checks import (
    ROW_COUNT,
    SCHEMA,
    SOURCE_FRESHNESS,
    raw_table_checks,
)
from platform_assets.automation.raw_rules import (
    SourceFreshness,
    row_count_verdict,
    schema_verdict,
    source_freshness_rules,
)
from platform_assets.settings import load_settings
from platform_assets.transform.assets import MANIFEST
from platform_assets.transform.project import DBT_PROJECT_DIR
from platform_assets.warehouse import connect

ORDERS = dg.AssetKey(["raw", "shop", "orders"])
RULE = SourceFreshness("_loaded_at", timedelta(days=1), timedelta(days=3))


@dg.asset(key=ORDERS)
def orders() -> None:
    """Stands for a loader: each test lands the table itself before materializing."""


@dg.asset(key=["staging", "stg_shop__orders"], deps=[ORDERS])
def stg_orders() -> None:
    """Downstream of the raw table: must not run when its blocking check fails."""


CHECKS = raw_table_checks("shop", ["orders"], {"orders": RULE})


@pytest.fixture()
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    monkeypatch.setenv("ROUNDTRIP_HOME", str(tmp_path / "home"))
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def land(columns: str, rows: int, loaded_ago: timedelta = timedelta(0)) -> None:
    """Replace ``raw_shop.orders`` with ``rows`` rows of ``columns`` (id is the row number)."""
    loaded_at = datetime.now(UTC).replace(tzinfo=None) - loaded_ago
    with connect(load_settings()) as con:
        con.execute("create schema if not exists raw_shop")
        con.execute(f"create or replace table raw_shop.orders ({columns})")
        names = [part.split()[0] for part in columns.split(",")]
        values = {"id": "i", "_loaded_at": "?", "amount": "i * 10", "note": "'x'"}
        select = ", ".join(values[name] for name in names)
        params = [loaded_at] if "_loaded_at" in names else []
        con.execute(f"insert into raw_shop.orders select {select} from range({rows}) t(i)", params)


BASE = "id integer, amount integer, _loaded_at timestamp"


def run(instance: dg.DagsterInstance) -> dict[str, dg.AssetCheckEvaluation]:
    result = dg.materialize([orders, stg_orders, CHECKS], instance=instance, raise_on_error=False)
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def materialized(instance: dg.DagsterInstance, key: dg.AssetKey) -> int:
    return len(instance.fetch_materializations(key, limit=100).records)


def test_row_count_check_fails_on_a_shrink_and_passes_on_growth(
    instance: dg.DagsterInstance,
) -> None:
    land(BASE, 3)
    assert run(instance)[ROW_COUNT].passed
    land(BASE, 5)
    grown = run(instance)[ROW_COUNT]
    assert grown.passed
    assert grown.metadata["row_count"].value == 5
    assert grown.metadata["previous_row_count"].value == 3

    land(BASE, 2)
    shrunk = run(instance)[ROW_COUNT]
    assert not shrunk.passed
    assert shrunk.severity == dg.AssetCheckSeverity.WARN
    assert "shrank from 5 to 2" in (shrunk.description or "")
    # a warning never holds back what is downstream
    assert materialized(instance, stg_orders.key) == 3


def test_schema_check_blocks_on_a_dropped_or_retyped_column_and_notes_an_added_one(
    instance: dg.DagsterInstance,
) -> None:
    land(BASE, 3)
    assert run(instance)[SCHEMA].passed

    land(BASE + ", note varchar", 4)
    added = run(instance)[SCHEMA]
    assert added.passed
    assert "added: note" in (added.description or "")
    assert materialized(instance, stg_orders.key) == 2

    land("id integer, _loaded_at timestamp, note varchar", 5)
    dropped = run(instance)[SCHEMA]
    assert not dropped.passed
    assert dropped.severity == dg.AssetCheckSeverity.ERROR
    assert "removed: amount" in (dropped.description or "")
    assert materialized(instance, stg_orders.key) == 2  # blocked

    land("id varchar, _loaded_at timestamp, note varchar", 6)
    retyped = run(instance)[SCHEMA]
    assert not retyped.passed
    assert "retyped: id INTEGER → VARCHAR" in (retyped.description or "")
    assert materialized(instance, stg_orders.key) == 2

    # the failing evaluation recorded the new schema: the same columns pass again
    assert run(instance)[SCHEMA].passed
    assert materialized(instance, stg_orders.key) == 3


def test_source_freshness_check_applies_the_dbt_thresholds(instance: dg.DagsterInstance) -> None:
    land(BASE, 3, loaded_ago=timedelta(hours=2))
    fresh = run(instance)[SOURCE_FRESHNESS]
    assert fresh.passed

    land(BASE, 3, loaded_ago=timedelta(days=2))
    late = run(instance)[SOURCE_FRESHNESS]
    assert (late.passed, late.severity) == (False, dg.AssetCheckSeverity.WARN)

    land(BASE, 3, loaded_ago=timedelta(days=4))
    stale = run(instance)[SOURCE_FRESHNESS]
    assert (stale.passed, stale.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert stale.metadata["age_hours"].value == pytest.approx(96, abs=0.1)


def test_source_freshness_rules_are_the_dbt_sources_yaml() -> None:
    rules = source_freshness_rules(MANIFEST)
    yml = DBT_PROJECT_DIR / "models/staging/facebook_ads/_facebook_ads__sources.yml"
    declared = yaml.safe_load(yml.read_text())["sources"][0]["config"]
    rule = rules[("facebook_ads", "basic_ad")]
    assert rule.loaded_at_field == declared["loaded_at_field"] == "_fivetran_synced"
    assert rule.warn_after == timedelta(days=declared["freshness"]["warn_after"]["count"])
    assert rule.error_after == timedelta(days=declared["freshness"]["error_after"]["count"])
    assert rules[("events", "pages")].loaded_at_field == "uuid_ts"
    # the analytics source (Python outputs) declares none and gets no check
    assert not any(source == "analytics" for source, _ in rules)


def test_row_count_rule_flags_a_jump_beyond_the_robust_bound() -> None:
    steady = [100, 200, 305, 400, 498, 600]
    assert row_count_verdict(steady, 700).passed
    assert not row_count_verdict(steady, 5000).passed  # a 44x growth
    assert not row_count_verdict(steady, 600).passed  # a busy table stopped growing
    assert row_count_verdict(steady[:3], 5000).passed  # too little history to judge


def test_schema_rule_names_every_change() -> None:
    before = {"id": "INTEGER", "amount": "INTEGER"}
    assert schema_verdict(None, before).passed
    verdict = schema_verdict(before, {"id": "BIGINT", "note": "VARCHAR"})
    assert not verdict.passed
    assert verdict.description == ("removed: amount; retyped: id INTEGER → BIGINT; added: note")
