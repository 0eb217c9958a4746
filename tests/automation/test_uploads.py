"""The uploads folder, for real: hand-made CSV/XLSX files → raw_uploads (DuckDB, Dagster), a bad
file rejected and quarantined with the last good table kept, and the sensor that starts it all."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from platform_assets.automation import uploads as uploads_automation
from platform_assets.automation.uploads import uploads_sensor
from platform_assets.ingestion.uploads import raw_uploads_budgets, raw_uploads_targets
from platform_assets.ingestion.uploads_files import KINDS
from platform_assets.ingestion.uploads_read import UploadRejected, read_rows
from platform_assets.ingestion.uploads_validate import validate
from platform_assets.settings import load_settings

BUDGETS = KINDS["budgets"]
HEADER = ["Month", "Channel", "Budget"]
AN_HOUR_AGO = datetime(2026, 7, 1, 9).timestamp()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ROUNDTRIP_HOME with its uploads folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("ROUNDTRIP_HOME", str(home))
    load_settings().ensure_home()
    return home


def drop(home: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """A marketer drops a CSV in the uploads folder."""
    path = home / "uploads" / name
    path.write_bytes(text.encode(encoding))
    return path


def materialize(*assets: dg.AssetsDefinition) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        list(assets), instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def rows(home: Path, table: str, columns: str = "*") -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(f"select {columns} from raw_uploads.{table} order by _row").fetchall()


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    (event,) = result.get_step_failure_events()
    return event.step_failure_data.user_failure_data.description


GOOD_BUDGETS = """\
Month,Channel,Budget
2026-06,paid_search,"12,000.50"
2026-06,email,800
2026-07-01,paid_search,$13000
"""


def test_a_valid_budget_upload_loads_exactly_its_rows(home: Path) -> None:
    drop(home, "budgets_2026-06.csv", GOOD_BUDGETS)

    result = materialize(raw_uploads_budgets)

    assert result.success
    assert rows(home, "budgets", "month, channel, budget, _file, _row") == [
        (date(2026, 6, 1), "paid_search", 12000.5, "budgets_2026-06.csv", 2),
        (date(2026, 6, 1), "email", 800.0, "budgets_2026-06.csv", 3),
        (date(2026, 7, 1), "paid_search", 13000.0, "budgets_2026-06.csv", 4),
    ]
    metadata = result.asset_materializations_for_node("raw__uploads__budgets")[0].metadata
    assert metadata["dagster/row_count"].value == 3
    assert metadata["file"].value == "budgets_2026-06.csv"


def test_a_bad_budget_upload_is_rejected_and_the_last_good_table_stays(home: Path) -> None:
    good = drop(home, "budgets_2026-06.csv", GOOD_BUDGETS)
    os.utime(good, (AN_HOUR_AGO, AN_HOUR_AGO))
    assert materialize(raw_uploads_budgets).success
    before = rows(home, "budgets")
    bad = drop(
        home,
        "budgets_2026-07.csv",
        "Month,Channel,Budget\n2026-07,paid_search,100\n2026-07,email,50\n\n2026-07,display,abc\n",
    )

    result = materialize(raw_uploads_budgets)

    assert not result.success
    message = failure_message(result)
    assert "budgets_2026-07.csv row 5: Budget 'abc' is not a number" in message
    assert "raw_uploads.budgets kept as it was" in message
    assert rows(home, "budgets") == before
    quarantined = home / "quarantine" / "uploads" / "budgets_2026-07.csv"
    assert not bad.exists() and quarantined.exists()
    reason = Path(f"{quarantined}.reason.txt").read_text()
    assert "budgets_2026-07.csv row 5: Budget 'abc' is not a number" in reason


def test_an_xlsx_targets_upload_loads(home: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["month ", "METRIC", "Target", "Notes"])
    sheet.append([datetime(2026, 7, 1), "signups", 1200, "stretch"])
    sheet.append([])
    sheet.append(["2026-08", "new_mrr", 15000.5, None])
    workbook.save(home / "uploads" / "Targets Q3.xlsx")

    assert materialize(raw_uploads_targets).success
    assert rows(home, "targets", "month, metric, target, notes, _file, _row") == [
        (date(2026, 7, 1), "signups", 1200.0, "stretch", "Targets Q3.xlsx", 2),
        (date(2026, 8, 1), "new_mrr", 15000.5, None, "Targets Q3.xlsx", 4),
    ]


def test_without_an_upload_the_table_exists_empty(home: Path) -> None:
    assert materialize(raw_uploads_budgets).success
    assert rows(home, "budgets") == []


def test_a_semicolon_windows_csv_reads(tmp_path: Path) -> None:
    path = tmp_path / "budgets.csv"
    path.write_bytes("Month;Channel;Budget\r\n2026-07;réseaux;1200.5\r\n".encode("cp1252"))
    assert read_rows(path) == [(1, HEADER), (2, ["2026-07", "réseaux", "1200.5"])]


@pytest.mark.parametrize(
    ("grid", "problem"),
    [
        ([["Month", "Channel"]], "f.csv row 1: missing column Budget"),
        ([HEADER], "f.csv: no data rows below the header"),
        ([HEADER, ["July", "email", "1"]], "row 2: Month 'July' is not a month"),
        ([HEADER, ["2026-13", "email", "1"]], "row 2: Month '2026-13'"),
        ([HEADER, ["2026-07", None, "1"]], "row 2: Channel is empty"),
        ([HEADER, ["2026-07", "email", "-5"]], "row 2: Budget -5 is negative"),
        ([HEADER, ["2026-07", "email", "1,5"]], "row 2: Budget '1,5' is not"),
        (
            [
                ["Month", "Channel", "Budget"],
                ["2026-07", "email", "1"],
                ["2026-07-01", "Email", "2"],
            ],
            "row 3: Month 2026-07 and Channel 'Email' repeat row 2",
        ),
    ],
)
def test_validation_names_the_row_and_the_problem(grid: list[list], problem: str) -> None:
    with pytest.raises(UploadRejected) as rejected:
        validate("f.csv", list(enumerate(grid, start=1)), BUDGETS)
    assert problem in str(rejected.value)


def test_the_sensor_requests_a_run_for_a_new_file_once(home: Path) -> None:
    assert isinstance(uploads_sensor(dg.build_sensor_context()), dg.SkipReason)
    path = drop(home, "budgets_2026-07.csv", GOOD_BUDGETS)
    os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))

    first = uploads_sensor(dg.build_sensor_context())
    (request,) = first.run_requests
    assert request.asset_selection == [dg.AssetKey(["raw", "uploads", "budgets"])]
    assert request.run_key == f"budgets_2026-07.csv:{path.stat().st_mtime_ns}:{path.stat().st_size}"
    again = uploads_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(again, dg.SkipReason)

    os.utime(path, (AN_HOUR_AGO + 60, AN_HOUR_AGO + 60))  # edited: loads again
    (edited,) = uploads_sensor(dg.build_sensor_context(cursor=first.cursor)).run_requests
    assert edited.run_key != request.run_key


def test_the_sensor_waits_for_a_file_still_being_written(home: Path) -> None:
    drop(home, "targets.csv", "Month,Metric,Target\n")  # modified just now
    assert isinstance(uploads_sensor(dg.build_sensor_context()), dg.SkipReason)


def test_the_job_selects_both_upload_assets() -> None:
    defs = dg.Definitions.merge(
        uploads_automation.defs,
        dg.Definitions(assets=[raw_uploads_budgets, raw_uploads_targets]),
    )
    job = defs.resolve_job_def("load_uploads")
    assert job.asset_layer.selected_asset_keys == {
        dg.AssetKey(["raw", "uploads", "budgets"]),
        dg.AssetKey(["raw", "uploads", "targets"]),
    }
