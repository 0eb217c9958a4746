"""A fake of the Google Sheets API v4 values endpoint, serving ``src_google_sheets``.

``GET /v4/spreadsheets/{spreadsheetId}/values/{range}`` answers
``{"range", "majorDimension", "values"}`` like the real API: A1 ranges (``Budget``,
``Budget!A1:C``, ``'Budget'!B2:C10``, ``A1:C`` for the first tab), ``majorDimension``
ROWS|COLUMNS, ``valueRenderOption`` FORMATTED_VALUE (default: what the cells display, as text)
or UNFORMATTED_VALUE (numbers as numbers, dates as serial day numbers), empty trailing cells and
rows omitted. Auth is an API key (``key=`` query parameter) or an OAuth bearer token; the
published quota is 300 read requests per minute per project. Rows typed after the world clock
are not there yet.

``GET /drive/v3/files/{fileId}?fields=modifiedTime`` is the Drive API's metadata read, which
tells a connector when a spreadsheet was last edited (the real one lives on the Drive host).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from platform_assets.sandbox.fakeapi import (
    ApiRequest,
    ApiResponse,
    FakeApi,
    RateLimit,
    Route,
    bearer_token,
    google_error,
)
from platform_assets.sandbox.store import WorldStore
from platform_assets.sandbox.world.sources.google_sheets import (
    SCHEMA,
    SPREADSHEETS,
    Spreadsheet,
)

_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
_SERIAL_EPOCH = date(1899, 12, 30)  # day 0 of Sheets' date serial numbers
_A1 = re.compile(r"(?P<col1>[A-Z]+)(?P<row1>\d+)?(?::(?P<col2>[A-Z]+)(?P<row2>\d+)?)?")


class RangeError(ValueError):
    """An A1 range the API cannot parse (the real API answers 400 "Unable to parse range")."""


def column_index(letters: str) -> int:
    """``A`` → 0, ``Z`` → 25, ``AA`` → 26."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def column_letters(index: int) -> str:
    """0 → ``A``, 26 → ``AA`` (the inverse of :func:`column_index`)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def parse_range(a1: str, default_sheet: str) -> tuple[str, int, int, int | None, int | None]:
    """An A1 range → (sheet, first column, first row, last column, last row), 0-based, with
    None for an open end (``A:C`` runs to the last row)."""
    sheet, _, cells = a1.rpartition("!")
    if not sheet and not _A1.fullmatch(a1):
        sheet, cells = a1, ""
    sheet = (sheet or default_sheet).strip("'")
    if not cells:
        return sheet, 0, 0, None, None
    match = _A1.fullmatch(cells.upper())
    if not match:
        raise RangeError(a1)
    col1, col2 = match["col1"], match["col2"] or match["col1"]
    row1 = int(match["row1"]) - 1 if match["row1"] else 0
    row2: int | None = int(match["row2"]) - 1 if match["row2"] else None
    if not match["col2"] and match["row1"]:
        row2 = row1  # a single cell
    return sheet, column_index(col1), row1, column_index(col2), row2


def render(value: Any, option: str) -> Any:
    """One cell as the API returns it under ``valueRenderOption``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if option == "FORMATTED_VALUE":
            return value.isoformat()
        return (value - _SERIAL_EPOCH).days
    if isinstance(value, float):
        if option == "FORMATTED_VALUE":
            return f"{value:,.2f}"
        return int(value) if value.is_integer() else value
    return value if option != "FORMATTED_VALUE" else str(value)


def _trim(cells: list[Any]) -> list[Any]:
    """Drop trailing empty cells, as the API does."""
    end = len(cells)
    while end and cells[end - 1] == "":
        end -= 1
    return cells[:end]


def _table_of(spreadsheet_id: str) -> str | None:
    """The world table behind a spreadsheet (or Drive file) id, if it is one of ours."""
    return next(
        (name for name, sheet in SPREADSHEETS.items() if sheet.spreadsheet_id == spreadsheet_id),
        None,
    )


