"""The files destination: the whole model as Parquet plus a manifest, rewritten only on change."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import fsspec
import pytest

from platform_assets.activation import engine
from platform_assets.activation.destinations.base import DestinationConfigError
from platform_assets.activation.destinations.files import FileExport
from platform_assets.activation.spec import parse

SPEC = parse(
    "files__features",
    {
        "model": "sync_files__features",
        "relation": "test.features",
        "destination": "files",
        "object": "features",
        "mode": "mirror",
        "primary_key": "customer_uid",
        "mapping": "all",
    },
    "test",
)


def _model(con: duckdb.DuckDBPyConnection, rows: list[tuple[str | None, int]]) -> None:
    con.execute("create schema if not exists test")
    con.execute("create or replace table test.features (customer_uid varchar, touches integer)")
    con.executemany("insert into test.features values (?, ?)", rows)


def test_the_file_holds_the_valid_rows_and_is_rewritten_only_when_they_change(
    tmp_path: Path,
) -> None:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    export = FileExport("features", str(tmp_path / "exports"))
    _model(con, [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("d", 5), (None, 6)])

    first = engine.run(con, SPEC, export)
    assert (first.added, first.succeeded, first.invalid) == (6, 3, 3)
    manifest = json.loads((tmp_path / "exports/features.manifest.json").read_text())
    assert manifest["rows"] == 3 and manifest["run_id"] == first.run_id
    assert [c["name"] for c in manifest["columns"]] == ["customer_uid", "touches"]
    rows = con.execute(
        f"select * from read_parquet('{tmp_path}/exports/features.parquet') order by 1"
    ).fetchall()
    assert rows == [("a", 1), ("b", 2), ("c", 3)]

    again = engine.run(con, SPEC, export)
    # Nothing valid changed: the invalid rows are reported again, and the file is left alone.
    assert (again.added, again.invalid, again.changed, again.removed) == (3, 3, 0, 0)
    assert again.batches == 0
    assert json.loads((tmp_path / "exports/features.manifest.json").read_text()) == manifest

    _model(con, [("a", 1), ("b", 20), ("e", 7)])
    third = engine.run(con, SPEC, export)
    assert (third.added, third.changed, third.removed, third.succeeded) == (1, 1, 1, 3)
    rows = con.execute(
        f"select * from read_parquet('{tmp_path}/exports/features.parquet') order by 1"
    ).fetchall()
    assert rows == [("a", 1), ("b", 20), ("e", 7)]
    assert not list((tmp_path / "exports").glob("*.tmp"))  # nothing half-written left behind
    runs = con.execute(
        "select count(*) from activation.sync_runs where sync_name = 'files__features'"
    ).fetchall()
    assert runs == [(3,)]


def test_an_fsspec_uri_is_a_target_too(tmp_path: Path) -> None:
    con = duckdb.connect()
    _model(con, [("a", 1), ("b", 2)])
    result = engine.run(con, SPEC, FileExport("features", "memory://roundtrip-test/exports"))
    assert result.succeeded == 2
    fs = fsspec.filesystem("memory")
    manifest = json.loads(fs.cat("/roundtrip-test/exports/features.manifest.json"))
    assert manifest["rows"] == 2
    assert fs.exists("/roundtrip-test/exports/features.parquet")


def test_a_file_name_that_is_not_a_plain_stem_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DestinationConfigError, match="must be a plain file stem"):
        FileExport("../escape", str(tmp_path))
