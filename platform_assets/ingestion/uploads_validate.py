"""Check an uploaded budget/target grid and turn it into typed rows, or reject it whole.

The first non-blank row is the header. Its names are normalised the way the Google Sheets
connector normalises a sheet's header (``Budget (USD)`` → ``budget_usd``, case and spaces do not
matter), so the same grid loads the same from either place. Every row is checked and every
problem is collected, so one correction round fixes the whole file:

- the month, the key (channel/metric) and the value (budget/target) columns are present, once;
- the month is ``YYYY-MM`` (or ``YYYY/MM``) or a date (a text ``YYYY-MM-DD`` or a date cell),
  kept as the month's first day;
- the channel/metric is not blank;
- the value is a number ≥ 0: a number cell, or text with an optional currency sign and comma
  thousands separators (``$1,250.50``); a decimal comma is refused rather than guessed;
- no month and channel/metric repeats (case-insensitively, as staging compares them);
- there is at least one data row (an empty file would wipe the table).

Other columns are kept as text. Nothing here touches the warehouse: a rejected file leaves it as
it was by construction.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from platform_assets.ingestion.google_sheets import column_name
from platform_assets.ingestion.uploads_files import UploadKind
from platform_assets.ingestion.uploads_read import Row, UploadRejected

_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_NUMBER = re.compile(r"-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?|-?\.\d+")
_CURRENCY = "$€£"


def validate(file: str, rows: list[Row], kind: UploadKind) -> list[dict[str, Any]]:
    """The upload's data rows as records (``month``, key, value, other columns as text,
    ``_row``), or :class:`UploadRejected` listing every problem."""
    if not rows:
        raise UploadRejected(file, [f"{file}: the file is empty (no header row)"])
    header_row, header = rows[0]
    typed = [column_name(str(cell or ""), position) for position, cell in enumerate(header)]
    problems = _header_problems(file, header_row, typed, kind)
    if problems:
        raise UploadRejected(file, problems)
    names = _unique(typed)
    labels = {name: str(header[names.index(name)]).strip() for name in kind.columns}
    extras = [(i, name) for i, name in enumerate(names) if name not in kind.columns]

    records: list[dict[str, Any]] = []
    seen: dict[tuple[date, str], int] = {}
    for number, cells in rows[1:]:
        cells = cells + [None] * (len(names) - len(cells))
        row = dict(zip(names, cells, strict=False))
        where = f"{file} row {number}"
        month, month_problem = _month(row["month"], labels["month"])
        key = str(row[kind.key]).strip() if row[kind.key] is not None else ""
        value, value_problem = _amount(row[kind.value], labels[kind.value])
        key_problem = None if key else f"{labels[kind.key]} is empty"
        found = [p for p in (month_problem, key_problem, value_problem) if p]
        if month is not None and key:
            first = seen.setdefault((month, key.lower()), number)
            if first != number:
                found.append(
                    f"{labels['month']} {month:%Y-%m} and {labels[kind.key]} {key!r} "
                    f"repeat row {first}"
                )
        problems += [f"{where}: {problem}" for problem in found]
        records.append(
            {
                "month": month,
                kind.key: key,
                kind.value: value,
                **{name: _text(cells[i]) for i, name in extras},
                "_row": number,
            }
        )
    if not records:
        problems.append(f"{file}: no data rows below the header (row {header_row})")
    if problems:
        raise UploadRejected(file, problems)
    return records


def _header_problems(file: str, row: int, names: list[str], kind: UploadKind) -> list[str]:
    problems = []
    missing = [name.title() for name in kind.columns if name not in names]
    if missing:
        problems.append(
            f"{file} row {row}: missing column {', '.join(missing)} "
            f"(the header needs {' | '.join(name.title() for name in kind.columns)})"
        )
    problems += [
        f"{file} row {row}: column {name.title()} appears {names.count(name)} times"
        for name in kind.columns
        if names.count(name) > 1
    ]
    return problems


def _unique(names: list[str]) -> list[str]:
    """Suffix a repeated (extra) column name ``_2``, ``_3`` so no column is lost."""
    unique: list[str] = []
    for name in names:
        candidate, suffix = name, 2
        while candidate in unique:
            candidate, suffix = f"{name}_{suffix}", suffix + 1
        unique.append(candidate)
    return unique


def _month(cell: Any, label: str) -> tuple[date | None, str | None]:
    """A month cell → the month's first day, or why it is not a month."""
    if cell is None:
        return None, f"{label} is empty"
    if isinstance(cell, datetime | date):
        return date(cell.year, cell.month, 1), None
    text = str(cell).strip()
    match = _MONTH.fullmatch(text)
    if match and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1), None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None, f"{label} {text!r} is not a month (YYYY-MM or a date)"
    return date(parsed.year, parsed.month, 1), None


def _amount(cell: Any, label: str) -> tuple[float | None, str | None]:
    """A budget/target cell → a number ≥ 0, or why it is not one."""
    if cell is None:
        return None, f"{label} is empty"
    if isinstance(cell, bool):
        return None, f"{label} {cell!r} is not a number"
    if isinstance(cell, int | float):
        value = float(cell)
        text = repr(cell)
    else:
        text = str(cell).strip()
        bare = text.lstrip(_CURRENCY).strip()
        if not _NUMBER.fullmatch(bare):
            return None, f"{label} {text!r} is not a number"
        value = float(bare.replace(",", ""))
    if not math.isfinite(value):
        return None, f"{label} {text!r} is not a number"
    if value < 0:
        return None, f"{label} {text} is negative"
    return value, None


def _text(cell: Any) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, datetime) and cell == datetime(cell.year, cell.month, cell.day):
        return cell.date().isoformat()
    return str(cell).strip()
