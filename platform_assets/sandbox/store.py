"""Where the synthetic world lives: a DuckDB file plus the world clock, and what was written back.

The generator writes the whole timeline (history and a future horizon) once; what the fake APIs
and landing files show is everything that happened up to the *clock*. ``world advance`` only moves
the clock, so every view of the world is a pure function of (seed, scale, clock).

Reverse ETL writes into the fakes. Those writes are not the world's: the sandbox server keeps them
in a second file, ``destinations.duckdb`` (one per world, removed when a new world is generated),
opened read-write with the world attached read-only as catalog ``world``. Queries see the world's
schemas unqualified (``src_hubspot.contacts``) and the written state as ``destinations.<table>``,
so a fake can serve both merged, which is how a written property comes back on the next read.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb


class WorldStore:
    """Thread-safe access to the world file for the sandbox server and the CLI."""

    def __init__(
        self, path: Path, read_only: bool = False, destinations: Path | None = None
    ) -> None:
        """Open the world at ``path``; with ``destinations``, open that file read-write for the
        fakes' written state and attach the world read-only beside it (``read_only`` is then
        implied for the world)."""
        self.path = Path(path)
        self.clock_path = self.path.with_name("clock.json")
        self.writable = destinations is not None
        if destinations is None:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        else:
            self._con = duckdb.connect(str(destinations))
            try:
                self._con.execute(f"attach if not exists '{self.path}' as world (read_only)")
            except duckdb.Error:
                self._con.close()
                raise
        self._local = threading.local()
        self._write_lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor private to the calling thread (DuckDB connections are not thread-safe)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            if self.writable:
                cur.execute("use world")  # the world's schemas resolve unqualified
            self._local.cursor = cur
        return cur

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[dict]:
        cur = self.cursor().execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction on the written state, serialised across request threads (a fake's
        read-modify-write of a record must not interleave with another request's).

        Commits when the block ends, rolls back when it raises: a request either wrote all its
        records or none. Tables live in catalog ``destinations`` (``destinations.<table>``).
        """
        if not self.writable:
            raise RuntimeError(f"{self.path} was opened without a destinations file")
        with self._write_lock:
            cur = self.cursor()
            cur.execute("begin transaction")
            try:
                yield cur
            except BaseException:
                cur.execute("rollback")
                raise
            cur.execute("commit")

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
