"""Every environment knob of roundtrip, read in one place.

Nothing here reads the environment at import time: call :func:`load_settings` when a value is
needed (CLI commands, resources, asset bodies). A wrong value fails at once with a
:class:`SettingsError` that names the setting and the value it had, so a typo in an environment
variable is never discovered halfway through a run.

All state lives under ``ROUNDTRIP_HOME`` (default ``./data``): the warehouse, the landing,
uploads and quarantine folders, the sandbox's world and clock, dlt's working folder and
``DAGSTER_HOME``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

SCALES: dict[str, int] = {"tiny": 500, "small": 20_000, "medium": 200_000, "large": 2_000_000}
"""Visitors over the world's history, by scale tier."""

DEFAULT_SANDBOX_PORT = 8765

# Every SaaS API the platform talks to: the env var that overrides its base URL, and the path
# under the sandbox server where the fake of that API lives.
API_NAMES = (
    "stripe",
    "hubspot",
    "zendesk",
    "facebook_ads",
    "google_ads",
    "amplitude",
    "firestore",
    "google_sheets",
    "salesforce",
    "braze",
    "slack",
)

# Credentials the connectors send; the sandbox accepts exactly these. In production, point the
# same variables at real keys.
DEFAULT_CREDENTIALS: dict[str, str] = {
    "stripe": "sk_test_roundtrip",
    "hubspot": "pat-na1-roundtrip",
    "zendesk": "roundtrip@example.com/token:zd-roundtrip",
    "facebook_ads": "EAAB-roundtrip",
    "google_ads": "ya29.roundtrip",
    "amplitude": "amp-key-roundtrip:amp-secret-roundtrip",
    "firestore": "ya29.firestore-roundtrip",
    "google_sheets": "AIza-roundtrip",
    "salesforce": "00D-roundtrip!sandbox-session",
    "braze": "braze-rest-roundtrip",
    "slack": "",
}

DEFAULT_GOOGLE_ADS_DEVELOPER_TOKEN = "roundtrip-sandbox-developer-token"
"""Google Ads wants a developer token (the API access of the app) besides the user's OAuth token."""


WORLD_START = datetime(2026, 1, 1)
"""The sandbox world's first day (naive UTC): nothing in the synthetic sources is older."""

DEFAULT_FIRESTORE_PROJECT = "roundtrip-app"
"""The Firestore project the app writes to (the sandbox's)."""

ALERT_WEBHOOK_PATH = "/slack/services/T0ROUNDTRIP/B0ALERTS/sandbox"
"""Where alerts go by default: the sandbox's Slack-compatible incoming webhook."""

DEFAULT_DAGSTER_UI_URL = "http://127.0.0.1:3000"
"""``dagster dev``'s default address, where alerts link to unless told otherwise."""

SPREADSHEET_ID_VAR = "ROUNDTRIP_GOOGLE_SHEETS_{table}_SPREADSHEET_ID"
"""Overrides the spreadsheet a Google Sheets table syncs (``{table}`` upper case)."""


class SettingsError(ValueError):
    """A setting has a value roundtrip cannot use; the message names the setting and value."""


