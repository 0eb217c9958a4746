"""The ``roundtrip`` command: the steps of the demo, one sub-command each.

    roundtrip world generate --scale tiny --seed 7     build the synthetic world
    roundtrip world advance --days 1                   move its clock forward
    roundtrip sandbox serve                            serve the fake SaaS APIs
    roundtrip demo [--no-ui] [--scale small]           world → sandbox → materialize → Dagster UI
    roundtrip bench                                    print benchmark figures as JSON lines

Settings come from the environment (see ``platform_assets/settings.py``); flags override them. A
wrong setting stops the command before any work, naming the setting and its value.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
@click.option("--scale", type=click.Choice(list(SCALES)), default="small", show_default=True)
@click.option("--skip-demo", is_flag=True, help="Skip the end-to-end demo timing.")
def bench(scale: str, skip_demo: bool) -> None:
    """Print benchmark figures, one JSON object per line."""
    from bench.run import run_benchmarks

    settings = _settings(scale=scale)

    def emit(row: dict[str, Any]) -> None:
        click.echo(json.dumps(row))

    run_benchmarks(settings, emit=emit, progress=_progress, include_demo=not skip_demo)


if __name__ == "__main__":
    main()