def _naive_utc(moment: datetime) -> datetime:
    """The world's timestamps are naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class GoogleSheetsApi(FakeApi):
    name = "google_sheets"
    rate_limit = RateLimit(requests=300, per_seconds=60)

    def routes(self) -> list[Route]:
        return [
            Route(
                "GET",
                r"/v4/spreadsheets/(?P<spreadsheet_id>[^/]+)/values/(?P<range>[^/]+)",
                self.get_values,
            ),
            Route("GET", r"/drive/v3/files/(?P<file_id>[^/]+)", self.get_file),
        ]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        return credential in (request.arg("key"), bearer_token(request))

    def error(self, status: int, message: str) -> ApiResponse:
        return google_error(status, message)

    def get_file(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        """Drive files.get with ``fields``: a spreadsheet's ``modifiedTime`` (its last edit by
        the clock), which lets a connector skip a sheet nobody touched. Metadata: 0 rows."""
        table = _table_of(request.path_params["file_id"])
        if table is None:
            return self.error(404, f"File not found: {request.path_params['file_id']}.")
        clock = _naive_utc(store.clock())
        row = (
            store.cursor()
            .execute(
                f"select max(_created_at) from {SCHEMA}.{table} where _created_at <= ?", [clock]
            )
            .fetchone()
        )
        body: dict[str, Any] = {"kind": "drive#file", "id": request.path_params["file_id"]}
        fields = (request.arg("fields") or "").split(",")
        if "modifiedTime" in fields:
            edited = row[0] if row and row[0] else datetime(1970, 1, 1)
            body["modifiedTime"] = f"{edited:%Y-%m-%dT%H:%M:%S}.000Z"
        return ApiResponse(body=body)

    def get_values(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        """spreadsheets.values.get: one rectangle of one tab, header row included."""
        table = _table_of(request.path_params["spreadsheet_id"])
        if table is None:
            return self.error(404, "Requested entity was not found.")
        spreadsheet = SPREADSHEETS[table]
        a1 = request.path_params["range"]  # the server percent-decodes paths
        option = request.arg("valueRenderOption", "FORMATTED_VALUE") or ""
        dimension = request.arg("majorDimension", "ROWS") or ""
        if option not in _RENDER_OPTIONS:
            return self.error(400, f"Invalid value at 'value_render_option', {option!r}")
        if dimension not in ("ROWS", "COLUMNS"):
            return self.error(400, f"Invalid value at 'major_dimension', {dimension!r}")
        try:
            sheet, col1, row1, col2, row2 = parse_range(a1, spreadsheet.sheet_title)
        except RangeError:
            return self.error(400, f"Unable to parse range: {a1}")
        if sheet != spreadsheet.sheet_title:
            return self.error(400, f"Unable to parse range: {a1}")

        grid = [list(spreadsheet.header)] + self._rows(store, table, spreadsheet)
        last_col = len(spreadsheet.header) - 1 if col2 is None else col2
        last_row = len(grid) - 1 if row2 is None else row2
        window = [
            [render(cell, option) for cell in row[col1 : last_col + 1]]
            for row in grid[row1 : last_row + 1]
        ]
        if dimension == "COLUMNS":
            width = max((len(row) for row in window), default=0)
            window = [[row[i] if i < len(row) else "" for row in window] for i in range(width)]
        values = [_trim(line) for line in window]
        while values and not values[-1]:
            values.pop()
        body: dict[str, Any] = {
            "range": f"{sheet}!{column_letters(col1)}{row1 + 1}:"
            f"{column_letters(last_col)}{max(last_row, row1) + 1}",
            "majorDimension": dimension,
        }
        if values:
            body["values"] = values  # the real API leaves the key out for an empty range
        return ApiResponse(body=body, rows=len(values))

    @staticmethod
    def _rows(store: WorldStore, table: str, spreadsheet: Spreadsheet) -> list[list[Any]]:
        """The tab's data rows typed in by the world clock, in sheet order."""
        clock = _naive_utc(store.clock())
        columns = ", ".join(f'"{name}"' for name in spreadsheet.header)
        cursor = store.cursor().execute(
            f"select {columns} from {SCHEMA}.{table} where _created_at <= ? order by _position",
            [clock],
        )
        return [list(row) for row in cursor.fetchall()]


API = GoogleSheetsApi()
