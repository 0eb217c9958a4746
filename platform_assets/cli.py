"""The ``roundtrip`` command: the steps of the demo, one sub-command each.

    roundtrip world generate --scale tiny --seed 7     build the synthetic world
    roundtrip world advance --days 1                   move its clock forward
    roundtrip world live [--step-minutes 15]           keep moving it every few seconds
    roundtrip sandbox serve                            serve the fake SaaS APIs
    roundtrip demo [--no-ui] [--scale small]           world → sandbox → materialize → Dagster UI
    roundtrip backfill --from 2026-03-01 --to 2026-03-07   reload event days (one run) + staging
    roundtrip bench                                    print benchmark figures as JSON lines
    roundtrip bench attribution [--sizes 10000,...]    attribution against the usual libraries
    roundtrip bench sync                               the sync engine's diff and delivery
    roundtrip sync list                                the reverse-ETL syncs
    roundtrip sync run NAME [--dry-run] [--full-resync]
    roundtrip sync status NAME                         last runs and records waiting for a retry

Settings come from the environment (see ``platform_assets/settings.py``); flags override them. A
wrong setting stops the command before any work, naming the setting and its value.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import click

from platform_assets.settings import SCALES, Settings, SettingsError, load_settings


def _settings(**overrides: Any) -> Settings:
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
        settings.ensure_home()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    return settings


def _progress(message: str) -> None:
    click.echo(f"  · {message}", err=True)


@contextmanager
def _step(title: str) -> Iterator[None]:
    """Print a step's title, then its wall time when it ends."""
    click.secho(f"▶ {title}", err=True, bold=True)
    started = time.monotonic()
    try:
        yield
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"  ✓ {title} ({time.monotonic() - started:.1f}s)", err=True)


@click.group()
def main() -> None:
    """roundtrip: a warehouse-native customer data platform in one Dagster code location."""


@main.group()
def world() -> None:
    """The synthetic SaaS world the sandbox serves."""


@world.command("generate")
@click.option("--scale", type=click.Choice(list(SCALES)), help="World size (ROUNDTRIP_SCALE).")
@click.option("--seed", type=int, help="Random seed (ROUNDTRIP_SEED); same seed, same world.")
def world_generate(scale: str | None, seed: int | None) -> None:
    """Generate a fresh world (replaces the previous one and its landing files)."""
    from platform_assets.sandbox import world as world_lib

    settings = _settings(scale=scale, seed=seed)
    with _step(f"generate the world (scale {settings.scale}, seed {settings.seed})"):
        summary = world_lib.generate(settings, _progress)
    click.echo(
        f"world: {summary.rows:,} rows, clock {summary.clock:%Y-%m-%d %H:%M}, horizon "
        f"{summary.horizon_end:%Y-%m-%d}, {summary.landing_files} landing files"
    )


@world.command("advance")
@click.option("--days", type=float, required=True, help="How far to move the world clock.")
def world_advance(days: float) -> None:
    """Move the world clock forward: new and changed objects appear in the APIs and landing."""
    from platform_assets.sandbox import world as world_lib

    settings = _settings()
    with _step(f"advance the world by {days:g} day(s)"):
        summary = world_lib.advance(settings, days, _progress)
    click.echo(f"clock {summary.clock:%Y-%m-%d %H:%M}; {summary.landing_files} new landing files")


@world.command("live")
@click.option(
    "--step-minutes", type=float, default=15, show_default=True, help="World time per step."
)
@click.option(
    "--every-seconds", type=float, default=5, show_default=True, help="Wall time between steps."
)
@click.option(
    "--until",
    type=click.DateTime(),
    help="Stop when the world clock reaches this time (default: the world's horizon).",
)
@click.option("--steps", type=int, help="Stop after this many steps.")
def world_live(
    step_minutes: float, every_seconds: float, until: datetime | None, steps: int | None
) -> None:
    """Keep the world moving: new landing files and API changes every few seconds (Ctrl-C stops)."""
    from platform_assets.sandbox.world.live import run_live

    settings = _settings()
    try:
        result = run_live(
            settings,
            step=timedelta(minutes=step_minutes),
            every=every_seconds,
            steps=steps,
            until=until,
            progress=click.echo,
        )
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"stopped ({result.stopped}) at clock {result.clock:%Y-%m-%d %H:%M} after "
        f"{result.steps} step(s); {result.landing_files} new landing files"
    )


