"""Where the synthetic world lives: a DuckDB file plus the world clock.

The generator writes the whole timeline (history and a future horizon) once; what the fake APIs
and landing files show is everything that happened up to the *clock*. ``world advance`` only moves
the clock, so every view of the world is a pure function of (seed, scale, clock).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb


class WorldStore:
    """Thread-safe access to the world file for the sandbox server and the CLI."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.clock_path = self.path.with_name("clock.json")
        self._con = duckdb.connect(str(self.path), read_only=read_only)
        self._local = threading.local()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor private to the calling thread (DuckDB connections are not thread-safe)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.cursor().execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def clock(self) -> datetime:
        return self.read_clock(self.path)

    @staticmethod
    def read_clock(world_path: Path) -> datetime:
        clock_path = Path(world_path).with_name("clock.json")
        return datetime.fromisoformat(json.loads(clock_path.read_text())["now"])

    def set_clock(self, now: datetime) -> None:
        self.write_clock(self.path, now)

    @staticmethod
    def write_clock(world_path: Path, now: datetime) -> None:
        """Atomically replace the clock beside ``world_path`` (readers never see half a file)."""
        clock_path = Path(world_path).with_name("clock.json")
        tmp = clock_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"now": now.isoformat()}))
        tmp.replace(clock_path)

    def close(self) -> None:
        self._con.close()
