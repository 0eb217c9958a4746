"""Google Sheets' view of the world: the planning spreadsheets a marketing team keeps by hand.

Three spreadsheets, each one grid whose first row is the header a person typed:

- ``marketing_budget``: Month | Channel | Budget, one row per month and channel (core.budgets);
- ``targets``: Month | Metric | Target, one row per month and metric (core.targets);
- ``channel_mapping``: UTM Source | UTM Medium | Channel, the lookup the team maintains to group
  campaign traffic into channels (hand-made below, covering every channel in CHANNELS).

A planning row is typed in a month ahead of the month it plans (``_created_at``), so the fake API
shows next month's budget before that month starts and nothing further out. Rows are appended in
month order, so a row's position in the sheet never changes as the clock moves. Cells hold typed
values (DATE, DOUBLE, VARCHAR); the API renders them the way Sheets does. ``_position`` is the
row's place below the header (1 = the sheet's row 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from platform_assets.sandbox.world.vocab import AFFILIATES

SCHEMA = "src_google_sheets"


@dataclass(frozen=True)
class Spreadsheet:
    """One spreadsheet: its id in the Sheets API, its single tab, and the header row."""

    spreadsheet_id: str
    sheet_title: str
    header: tuple[str, ...]


SPREADSHEETS: dict[str, Spreadsheet] = {
    "marketing_budget": Spreadsheet(
        "1mkTgBudgetRoundtripPlanning2026xQ", "Budget", ("Month", "Channel", "Budget")
    ),
    "targets": Spreadsheet(
        "1tRgTargetsRoundtripPlanning2026xQ", "Targets", ("Month", "Metric", "Target")
    ),
    "channel_mapping": Spreadsheet(
        "1cHnMappingRoundtripMarketing2026Q",
        "Mapping",
        ("UTM Source", "UTM Medium", "Channel"),
    ),
}
"""Table in ``src_google_sheets`` → the spreadsheet it is. The ids are what a connector is
configured with (the ingestion module holds the same ids as its configuration)."""

# (utm_source, utm_medium, channel): what the marketing team typed, covering the tags their
# campaigns carry (see world/web.py) plus a few they keep for links they tag by hand. Organic,
# referral and direct traffic carry no UTM tags; their rows label hand-tagged links so every
# channel appears in the mapping.
CHANNEL_MAPPING: tuple[tuple[str, str, str], ...] = (
    ("google", "cpc", "paid_search"),
    ("bing", "cpc", "paid_search"),
    ("facebook", "paid_social", "paid_social"),
    ("instagram", "paid_social", "paid_social"),
    ("linkedin", "paid_social", "paid_social"),
    ("google", "organic", "organic_search"),
    ("newsletter", "email", "email"),
    ("hubspot", "email", "email"),
    ("partner", "referral", "referral"),
    ("(direct)", "(none)", "direct"),
    ("google", "display", "display"),
    ("google", "video", "video"),
    ("sms", "sms", "sms"),
    *((affiliate, "affiliate", "affiliates") for affiliate in AFFILIATES),
)


def _typed_at(month: str) -> str:
    """SQL: when a row for ``month`` was typed in (a month ahead of the month it plans)."""
    return f"cast({month} - interval 1 month as timestamp)"


def project(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``src_google_sheets`` from ``core`` in the world file, deterministically."""
    con.execute(f"create schema if not exists {SCHEMA}")
    _project_plan(con, "marketing_budget", "budgets")
    _project_plan(con, "targets", "targets")
    con.execute(
        f"""
        create or replace table {SCHEMA}.channel_mapping (
            "UTM Source" varchar, "UTM Medium" varchar, "Channel" varchar,
            _created_at timestamp, _position bigint
        )
        """
    )
    # The mapping exists before the first planned month: the team set it up with the budget.
    con.executemany(
        f"""
        insert into {SCHEMA}.channel_mapping
        select ?, ?, ?, {_typed_at("min(month)")}, ? from core.budgets
        """,
        [[*row, position] for position, row in enumerate(CHANNEL_MAPPING, start=1)],
    )


def _project_plan(con: duckdb.DuckDBPyConnection, table: str, core_table: str) -> None:
    """(Re)create a Month | <key> | <value> planning sheet from ``core.<core_table>``: budget
    and targets are the same kind of grid, and the core columns are the header's names in
    lower case (month, channel, budget), so the header alone says what goes where."""
    month, key, value = SPREADSHEETS[table].header
    key_column, value_column = key.lower(), value.lower()
    con.execute(
        f"""
        create or replace table {SCHEMA}.{table} as
        select
            month as "{month}",
            {key_column} as "{key}",
            round({value_column}, 2) as "{value}",
            {_typed_at("month")} as _created_at,
            row_number() over (order by month, {key_column}) as _position,
        from core.{core_table}
        order by month, {key_column}
        """
    )
