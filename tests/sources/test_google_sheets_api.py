"""The Google Sheets projection and fake values API on a hand-made world.

The world plans 2 channels × 4 months (Jan–Apr 2026) and 1 target metric × 4 months; a planning
row is typed a month before the month it plans. At T0 (10 Feb) the budget sheet shows Jan–Mar
(6 rows), at T1 (5 Mar) Jan–Apr (8 rows); the channel mapping is complete from the start.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import requests

from platform_assets.sandbox.apis.google_sheets import (
    API,
    column_index,
    column_letters,
    parse_range,
)
from platform_assets.sandbox.server import SandboxServer
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.core_schema import CHANNELS
from platform_assets.sandbox.world.sources import google_sheets as projection
from platform_assets.settings import DEFAULT_CREDENTIALS
from tests.sources import harness

T0 = datetime(2026, 2, 10)
T1 = datetime(2026, 3, 5)
MONTHS = ("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01")
BUDGET_ID = projection.SPREADSHEETS["marketing_budget"].spreadsheet_id
MAPPING_ID = projection.SPREADSHEETS["channel_mapping"].spreadsheet_id
KEY = {"key": DEFAULT_CREDENTIALS["google_sheets"]}


def make_world(home: Path, clock: datetime = T0) -> Path:
    """The world file under ``home/sandbox`` with core budgets and targets, projected for Google
    Sheets, its clock at ``clock``."""
    budgets = [
        row
        for i, month in enumerate(MONTHS)
        for row in ((month, "paid_search", 12500.0 + 500 * i), (month, "email", 800.5))
    ]
    targets = [(month, "signups", 120 + 10 * i) for i, month in enumerate(MONTHS)]
    rows = {"budgets": budgets, "targets": targets}
    return harness.make_world(home, rows, [projection.project], clock)


server = harness.server_fixture(make_world, API)


def get(server: SandboxServer, spreadsheet_id: str, a1: str, **params: str) -> requests.Response:
    url = f"{server.url}/google_sheets/v4/spreadsheets/{spreadsheet_id}/values/{a1}"
    return requests.get(url, params=params, timeout=10)


def test_projection_is_deterministic_and_maps_every_channel(tmp_path: Path) -> None:
    dumps = []
    for name in ("a", "b"):
        con = duckdb.connect(str(make_world(tmp_path / name)))
        dumps.append(
            [
                con.execute(
                    f"select * from {projection.SCHEMA}.{table} order by _position"
                ).fetchall()
                for table in projection.SPREADSHEETS
            ]
        )
        mapped = {row[0] for row in con.execute(
            f'select distinct "Channel" from {projection.SCHEMA}.channel_mapping'
        ).fetchall()}  # fmt: skip
        con.close()
        assert mapped == set(CHANNELS)
    assert dumps[0] == dumps[1]
    assert [len(rows) for rows in dumps[0]] == [8, 4, len(projection.CHANNEL_MAPPING)]


def test_values_are_the_grid_typed_by_the_clock(server: SandboxServer) -> None:
    body = get(server, BUDGET_ID, "Budget", **KEY).json()
    assert body["range"] == "Budget!A1:C7"
    assert body["majorDimension"] == "ROWS"
    assert body["values"][0] == ["Month", "Channel", "Budget"]
    assert body["values"][1:] == [
        ["2026-01-01", "email", "800.50"],
        ["2026-01-01", "paid_search", "12,500.00"],
        ["2026-02-01", "email", "800.50"],
        ["2026-02-01", "paid_search", "13,000.00"],
        ["2026-03-01", "email", "800.50"],
        ["2026-03-01", "paid_search", "13,500.00"],
    ]
    WorldStore.write_clock(server.store.path, T1)
    assert len(get(server, BUDGET_ID, "Budget", **KEY).json()["values"]) == 1 + 8


def test_ranges_render_options_and_dimensions(server: SandboxServer) -> None:
    body = get(server, BUDGET_ID, "'Budget'!B2:C3", valueRenderOption="UNFORMATTED_VALUE", **KEY)
    assert body.json()["values"] == [["email", 800.5], ["paid_search", 12500]]
    serial = get(server, BUDGET_ID, "Budget!A2", valueRenderOption="UNFORMATTED_VALUE", **KEY)
    assert serial.json()["values"] == [[46023]]  # 2026-01-01 as a Sheets serial day number
    columns = get(server, BUDGET_ID, "Budget!A1:B2", majorDimension="COLUMNS", **KEY).json()
    assert columns["values"] == [["Month", "2026-01-01"], ["Channel", "email"]]
    beyond = get(server, BUDGET_ID, "Budget!A50:C60", **KEY).json()
    assert "values" not in beyond


def test_auth_by_key_or_bearer_else_401(server: SandboxServer) -> None:
    assert get(server, MAPPING_ID, "Mapping").status_code == 401
    assert get(server, MAPPING_ID, "Mapping", key="AIza-wrong").status_code == 401
    bearer = requests.get(
        f"{server.url}/google_sheets/v4/spreadsheets/{MAPPING_ID}/values/Mapping",
        headers={"Authorization": f"Bearer {KEY['key']}"},
        timeout=10,
    )
    assert bearer.status_code == 200
    refused = get(server, MAPPING_ID, "Mapping").json()["error"]
    assert (refused["code"], refused["status"]) == (401, "UNAUTHENTICATED")


def test_errors_in_the_sheets_shape(server: SandboxServer) -> None:
    missing = get(server, "no-such-sheet", "Budget", **KEY)
    assert missing.status_code == 404
    assert missing.json()["error"]["status"] == "NOT_FOUND"
    for bad in ("Other!A1:B2", "Budget!1A:B"):
        response = get(server, BUDGET_ID, bad, **KEY)
        assert response.status_code == 400
        assert response.json()["error"]["message"] == f"Unable to parse range: {bad}"
    option = get(server, BUDGET_ID, "Budget", valueRenderOption="RAW", **KEY)
    assert option.status_code == 400


def test_rate_limit_is_the_published_read_quota() -> None:
    assert (API.rate_limit.requests, API.rate_limit.per_seconds) == (300, 60)


@pytest.mark.parametrize(
    ("a1", "expected"),
    [
        ("Budget", ("Budget", 0, 0, None, None)),
        ("Budget!A1:C", ("Budget", 0, 0, 2, None)),
        ("'My Sheet'!B2:D10", ("My Sheet", 1, 1, 3, 9)),
        ("A:B", ("Default", 0, 0, 1, None)),
        ("Budget!C5", ("Budget", 2, 4, 2, 4)),
    ],
)
def test_parse_range(a1: str, expected: tuple) -> None:
    assert parse_range(a1, "Default") == expected


def test_column_letters_round_trip() -> None:
    assert [column_letters(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert all(column_index(column_letters(i)) == i for i in range(800))
