"""Files: a sync model exported whole as Parquet, with a manifest, for notebooks and other tools.

A notebook wants the current table, not a stream of changes, so this destination rewrites the
whole file whenever the diff finds anything changed, and never leaves a half-written one: the file
is written under a temporary name and moved into place, then the manifest (row count, columns,
the run that wrote it, an md5 of the file) is replaced the same way. A reader that opens the
manifest first and the file it names always gets a complete pair.

``destination_options``: ``path`` — a folder or an fsspec URI (``s3://bucket/prefix``,
``memory://exports``); default ``$ROUNDTRIP_HOME/exports``. The object name is the file's stem.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import fsspec
from fsspec.implementations.local import LocalFileSystem

from platform_assets.activation.destinations.base import DestinationConfigError, Operation
from platform_assets.activation.http import Clock
from platform_assets.settings import Settings


class FileExport:
    """Writes one sync model as ``<object>.parquet`` + ``<object>.manifest.json``."""

    name = "files"
    operations = frozenset({Operation.UPSERT, Operation.DELETE})

    def __init__(self, object_name: str, target: str) -> None:
        if not object_name.replace("_", "").isalnum():
            raise DestinationConfigError(
                f"files object {object_name!r} must be a plain file stem (letters, digits, _)"
            )
        self.object_name = object_name
        self.target = target.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.target)

    @property
    def file_uri(self) -> str:
        return f"{self.target}/{self.object_name}.parquet"

    @property
    def manifest_uri(self) -> str:
        return f"{self.target}/{self.object_name}.manifest.json"

    def exists(self) -> bool:
        return self.fs.exists(f"{self.root}/{self.object_name}.manifest.json")

    def write(self, con: duckdb.DuckDBPyConnection, query: str, run_id: str) -> dict[str, Any]:
        """Export ``query``'s rows and return the manifest written beside them."""
        self.fs.makedirs(self.root, exist_ok=True)
        final = f"{self.root}/{self.object_name}.parquet"
        with tempfile.TemporaryDirectory(prefix="roundtrip-export-") as scratch:
            local = Path(scratch) / f"{self.object_name}.parquet"
            con.execute(f"copy ({query}) to '{local}' (format parquet, compression zstd)")
            rows = con.execute(f"select count(*) from read_parquet('{local}')").fetchall()[0][0]
            columns = con.execute(f"describe select * from read_parquet('{local}')").fetchall()
            digest = hashlib.md5(local.read_bytes()).hexdigest()
            self._replace(local, final, run_id)
        manifest = {
            "file": self.file_uri,
            "rows": rows,
            "columns": [{"name": c[0], "type": c[1]} for c in columns],
            "md5": digest,
            "run_id": run_id,
            "written_at": datetime.now(UTC).isoformat(),
        }
        with tempfile.TemporaryDirectory(prefix="roundtrip-export-") as scratch:
            local = Path(scratch) / "manifest.json"
            local.write_text(json.dumps(manifest, indent=2))
            self._replace(local, f"{self.root}/{self.object_name}.manifest.json", run_id)
        return manifest

    def _replace(self, local: Path, final: str, run_id: str) -> None:
        """Move ``local`` to ``final`` so readers see the old file or the new one, never half
        (a rename on a local disk; on an object store, a put then a move, as atomic as it gets)."""
        staged = f"{final}.{run_id}.tmp"
        self.fs.put_file(str(local), staged)
        if isinstance(self.fs, LocalFileSystem):
            os.replace(staged, final)
        else:
            self.fs.mv(staged, final)

    def close(self) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        return {"destination": self.name, "object": self.object_name, "file": self.file_uri}


def connect(
    object_name: str, settings: Settings, options: Mapping[str, Any], clock: Clock
) -> FileExport:
    unknown = sorted(set(options) - {"path"})
    if unknown:
        raise DestinationConfigError(f"files: unknown destination_options {unknown}; known: path")
    return FileExport(object_name, str(options.get("path") or settings.sync_exports_dir))
