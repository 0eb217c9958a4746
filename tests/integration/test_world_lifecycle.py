"""Generating and advancing the world around a running sandbox, as a user would."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from platform_assets.sandbox import world
from platform_assets.sandbox.store import WorldStore
from platform_assets.settings import Settings, SettingsError


def test_generate_refuses_a_world_the_sandbox_is_serving(sandbox: Settings) -> None:
    before = sandbox.world_path.read_bytes()[:4096], WorldStore.read_clock(sandbox.world_path)
    with pytest.raises(SettingsError, match="is in use"):
        world.generate(sandbox)
    assert (sandbox.world_path.read_bytes()[:4096], WorldStore.read_clock(sandbox.world_path)) == (
        before
    )
    health = requests.get(f"{sandbox.sandbox_url}/_sandbox/health", timeout=5)
    assert health.status_code == 200


def test_advance_moves_the_clock_the_running_sandbox_serves(sandbox: Settings) -> None:
    start = WorldStore.read_clock(sandbox.world_path)
    summary = world.advance(sandbox, 1)
    assert summary.clock == start + timedelta(days=1)
    assert summary.landing_files > 0
    health = requests.get(f"{sandbox.sandbox_url}/_sandbox/health", timeout=5).json()
    assert health["clock"].startswith(f"{start + timedelta(days=1):%Y-%m-%dT%H:%M}")


def test_advance_past_the_horizon_is_refused(world_home: object, sandbox: Settings) -> None:
    with pytest.raises(SettingsError, match="past the world's horizon"):
        world.advance(sandbox, 10_000)
