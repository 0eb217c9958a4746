"""Google Sheets → ``raw_google_sheets``: the planning sheets the marketing team keeps by hand.

Each configured sheet lands as one table the way Fivetran's Google Sheets connector lands it:
the header row becomes snake_case column names, ``_row`` is the row's number in the sheet (the
primary key), ``_fivetran_synced`` is when the sync ran, and cells arrive as the text they display
(staging casts them).

Sheets have no change feed, so a sync first asks Drive for the spreadsheet's ``modifiedTime``
and reads nothing more when it has not moved since the last sync. When it has, the whole tab is
read (it is small) and merged on ``_row``; rows that vanished from the sheet are deleted, so the
table always mirrors the sheet without being truncated on a sync that found nothing new. Every
answer's status is checked before it is read: an error after dlt's retries fails the run rather
than reading as an empty sheet (which would delete every row).

Which spreadsheet each table syncs, and the Drive API's base URL, come from the settings
(``ROUNDTRIP_GOOGLE_SHEETS_<TABLE>_SPREADSHEET_ID``, ``ROUNDTRIP_GOOGLE_DRIVE_URL``); the ids
below are the sandbox's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import dlt
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth

from platform_assets.ingestion.dlt_support import build_source_assets, synced_now
from platform_assets.settings import SPREADSHEET_ID_VAR, Settings, SettingsError

SOURCE = "google_sheets"


@dataclass(frozen=True)
class SheetConfig:
    """Where one table comes from: a spreadsheet id and an A1 range (a whole tab), and the
    columns staging relies on (declared so they exist even when every cell is blank)."""

    spreadsheet_id: str
    range: str
    columns: tuple[str, ...]
    description: str


SHEETS: dict[str, SheetConfig] = {
    "marketing_budget": SheetConfig(
        "1mkTgBudgetRoundtripPlanning2026xQ",
        "Budget",
        ("month", "channel", "budget"),
        "Monthly budget per marketing channel, typed by the marketing team (Google Sheets).",
    ),
    "targets": SheetConfig(
        "1tRgTargetsRoundtripPlanning2026xQ",
        "Targets",
        ("month", "metric", "target"),
        "Monthly targets per business metric, typed by the marketing team (Google Sheets).",
    ),
    "channel_mapping": SheetConfig(
        "1cHnMappingRoundtripMarketing2026Q",
        "Mapping",
        ("utm_source", "utm_medium", "channel"),
        "UTM source/medium → marketing channel lookup the marketing team maintains "
        "(Google Sheets).",
    ),
}
"""Raw table → the sheet it syncs (this deployment's connector configuration)."""


def column_name(header: str, position: int) -> str:
    """A header cell → a column name: lower snake_case, letters and digits only (``UTM Source``
    → ``utm_source``, ``Budget (USD)`` → ``budget_usd``); a blank header → ``column_<n>``."""
    name = re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")
    if not name:
        return f"column_{position + 1}"
    return f"_{name}" if name[0].isdigit() else name


def sheet_records(values: list[list[Any]], synced_at: datetime) -> Iterator[dict[str, Any]]:
    """A values grid (header first) → one record per non-blank row, keyed by ``_row``.

    The API omits trailing blank cells, so short rows are padded; blank cells become nulls.
    A header that repeats a name gets ``_2``, ``_3`` suffixes so no column is lost.
    """
    if not values:
        return
    names: list[str] = []
    for position, header in enumerate(values[0]):
        name = column_name(str(header), position)
        suffix = 2
        while name in names:
            name = f"{column_name(str(header), position)}_{suffix}"
            suffix += 1
        names.append(name)
    for index, row in enumerate(values[1:], start=2):
        cells = [None if cell == "" else cell for cell in row[: len(names)]]
        if all(cell is None for cell in cells):
            continue
        cells += [None] * (len(names) - len(cells))
        yield {"_row": index, **dict(zip(names, cells, strict=True)), "_fivetran_synced": synced_at}


DELETED = "_fivetran_deleted"
"""Set on a tombstone for a row that vanished from the sheet; dlt deletes the row it names."""


def _columns(config: SheetConfig) -> dict[str, dict[str, Any]]:
    hints: dict[str, dict[str, Any]] = {
        "_row": {"data_type": "bigint", "nullable": False, "primary_key": True},
        "_fivetran_synced": {"data_type": "timestamp", "timezone": False},
        DELETED: {"data_type": "bool", "hard_delete": True},
    }
    hints.update({name: {"data_type": "text"} for name in config.columns})
    return hints


def configured_sheets(spreadsheet_ids: Mapping[str, str]) -> dict[str, SheetConfig]:
    """``SHEETS`` with the spreadsheet ids the settings override; an unknown table is an error
    naming its setting (a typo would otherwise sync the sandbox's sheet silently)."""
    unknown = sorted(set(spreadsheet_ids) - set(SHEETS))
    if unknown:
        names = ", ".join(SPREADSHEET_ID_VAR.format(table=table.upper()) for table in unknown)
        raise SettingsError(f"{names}: no such Google Sheets table; known: {', '.join(SHEETS)}")
    return {
        table: replace(config, spreadsheet_id=spreadsheet_ids.get(table, config.spreadsheet_id))
        for table, config in SHEETS.items()
    }


@dlt.source(name=SOURCE)
def google_sheets_source(
    base_url: str,
    credential: str,
    drive_url: str | None = None,
    spreadsheet_ids: Mapping[str, str] | None = None,
) -> Iterator[Any]:
    """One merge-mode resource per configured sheet. ``drive_url`` is the Drive API's base
    (the real one is not the Sheets host); by default the same base as Sheets (the sandbox).
    ``spreadsheet_ids`` (table → id) overrides where a table's sheet lives."""
    auth = APIKeyAuth(name="key", api_key=credential, location="query")
    sheets = RESTClient(base_url=base_url, auth=auth)
    drive = RESTClient(base_url=drive_url or base_url, auth=auth)

    def read(config: SheetConfig) -> Iterator[dict[str, Any]]:
        state = dlt.current.resource_state()
        answer = drive.get(
            f"/drive/v3/files/{config.spreadsheet_id}", params={"fields": "modifiedTime"}
        )
        answer.raise_for_status()  # the client hands back the last answer when retries run out
        modified = answer.json()["modifiedTime"]
        if state.get("modified_time") == modified:
            return
        synced_at = synced_now()
        response = sheets.get(
            f"/v4/spreadsheets/{config.spreadsheet_id}/values/{quote(config.range, safe='')}",
            params={"majorDimension": "ROWS", "valueRenderOption": "FORMATTED_VALUE"},
        )
        response.raise_for_status()  # an error must not read as an empty sheet
        records = list(sheet_records(response.json().get("values", []), synced_at))
        present = sorted(record["_row"] for record in records)
        for vanished in sorted(set(state.get("rows", [])) - set(present)):
            yield {"_row": vanished, DELETED: True}
        yield from records
        # dlt commits resource state only with a successful load.
        state["modified_time"] = modified
        state["rows"] = present

    for table, config in configured_sheets(spreadsheet_ids or {}).items():
        yield dlt.resource(
            read(config),
            name=table,
            table_name=table,
            write_disposition="merge",
            primary_key="_row",
            columns=_columns(config),
        )


def connector_options(settings: Settings) -> Mapping[str, Any]:
    """What the connector takes from the settings besides its URL and API key."""
    return {"drive_url": settings.google_drive_url, "spreadsheet_ids": settings.spreadsheet_ids}


google_sheets_assets = build_source_assets(
    SOURCE,
    google_sheets_source,
    {table: config.description for table, config in SHEETS.items()},
    options=connector_options,
)
