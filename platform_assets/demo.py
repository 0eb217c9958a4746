"""``roundtrip demo``: from nothing to a populated warehouse and the Dagster UI.

World → sandbox APIs (in this process) → materialize every asset (runs recorded in the Dagster
instance under ROUNDTRIP_HOME, so the UI shows them) → ``dagster dev`` on 127.0.0.1. Ctrl-C stops
the UI's whole process group and the sandbox.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

import dagster as dg

from platform_assets.automation.backfill import partition_range_tags, run_in_process
from platform_assets.settings import API_NAMES, Settings, SettingsError

Step = Callable[[str], AbstractContextManager[None]]
Progress = Callable[[str], None]

REPO_ROOT = Path(__file__).resolve().parent.parent


def prepare_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent Dagster instance under ROUNDTRIP_HOME (its dagster.yaml from the repo)."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", settings.dagster_home / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(settings.dagster_home))


def pending_days(
    settings: Settings,
    instance: dg.DagsterInstance,
    partitions_def: dg.PartitionsDefinition,
    probe: dg.AssetKey,
) -> list[str]:
    """The daily partitions a run must (re)load: from the first day never materialized through
    the clock's day, or just the clock's own day when it is still filling. A second demo run
    therefore loads only what arrived since the first."""
    from platform_assets.sandbox.store import WorldStore

    clock = WorldStore.read_clock(settings.world_path)
    today = f"{clock:%Y-%m-%d}"
    keys = [k for k in partitions_def.get_partition_keys() if datetime.fromisoformat(k) < clock]
    done = instance.get_materialized_partitions(probe)
    missing = [k for k in keys if k not in done]
    if missing:
        return keys[keys.index(missing[0]) :]
    return keys[-1:] if keys and keys[-1] == today else []


def materialize_everything(
    settings: Settings, instance: dg.DagsterInstance, progress: Progress
) -> bool:
    """Materialize every asset: the daily partitions still to load in one run (one read, one
    transaction), then the rest (raw SaaS tables, dbt) in a second run. True when both succeed."""
    from platform_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    partitioned = {k for k in graph.materializable_asset_keys if graph.get(k).is_partitioned}
    unpartitioned = graph.materializable_asset_keys - partitioned
    ok = True

    keys: list[str] = []
    if partitioned:
        probe = sorted(partitioned, key=lambda key: key.to_user_string())[0]
        keys = pending_days(settings, instance, graph.get(probe).partitions_def, probe)
    if keys:
        progress(f"{len(partitioned)} partitioned assets over {len(keys)} days")
        result = run_in_process(
            defs,
            dg.AssetSelection.assets(*partitioned),
            instance,
            tags=partition_range_tags(keys[0], keys[-1]),
        )
        ok &= result.success
    progress(f"{len(unpartitioned)} other assets")
    result = run_in_process(defs, dg.AssetSelection.assets(*unpartitioned), instance)
    return ok and result.success


def serve_ui(settings: Settings, port: int) -> int:
    """Run ``dagster dev`` in its own process group until it exits or Ctrl-C."""
    dagster = Path(sys.executable).with_name("dagster")
    env = {**os.environ, **settings.to_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    # alerts link to this UI unless ROUNDTRIP_DAGSTER_UI_URL names another
    env.setdefault("ROUNDTRIP_DAGSTER_UI_URL", f"http://127.0.0.1:{port}")
    command = [str(dagster), "dev", "-m", "platform_assets.definitions"]
    command += ["-h", "127.0.0.1", "-p", str(port)]
    ui = subprocess.Popen(command, env=env, cwd=REPO_ROOT, start_new_session=True)
    print(f"Dagster UI: http://127.0.0.1:{port}  (Ctrl-C stops everything)", flush=True)
    try:
        return ui.wait()
    except KeyboardInterrupt:
        for sig, grace in ((signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(ui.pid, sig)
                return ui.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                break
        return 130


def run_demo(settings: Settings, ui: bool, ui_port: int, step: Step, progress: Progress) -> bool:
    from platform_assets.sandbox import world
    from platform_assets.sandbox.server import start_server
    from platform_assets.transform.project import prepare_manifest

    # Assets read their settings from the environment: make it say what the CLI was told.
    os.environ.update(settings.to_env())
    with step("dbt: parse the project"):
        prepare_manifest()
    with step(f"world (scale {settings.scale}, seed {settings.seed})"):
        if world.world_matches(settings):
            progress(f"reusing the world at {settings.world_path}")
        else:
            world.generate(settings, progress)
    with step(f"sandbox APIs on {settings.sandbox_url}"):
        try:
            server = start_server(settings)
        except OSError as exc:
            raise SettingsError(
                f"ROUNDTRIP_SANDBOX_PORT={settings.sandbox_port} cannot be used: {exc}"
            ) from None
    try:
        with step("check every API answers"):
            for api in API_NAMES:
                settings.require_reachable(api)
        with step("materialize every asset"):
            ok = materialize_everything(settings, prepare_instance(settings), progress)
        if not ok:
            print("Some steps failed: open the run in the Dagster UI for details.", file=sys.stderr)
        if ui:
            serve_ui(settings, ui_port)
        return ok
    finally:
        server.stop()
