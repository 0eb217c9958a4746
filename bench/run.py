"""``roundtrip bench``: world generation, ingestion per source, event-file loading and the demo.

Each figure is one JSON object ``{"name", "value", "unit"}``, plus ``"peer"`` and ``"ratio"``
(ours ÷ peer, higher is better for rates) where a peer exists. Everything runs in a throwaway
ROUNDTRIP_HOME so a benchmark never touches the user's warehouse.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import psutil

from platform_assets.settings import Settings, load_settings

Emit = Callable[[dict[str, Any]], None]
Progress = Callable[[str], None]


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the block (assets read settings from the environment)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def figure(name: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, **extra}


def bench_world(settings: Settings, emit: Emit, progress: Progress) -> None:
    from platform_assets.sandbox import world

    progress(f"generating a {settings.scale} world")
    started = time.perf_counter()
    summary = world.generate(settings)
    seconds = time.perf_counter() - started
    emit(figure(f"world_generate_{settings.scale}_rows_per_s", summary.rows / seconds, "rows/s"))
    emit(figure(f"world_generate_{settings.scale}_seconds", seconds, "s", rows=summary.rows))


def _raw_rows(settings: Settings, source: str) -> int:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_name not like '\\_dlt%' escape '\\'",
            [f"raw_{source}"],
        ).fetchall()
        return sum(
            con.execute(f'select count(*) from "raw_{source}"."{t}"').fetchone()[0]
            for (t,) in tables
        )
    finally:
        con.close()


def saas_source_assets() -> dict[str, dg.AssetsDefinition]:
    """The dlt multi-asset of every SaaS source, by source name (not the event stream's
    partitioned files, nor the spreadsheets people drop into the uploads folder)."""
    from platform_assets import ingestion
    from platform_assets.settings import API_NAMES

    found: dict[str, dg.AssetsDefinition] = {}
    for info in pkgutil.iter_modules(ingestion.__path__):
        module = importlib.import_module(f"{ingestion.__name__}.{info.name}")
        for value in vars(module).values():
            if not isinstance(value, dg.AssetsDefinition):
                continue
            source = next(iter(value.keys)).path[1]
            if source in API_NAMES:  # not "events" (landing files) nor "uploads"
                found[source] = value
    return dict(sorted(found.items()))


def bench_ingestion(settings: Settings, emit: Emit, progress: Progress) -> None:
    from dagster_dlt import DagsterDltResource

    from platform_assets.sandbox.server import start_server

    with (
        start_server(settings, port=0) as server,
        environment(ROUNDTRIP_SANDBOX_PORT=str(server.port)),
    ):
        for source, assets in saas_source_assets().items():
            progress(f"ingesting {source} over HTTP")
            started = time.perf_counter()
            result = dg.materialize(
                [assets],
                resources={"dlt": DagsterDltResource()},
                instance=dg.DagsterInstance.ephemeral(),
                raise_on_error=False,
            )
            seconds = time.perf_counter() - started
            rows = _raw_rows(settings, source) if result.success else 0
            emit(figure(f"ingest_{source}_rows_per_s", rows / seconds, "rows/s", rows=rows))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_demo(scale: str, emit: Emit, progress: Progress) -> None:
    """Wall time and peak RSS (the whole process tree, sampled) of ``roundtrip demo --no-ui``."""
    progress(f"running the demo end to end at scale {scale}")
    with tempfile.TemporaryDirectory(prefix="roundtrip-bench-demo-") as home:
        env = {**os.environ, "ROUNDTRIP_HOME": home, "ROUNDTRIP_SANDBOX_PORT": str(free_port())}
        command = [str(Path(sys.executable).with_name("roundtrip")), "demo", "--no-ui"]
        started = time.perf_counter()
        proc = subprocess.Popen(command + ["--scale", scale], env=env, stdout=subprocess.DEVNULL)
        peak = 0
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    emit(figure(f"demo_{scale}_wall_seconds", seconds, "s", exit_code=proc.returncode))
    emit(figure(f"demo_{scale}_peak_rss_mb", peak / 2**20, "MB"))


def run_benchmarks(
    settings: Settings, emit: Emit, progress: Progress, include_demo: bool = True
) -> None:
    from bench.event_load import bench_event_load

    with (
        tempfile.TemporaryDirectory(prefix="roundtrip-bench-") as tmp,
        environment(ROUNDTRIP_HOME=tmp, ROUNDTRIP_SCALE=settings.scale),
    ):
        env = {"ROUNDTRIP_HOME": tmp, "ROUNDTRIP_SCALE": settings.scale}
        bench_settings = load_settings(env={**env, "ROUNDTRIP_SEED": str(settings.seed)})
        bench_settings.ensure_home()
        bench_world(bench_settings, emit, progress)
        for row in bench_event_load(bench_settings):
            emit(row)
        bench_ingestion(bench_settings, emit, progress)
    if include_demo:
        bench_demo(settings.scale, emit, progress)
