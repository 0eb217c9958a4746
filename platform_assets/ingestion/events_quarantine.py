"""Find the lines of ``_batch`` that cannot load, and move their files to the quarantine folder.

A malformed file (bad gzip, bad JSON, a line without its required fields, a property value its
column's type cannot hold) is moved to the quarantine folder with ``<file>.reason.txt`` naming
the lines and what was wrong; the rest of the days load. A file goes whole, so the hour it holds
is never half loaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from platform_assets.ingestion.events_columns import Table, pointer

# Why a line cannot be loaded (null when it can). A batch file holds one hour of receipts.
_PROBLEM = """
    case
        when coalesce(id, '') = '' then 'missing messageId'
        when type is null then 'missing type'
        when type not in ('page', 'track', 'identify') then 'unknown type ' || type
        when received_at_text is null then 'missing receivedAt'
        when received_at is null then 'receivedAt is not a timestamp: ' || received_at_text
        when date_trunc('hour', received_at) != strptime(
                regexp_extract(_file, '([0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2})[.]ndjson[.]gz$', 1),
                '%Y/%m/%d/%H'
            )
            then 'receivedAt ' || received_at_text || ' is not in the hour of its file'
        when anonymous_id is null and user_id is null then 'neither anonymousId nor userId'
        when type = 'track' and coalesce(event, '') = '' then 'track without event'
    end
"""

_MAX_REASONS = 20

Problem = tuple[str, int, str]
"""A line that cannot load: (file, line number, what is wrong)."""


def line_problems(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    """Lines missing a field the load needs, or received outside their file's hour."""
    return con.execute(
        f"""
        select _file, _line, problem from (
            select _file, _line, {_PROBLEM} as problem from _batch
        )
        where problem is not null
        order by _file, _line
        """
    ).fetchall()


def value_problems(con: duckdb.DuckDBPyConnection, layout: dict[str, Table]) -> list[Problem]:
    """Lines with a property/trait value its column's type cannot hold (``"nine"`` for the
    BIGINT ``score``): loading them would turn the value into null, so their files go."""
    problems: list[Problem] = []
    for spec in layout.values():
        noun = "property" if spec.payload == "properties" else "trait"
        for name, kind, _ in spec.columns:
            if name not in spec.keys or kind in ("VARCHAR", "JSON"):
                continue
            key, param = spec.keys[name]
            value = f"{spec.payload} ->> ${param}"
            rows = con.execute(
                f"select _file, _line, {value} from _batch where {spec.where} "
                f"and {value} is not null and try_cast({value} as {kind}) is null",
                {param: pointer(key)},
            ).fetchall()
            problems += [
                (file, line, f"{noun} {json.dumps(key)} = {text[:60]} is not {kind} ({name})")
                for file, line, text in rows
            ]
    return sorted(problems)


def reject(
    con: duckdb.DuckDBPyConnection, failed: dict[str, list[str]], problems: list[Problem]
) -> bool:
    """Record ``problems`` in ``failed`` and drop their files' rows from ``_batch`` (a file is
    quarantined whole, so the hour it holds is never half loaded); whether there were any."""
    for file, line, problem in problems:
        failed.setdefault(file, []).append(f"line {line}: {problem}")
    if problems:
        bad = sorted({file for file, _, _ in problems})
        con.execute("delete from _batch where list_contains($bad, _file)", {"bad": bad})
    return bool(problems)


def quarantine(file: Path, landing_dir: Path, quarantine_dir: Path, reasons: list[str]) -> str:
    """Move a bad file out of the landing folder, beside a reason file; return the reason."""
    target = Path(quarantine_dir) / "events" / file.relative_to(landing_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    more = len(reasons) - _MAX_REASONS
    lines = reasons[:_MAX_REASONS] + ([f"... and {more} more lines"] if more > 0 else [])
    reason = f"{file.relative_to(landing_dir)}: " + "; ".join(lines[:3])
    Path(f"{target}.reason.txt").write_text(
        f"quarantined {file}\n" + "".join(f"{line}\n" for line in lines)
    )
    shutil.move(file, target)
    return reason
