"""The uploads folder: which spreadsheets a marketer may drop there, and which one counts.

A file named ``budgets*.csv`` / ``budgets*.xlsx`` holds the monthly budget per channel and
``targets*.csv`` / ``targets*.xlsx`` the monthly target per metric — the same grids as the
Google Sheets ``marketing_budget`` (Month | Channel | Budget) and ``targets``
(Month | Metric | Target) tabs, for teams that keep them in files instead. The newest file of a
kind (by modification time) is the one that counts: dropping a new file replaces the table.
Names are matched case-insensitively; hidden files and Excel's ``~$`` lock files never match.

The sensor and the assets both read this module, so they always agree on what a file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".csv", ".xlsx")
"""The file types an upload may have."""


@dataclass(frozen=True)
class UploadKind:
    """One kind of upload: the table it lands in and the grid's columns (normalised names:
    lower snake_case, as the Google Sheets connector names them)."""

    table: str
    key: str
    """The column that, with the month, identifies a row (channel, metric)."""
    value: str
    """The numeric column (budget, target); never negative."""
    description: str

    @property
    def columns(self) -> tuple[str, str, str]:
        return ("month", self.key, self.value)


KINDS: dict[str, UploadKind] = {
    "budgets": UploadKind(
        "budgets",
        "channel",
        "budget",
        "Monthly budget per marketing channel from the newest `budgets*.csv|xlsx` a marketer "
        "dropped in the uploads folder (Month | Channel | Budget); replaced whole by each valid "
        "file, a bad file is quarantined and the table kept.",
    ),
    "targets": UploadKind(
        "targets",
        "metric",
        "target",
        "Monthly target per business metric from the newest `targets*.csv|xlsx` a marketer "
        "dropped in the uploads folder (Month | Metric | Target); replaced whole by each valid "
        "file, a bad file is quarantined and the table kept.",
    ),
}
"""Table in ``raw_uploads`` → its kind of upload; the file name starts with the table name."""


def kind_of(path: Path) -> UploadKind | None:
    """The kind of upload ``path`` is, or None when it is not an upload."""
    name = path.name.lower()
    if path.suffix.lower() not in SUFFIXES:
        return None
    return next((kind for table, kind in KINDS.items() if name.startswith(table)), None)


def uploads_of(uploads_dir: Path, kind: UploadKind) -> list[Path]:
    """The files of one kind in the folder, oldest first (modification time, then name)."""
    if not uploads_dir.is_dir():
        return []
    files = [p for p in uploads_dir.iterdir() if p.is_file() and kind_of(p) == kind]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def newest(uploads_dir: Path, kind: UploadKind) -> Path | None:
    """The upload of a kind that counts: the most recently modified."""
    files = uploads_of(uploads_dir, kind)
    return files[-1] if files else None


def signature(path: Path) -> str:
    """Name, modification time and size: changes whenever the file is replaced or edited."""
    stat = path.stat()
    return f"{path.name}:{stat.st_mtime_ns}:{stat.st_size}"
