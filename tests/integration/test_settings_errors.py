"""A wrong setting fails at once with a message that names the setting and its value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.run import free_port
from platform_assets.cli import main
from platform_assets.settings import SettingsError, load_settings


def test_unknown_scale_is_named() -> None:
    with pytest.raises(SettingsError, match=r"ROUNDTRIP_SCALE='huge'.*tiny, small, medium, large"):
        load_settings(env={"ROUNDTRIP_SCALE": "huge"})


def test_cli_reports_a_bad_environment_value(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["world", "generate"],
        env={"ROUNDTRIP_HOME": str(tmp_path), "ROUNDTRIP_SCALE": "huge"},
    )
    assert result.exit_code == 1
    assert "ROUNDTRIP_SCALE='huge'" in result.output


def test_home_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = load_settings(env={"ROUNDTRIP_HOME": str(blocker / "home")})
    expected = re.escape(f"ROUNDTRIP_HOME={blocker / 'home'} cannot be written")
    with pytest.raises(SettingsError, match=expected):
        settings.ensure_home()


def test_unreachable_api_url_is_named() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = load_settings(env={"ROUNDTRIP_STRIPE_URL": url})
    with pytest.raises(SettingsError, match=rf"unreachable at ROUNDTRIP_STRIPE_URL={url}"):
        settings.require_reachable("stripe")


def test_malformed_api_url_is_named() -> None:
    with pytest.raises(SettingsError, match=r"ROUNDTRIP_HUBSPOT_URL='api.hubapi.com'"):
        load_settings(env={"ROUNDTRIP_HUBSPOT_URL": "api.hubapi.com"})


def test_malformed_dagster_ui_url_is_named() -> None:
    with pytest.raises(SettingsError, match=r"ROUNDTRIP_DAGSTER_UI_URL='localhost:3000'"):
        load_settings(env={"ROUNDTRIP_DAGSTER_UI_URL": "localhost:3000"})
