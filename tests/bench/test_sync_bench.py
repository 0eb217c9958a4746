"""``roundtrip bench sync`` at a small size: it prints the figures, and the diff finds exactly the
rows the benchmark edited (no timings asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from click.testing import CliRunner

from bench.sync import bench_spec, measure_diff, prepare_diff
from platform_assets.cli import main


def test_the_diff_finds_exactly_the_edited_rows(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    edited = prepare_diff(path, rows=5_000, changed_share=0.01)
    assert 20 < edited < 100  # about 1%
    measured = measure_diff(path)
    assert (measured["added"], measured["changed"], measured["removed"]) == (0, edited, 0)
    con = duckdb.connect(str(path), read_only=True)
    held = con.execute(f'select count(*) from activation."snapshot__{bench_spec().name}"')
    assert held.fetchall() == [(5_000,)]
    con.close()


def test_the_command_prints_every_figure() -> None:
    result = CliRunner().invoke(main, ["bench", "sync", "--rows", "2000", "--delivery-rows", "300"])
    assert result.exit_code == 0, result.output
    figures = {
        row["name"]: row
        for row in map(json.loads, (line for line in result.output.splitlines() if line[:1] == "{"))
    }
    assert set(figures) == {
        "sync_diff_1pct_seconds",
        "sync_diff_1pct_peak_rss",
        "sync_delivery_share_of_rate_ceiling",
        "sync_delivery_records_per_s",
    }
    delivery = figures["sync_delivery_share_of_rate_ceiling"]
    assert (delivery["records"], delivery["requests"], delivery["rate_limited"]) == (300, 3, 0)
