"""Build and move the synthetic world: generate the timeline, project it into each SaaS tool,
write the event stream's landing files, and move the clock.

Everything a fake API or landing file shows is a pure function of (seed, scale, clock):
``generate`` writes the whole horizon once and sets the clock to the end of the history;
``advance`` only moves the clock forward and writes the landing files that became due.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from platform_assets.sandbox.store import WorldStore
from platform_assets.settings import Settings, SettingsError

Progress = Callable[[str], None]


@dataclass(frozen=True)
class WorldSummary:
    clock: datetime
    horizon_end: datetime
    rows: int
    landing_files: int


def _silent(_: str) -> None:
    return None


def _refuse_if_in_use(settings: Settings) -> None:
    """Fail before touching anything when another process (a running sandbox) holds the world."""
    if not settings.world_path.exists():
        return
    try:
        duckdb.connect(str(settings.world_path)).close()
    except (
        duckdb.IOException,
        duckdb.ConnectionException,
        duckdb.ResourceInUseException,  # attached by a sandbox serving in this very process
    ) as exc:
        raise SettingsError(
            f"the world file {settings.world_path} is in use (is `roundtrip sandbox serve` "
            f"running?): {exc}"
        ) from None


def world_config(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The generator's config as recorded in ``sandbox_truth.world_config`` (values decoded)."""
    try:
        rows = con.execute("select key, value from sandbox_truth.world_config").fetchall()
    except duckdb.CatalogException:
        rows = []
    if not rows:
        raise SettingsError("the world file has no world_config; run `roundtrip world generate`")
    return {key: json.loads(value) for key, value in rows}


def horizon_of(con: duckdb.DuckDBPyConnection) -> datetime:
    """The last moment the generator wrote: the world's start plus its history and future."""
    config = world_config(con)
    days = config["history_days"] + config["future_days"]
    return datetime.fromisoformat(config["start"]) + timedelta(days=days)


def world_matches(settings: Settings) -> bool:
    """True when the world on disk was generated for this scale and seed (so it can be reused)."""
    if not settings.world_path.exists():
        return False
    try:
        con = duckdb.connect(str(settings.world_path), read_only=True)
    except duckdb.Error:
        return False
    try:
        config = world_config(con)
    except SettingsError:
        return False
    finally:
        con.close()
    return config.get("visitors") == settings.visitors and config.get("seed") == settings.seed


def generate(settings: Settings, progress: Progress = _silent) -> WorldSummary:
    """Generate a fresh world for ``settings.scale``/``settings.seed`` under ROUNDTRIP_HOME.

    Replaces any previous world, its clock and its landing files (they describe that world).
    """
    from platform_assets.sandbox.world.generator import WorldConfig, generate_core
    from platform_assets.sandbox.world.landing import write_landing_files
    from platform_assets.sandbox.world.sources import projection_modules

    settings.ensure_home()
    config = WorldConfig.for_scale(settings.scale, settings.seed)
    _refuse_if_in_use(settings)
    # Build beside the current world and swap at the end: a failed generation leaves it intact.
    building = settings.world_path.with_name("world.building.duckdb")
    landing = settings.landing_dir.with_name("landing.building")
    building.unlink(missing_ok=True)
    shutil.rmtree(landing, ignore_errors=True)
    landing.mkdir(parents=True)

    con = duckdb.connect(str(building))
    try:
        progress(f"generating the core world ({settings.scale}, seed {settings.seed})")
        generate_core(con, config, progress)
        for module in projection_modules():
            source = module.__name__.rsplit(".", 1)[-1]
            progress(f"projecting {source}")
            module.project(con)
        con.execute("checkpoint")
        rows = _world_rows(con)
        horizon_end = horizon_of(con)
        progress("writing landing files")
        files = write_landing_files(con, landing, until=config.clock_start)
    finally:
        con.close()
    building.replace(settings.world_path)
    # What syncs wrote into the old world's fakes belongs to that world, not this one.
    settings.destinations_path.unlink(missing_ok=True)
    shutil.rmtree(settings.landing_dir, ignore_errors=True)
    landing.rename(settings.landing_dir)
    WorldStore.write_clock(settings.world_path, config.clock_start)
    return WorldSummary(config.clock_start, horizon_end, rows, files)


def advance(settings: Settings, days: float, progress: Progress = _silent) -> WorldSummary:
    """Move the world clock forward by ``days`` and write the landing files that became due."""
    from platform_assets.sandbox.world.landing import write_landing_files

    if days <= 0:
        raise SettingsError(f"--days={days} must be positive")
    if not settings.world_path.exists():
        raise SettingsError(
            f"no world at {settings.world_path}; run `roundtrip world generate` first"
        )
    store = WorldStore(settings.world_path, read_only=True)
    try:
        con = store.cursor()
        horizon_end = horizon_of(con)
        now = store.clock() + timedelta(days=days)
        if now > horizon_end:
            raise SettingsError(
                f"--days={days} would move the clock to {now:%Y-%m-%d %H:%M}, past the world's "
                f"horizon {horizon_end:%Y-%m-%d %H:%M}; generate a world with a longer horizon"
            )
        progress(f"clock → {now:%Y-%m-%d %H:%M}; writing landing files")
        files = write_landing_files(con, settings.landing_dir, until=now)
        rows = _world_rows(con)
    finally:
        store.close()
    WorldStore.write_clock(settings.world_path, now)
    return WorldSummary(now, horizon_end, rows, files)


def _world_rows(con: duckdb.DuckDBPyConnection) -> int:
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema = 'core' or table_schema like 'src\\_%' escape '\\'"
    ).fetchall()
    return sum(
        con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
        for schema, name in tables
    )