@main.group()
def sandbox() -> None:
    """The fake SaaS APIs."""


@sandbox.command("serve")
@click.option("--port", type=int, help="TCP port on 127.0.0.1 (ROUNDTRIP_SANDBOX_PORT).")
def sandbox_serve(port: int | None) -> None:
    """Serve every fake API until Ctrl-C."""
    from platform_assets.sandbox.server import serve_forever

    settings = _settings(sandbox_port=port)
    _require_world(settings)
    try:
        serve_forever(settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _require_world(settings: Settings) -> None:
    if not settings.world_path.exists():
        raise click.ClickException(
            f"no world at {settings.world_path}; run `roundtrip world generate` first"
        )


@main.command()
@click.option("--scale", type=click.Choice(list(SCALES)), help="World size (ROUNDTRIP_SCALE).")
@click.option("--seed", type=int, help="Random seed (ROUNDTRIP_SEED).")
@click.option("--no-ui", is_flag=True, help="Stop after materializing instead of serving the UI.")
@click.option("--ui-port", type=int, default=3000, show_default=True)
def demo(scale: str | None, seed: int | None, no_ui: bool, ui_port: int) -> None:
    """World → sandbox → materialize every asset → the Dagster UI on 127.0.0.1."""
    from platform_assets.demo import run_demo

    settings = _settings(scale=scale, seed=seed)
    try:
        ok = run_demo(settings, ui=not no_ui, ui_port=ui_port, step=_step, progress=_progress)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    sys.exit(0 if ok else 1)


@main.command()
@click.option(
    "--from",
    "first",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="First day to reload (YYYY-MM-DD, the UTC day the files were received).",
)
@click.option(
    "--to",
    "last",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Last day to reload, included.",
)
def backfill(first: datetime, last: datetime) -> None:
    """Reload the event days FROM..TO into raw_events (one run) and rebuild the event staging
    models; running it again changes nothing."""
    from platform_assets.automation.backfill import BackfillError, check_range
    from platform_assets.automation.backfill import backfill as run_backfill
    from platform_assets.demo import prepare_instance

    try:
        check_range(first.date(), last.date())
    except BackfillError as exc:
        raise click.BadParameter(str(exc), param_hint="'--from' / '--to'") from None
    settings = _settings()
    with _step(f"backfill the event days {first:%Y-%m-%d} to {last:%Y-%m-%d}"):
        result = run_backfill(settings, first.date(), last.date(), prepare_instance(settings))
    state = "succeeded" if result.success else "failed: open it in the Dagster UI for details"
    click.echo(f"{result.days} day(s) in run {result.run_id}: {state}")
    sys.exit(0 if result.success else 1)


@main.group(invoke_without_command=True)
@click.option("--scale", type=click.Choice(list(SCALES)), default="small", show_default=True)
@click.option("--skip-demo", is_flag=True, help="Skip the end-to-end demo timing.")
@click.pass_context
def bench(ctx: click.Context, scale: str, skip_demo: bool) -> None:
    """Print benchmark figures, one JSON object per line (the platform's, or a sub-command's)."""
    if ctx.invoked_subcommand is not None:
        return
    from bench.run import run_benchmarks

    settings = _settings(scale=scale)
    run_benchmarks(settings, emit=_emit_json, progress=_progress, include_demo=not skip_demo)


def _emit_json(row: dict[str, Any]) -> None:
    click.echo(json.dumps(row))


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@bench.command("attribution")
@click.option(
    "--sizes",
    default="10000,100000,1000000",
    show_default=True,
    help="Numbers of users (journeys), comma-separated.",
)
@click.option(
    "--models",
    default="markov,shapley,rule_based",
    show_default=True,
    help="Comma-separated: markov (orders 1-3), markov_o1..3, shapley, rule_based, or one of "
    "first_touch, last_touch, linear, position_based, time_decay.",
)
@click.option("--skip-rivals", is_flag=True, help="Time roundtrip only (no bench libraries).")
@click.option("--timeout", type=float, default=1800, show_default=True, help="Seconds per run.")
@click.option("--seed", type=int, default=42, show_default=True, help="Journey generator seed.")
def bench_attribution(
    sizes: str, models: str, skip_rivals: bool, timeout: float, seed: int
) -> None:
    """roundtrip's attribution against ChannelAttribution, MAM and mta on generated journeys."""
    from bench.attribution import run_attribution_bench, select_models

    try:
        user_counts = [int(size) for size in _comma_list(sizes)]
    except ValueError:
        raise click.BadParameter(
            f"not a list of integers: {sizes!r}", param_hint="--sizes"
        ) from None
    if not user_counts or min(user_counts) < 1:
        raise click.BadParameter(f"not positive numbers of users: {sizes!r}", param_hint="--sizes")
    try:
        chosen = select_models(_comma_list(models))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--models") from None
    run_attribution_bench(
        sizes=user_counts,
        models=chosen,
        rivals=not skip_rivals,
        timeout_s=timeout,
        seed=seed,
        emit=_emit_json,
        progress=_progress,
    )


@bench.command("sync")
@click.option("--rows", default=1_000_000, show_default=True, help="Rows of the diffed model.")
@click.option(
    "--delivery-rows", default=30_000, show_default=True, help="Contacts sent to the fake HubSpot."
)
def bench_sync(rows: int, delivery_rows: int) -> None:
    """The sync engine: diff time and peak RSS with 1% changed, delivery vs the rate ceiling."""
    from bench.sync import run_sync_bench

    if rows < 100 or delivery_rows < 100:
        raise click.BadParameter("use at least 100 rows")
    run_sync_bench(emit=_emit_json, progress=_progress, rows=rows, delivery_rows=delivery_rows)


@main.group()
def sync() -> None:
    """Reverse ETL: send sync models to HubSpot, Salesforce, Zendesk, Google Ads, Braze, files."""


def _sync_spec(name: str) -> Any:
    from platform_assets.activation.spec import SyncDefinitionError, load_all

    try:
        specs = load_all()
    except SyncDefinitionError as exc:
        raise click.ClickException(str(exc)) from None
    if name not in specs:
        raise click.ClickException(f"no sync {name!r}; known: {', '.join(specs)}")
    return specs[name]


@sync.command("list")
def sync_list() -> None:
    """Every sync: destination, object, mode and model."""
    from platform_assets.activation.spec import SyncDefinitionError, load_all

    try:
        specs = load_all()
    except SyncDefinitionError as exc:
        raise click.ClickException(str(exc)) from None
    for spec in specs.values():
        paused = "  [paused]" if spec.paused else ""
        click.echo(
            f"{spec.name:32} {spec.mode:7} {spec.model} → {spec.destination} {spec.object}"
            f" by {spec.primary_key}{paused}"
        )


@sync.command("run")
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="Diff and count only; send nothing.")
@click.option("--full-resync", is_flag=True, help="Send every row again (never deletes).")
def sync_run(name: str, dry_run: bool, full_resync: bool) -> None:
    """Run one sync now and print its counts as JSON."""
    from platform_assets.activation import service
    from platform_assets.activation.destinations.base import DestinationConfigError
    from platform_assets.activation.engine import SyncError, SyncFailed

    spec = _sync_spec(name)
    settings = _settings()
    try:
        result = service.run_sync(
            spec, settings, dry_run=dry_run, full_resync=full_resync, log=_progress
        )
    except (SyncError, DestinationConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    except SyncFailed as exc:
        _emit_json(exc.result.to_dict())
        raise click.ClickException(str(exc)) from None
    _emit_json(result.to_dict())


@sync.command("status")
@click.argument("name")
@click.option("--runs", default=5, show_default=True, help="How many recent runs to show.")
def sync_status(name: str, runs: int) -> None:
    """The last runs of a sync and the records waiting for a retry or given up."""
    from platform_assets.activation import service

    spec = _sync_spec(name)
    report = service.status(spec, _settings(), runs=runs)
    click.echo(json.dumps(report, default=str, indent=2))


if __name__ == "__main__":
    main()