@dataclass(frozen=True)
class Settings:
    home: Path
    scale: str = "small"
    seed: int = 42
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = DEFAULT_SANDBOX_PORT
    api_urls: Mapping[str, str] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict)
    google_ads_developer_token: str = DEFAULT_GOOGLE_ADS_DEVELOPER_TOKEN
    amplitude_start: datetime = WORLD_START
    """The first hour a first Amplitude sync asks for (naive UTC)."""
    firestore_project: str = DEFAULT_FIRESTORE_PROJECT
    google_drive_url_override: str | None = None
    spreadsheet_ids: Mapping[str, str] = field(default_factory=dict)
    """Google Sheets table → spreadsheet id, where set (the connector has the defaults)."""
    alert_webhook_url_override: str | None = None
    """Where sync alerts are posted (Slack-compatible JSON); default: the sandbox's fake."""
    dagster_ui_url: str = DEFAULT_DAGSTER_UI_URL
    """The Dagster UI alerts link to (``ROUNDTRIP_DAGSTER_UI_URL``)."""

    # --- paths -----------------------------------------------------------------------------
    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def uploads_dir(self) -> Path:
        """Where the marketing team drops budget and target spreadsheets (CSV or XLSX)."""
        return self.home / "uploads"

    @property
    def sandbox_dir(self) -> Path:
        return self.home / "sandbox"

    @property
    def world_path(self) -> Path:
        return self.sandbox_dir / "world.duckdb"

    @property
    def destinations_path(self) -> Path:
        """What reverse ETL wrote into the sandbox's fakes (one file per world)."""
        return self.sandbox_dir / "destinations.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"

    @property
    def dlt_dir(self) -> Path:
        return self.home / "dlt"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def sandbox_url(self) -> str:
        return f"http://{self.sandbox_host}:{self.sandbox_port}"

    def api_url(self, api: str) -> str:
        """Base URL of one SaaS API: the override if set, else its fake under the sandbox."""
        if api not in API_NAMES:
            raise SettingsError(f"unknown API {api!r}; known: {', '.join(API_NAMES)}")
        return self.api_urls.get(api) or f"{self.sandbox_url}/{api}"

    def require_reachable(self, api: str, timeout: float = 3.0) -> None:
        """Fail at once, naming the setting, when an API's host does not accept connections."""
        url = self.api_url(api)
        parsed = urlparse(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            socket.create_connection((parsed.hostname, port), timeout=timeout).close()
        except OSError as exc:
            setting = (
                f"ROUNDTRIP_{_env_name(api)}_URL={url}"
                if api in self.api_urls
                else f"ROUNDTRIP_SANDBOX_PORT={self.sandbox_port} (sandbox URL {self.sandbox_url})"
            )
            hint = "" if api in self.api_urls else "; start it with `roundtrip sandbox serve`"
            raise SettingsError(
                f"{api} API unreachable at {setting}: {exc.strerror or exc}{hint}"
            ) from None

    @property
    def google_drive_url(self) -> str:
        """Base URL of the Drive API (where Sheets' modifiedTime lives): the override if set,
        else the Sheets base (the sandbox serves both)."""
        return self.google_drive_url_override or self.api_url("google_sheets")

    @property
    def alert_webhook_url(self) -> str:
        """The Slack-compatible incoming webhook alerts are posted to
        (``ROUNDTRIP_ALERT_WEBHOOK_URL``; default: the sandbox's fake Slack)."""
        return self.alert_webhook_url_override or self.sandbox_url + ALERT_WEBHOOK_PATH

    @property
    def sync_exports_dir(self) -> Path:
        """Where the files destination writes by default (``$ROUNDTRIP_HOME/exports``)."""
        return self.home / "exports"

    def credential(self, api: str) -> str:
        if api in self.credentials:
            return self.credentials[api]
        if api not in API_NAMES:
            raise SettingsError(f"unknown API {api!r}; known: {', '.join(API_NAMES)}")
        return DEFAULT_CREDENTIALS[api]

    @property
    def visitors(self) -> int:
        return SCALES[self.scale]

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables, for child processes and in-process runs
        (assets call :func:`load_settings` themselves and must see what the CLI was told)."""
        env = {
            "ROUNDTRIP_HOME": str(self.home),
            "ROUNDTRIP_SCALE": self.scale,
            "ROUNDTRIP_SEED": str(self.seed),
            "ROUNDTRIP_SANDBOX_PORT": str(self.sandbox_port),
            "DAGSTER_HOME": str(self.dagster_home),
        }
        for api, url in self.api_urls.items():
            env[f"ROUNDTRIP_{_env_name(api)}_URL"] = url
        for api, key in self.credentials.items():
            env[f"ROUNDTRIP_{_env_name(api)}_CREDENTIAL"] = key
        if self.google_ads_developer_token != DEFAULT_GOOGLE_ADS_DEVELOPER_TOKEN:
            env["ROUNDTRIP_GOOGLE_ADS_DEVELOPER_TOKEN"] = self.google_ads_developer_token
        if self.amplitude_start != WORLD_START:
            env["ROUNDTRIP_AMPLITUDE_START"] = self.amplitude_start.isoformat()
        if self.firestore_project != DEFAULT_FIRESTORE_PROJECT:
            env["ROUNDTRIP_FIRESTORE_PROJECT"] = self.firestore_project
        if self.google_drive_url_override:
            env["ROUNDTRIP_GOOGLE_DRIVE_URL"] = self.google_drive_url_override
        if self.alert_webhook_url_override:
            env["ROUNDTRIP_ALERT_WEBHOOK_URL"] = self.alert_webhook_url_override
        if self.dagster_ui_url != DEFAULT_DAGSTER_UI_URL:
            env["ROUNDTRIP_DAGSTER_UI_URL"] = self.dagster_ui_url
        for table, spreadsheet_id in self.spreadsheet_ids.items():
            env[SPREADSHEET_ID_VAR.format(table=table.upper())] = spreadsheet_id
        return env

    def ensure_home(self) -> None:
        """Create the state folders, failing clearly when ROUNDTRIP_HOME cannot be written."""
        try:
            for folder in (
                self.home,
                self.landing_dir,
                self.uploads_dir,
                self.quarantine_dir,
                self.sandbox_dir,
                self.dagster_home,
                self.dlt_dir,
            ):
                folder.mkdir(parents=True, exist_ok=True)
            probe = self.home / ".write-probe"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise SettingsError(
                f"ROUNDTRIP_HOME={self.home} cannot be written: {exc.strerror or exc}"
            ) from exc


def _env_name(api: str) -> str:
    return api.upper()


def _http_url(var: str, url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"{var}={url!r} is not an http(s) URL")
    return url.rstrip("/")


def _amplitude_start(env: Mapping[str, str]) -> datetime:
    raw = env.get("ROUNDTRIP_AMPLITUDE_START")
    if not raw:
        return WORLD_START
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        raise SettingsError(
            f"ROUNDTRIP_AMPLITUDE_START={raw!r} is not an ISO date or time (e.g. 2026-01-01)"
        ) from None
    if start.tzinfo is not None:  # keep the instant, as naive UTC like the rest
        start = start.astimezone(UTC).replace(tzinfo=None)
    return start


def _spreadsheet_ids(env: Mapping[str, str]) -> dict[str, str]:
    prefix, suffix = SPREADSHEET_ID_VAR.split("{table}")
    return {
        name.removeprefix(prefix).removesuffix(suffix).lower(): value
        for name, value in env.items()
        if name.startswith(prefix) and name.endswith(suffix) and value
    }


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read and validate the settings from ``env`` (default: the process environment).

    ``overrides`` (e.g. ``scale="tiny"`` from a CLI flag) win over the environment and are
    validated the same way.
    """
    env = os.environ if env is None else env
    home = Path(str(overrides.get("home") or env.get("ROUNDTRIP_HOME") or "data")).absolute()

    scale = str(overrides.get("scale") or env.get("ROUNDTRIP_SCALE") or "small")
    if scale not in SCALES:
        raise SettingsError(
            f"ROUNDTRIP_SCALE={scale!r} is not a scale; choose one of {', '.join(SCALES)}"
        )

    seed_raw = overrides.get("seed", env.get("ROUNDTRIP_SEED", "42"))
    try:
        seed = int(str(seed_raw))
    except ValueError:
        raise SettingsError(f"ROUNDTRIP_SEED={seed_raw!r} is not an integer") from None

    port_raw = overrides.get("sandbox_port") or env.get("ROUNDTRIP_SANDBOX_PORT")
    port = DEFAULT_SANDBOX_PORT
    if port_raw is not None:
        try:
            port = int(str(port_raw))
        except ValueError:
            port = -1
        if not 0 < port < 65536:
            raise SettingsError(f"ROUNDTRIP_SANDBOX_PORT={port_raw!r} is not a TCP port")

    api_urls: dict[str, str] = {}
    credentials: dict[str, str] = {}
    for api in API_NAMES:
        url_var = f"ROUNDTRIP_{_env_name(api)}_URL"
        url = env.get(url_var)
        if url:
            api_urls[api] = _http_url(url_var, url)
        key = env.get(f"ROUNDTRIP_{_env_name(api)}_CREDENTIAL")
        if key:
            credentials[api] = key

    return Settings(
        home=home,
        scale=scale,
        seed=seed,
        sandbox_port=port,
        api_urls=api_urls,
        credentials=credentials,
        google_ads_developer_token=env.get("ROUNDTRIP_GOOGLE_ADS_DEVELOPER_TOKEN")
        or DEFAULT_GOOGLE_ADS_DEVELOPER_TOKEN,
        amplitude_start=_amplitude_start(env),
        firestore_project=env.get("ROUNDTRIP_FIRESTORE_PROJECT") or DEFAULT_FIRESTORE_PROJECT,
        google_drive_url_override=_http_url(
            "ROUNDTRIP_GOOGLE_DRIVE_URL", env["ROUNDTRIP_GOOGLE_DRIVE_URL"]
        )
        if env.get("ROUNDTRIP_GOOGLE_DRIVE_URL")
        else None,
        spreadsheet_ids=_spreadsheet_ids(env),
        alert_webhook_url_override=_http_url(
            "ROUNDTRIP_ALERT_WEBHOOK_URL", env["ROUNDTRIP_ALERT_WEBHOOK_URL"]
        )
        if env.get("ROUNDTRIP_ALERT_WEBHOOK_URL")
        else None,
        dagster_ui_url=_http_url("ROUNDTRIP_DAGSTER_UI_URL", env["ROUNDTRIP_DAGSTER_UI_URL"])
        if env.get("ROUNDTRIP_DAGSTER_UI_URL")
        else DEFAULT_DAGSTER_UI_URL,
    )
