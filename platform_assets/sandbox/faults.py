"""Fault injection for the sandbox server: which requests fail, and how.

Real SaaS APIs throttle, fall over and hang; connectors must survive all of it. A
:class:`FaultConfig` says how often a request is faulted and which kinds of fault to pick from;
a :class:`FaultInjector` draws the decision for each request from a seeded generator, so a run
with the same configuration and the same request order faults the same requests.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from platform_assets.settings import SettingsError

ERROR_KINDS = ("429", "500", "502", "503")
KINDS = (*ERROR_KINDS, "timeout", "slow", "lost_response")
TIMEOUT_MODES = ("504", "close")


@dataclass(frozen=True)
class FaultConfig:
    """How the sandbox misbehaves.

    ``probability`` is the chance that one request is faulted; the kind is then drawn uniformly
    from ``kinds``. ``apis`` limits faults to those APIs (None: every API). A ``timeout`` holds
    the request ``timeout_seconds`` and then answers 504 or, with ``timeout_mode="close"``,
    drops the connection unanswered; ``slow`` waits ``slow_seconds`` and then answers normally;
    ``lost_response`` serves the request (a write is committed) and then drops the connection
    unanswered, the timeout after the server committed that makes retried writes duplicate.
    429 and 503 carry ``Retry-After: retry_after``.
    """

    probability: float = 0.0
    kinds: tuple[str, ...] = ERROR_KINDS
    apis: tuple[str, ...] | None = None
    retry_after: int = 1
    timeout_seconds: float = 5.0
    timeout_mode: str = "504"
    slow_seconds: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability={self.probability!r} must be between 0 and 1")
        if not self.kinds or any(kind not in KINDS for kind in self.kinds):
            raise ValueError(f"kinds={list(self.kinds)!r}: choose among {', '.join(KINDS)}")
        if self.retry_after < 1:
            raise ValueError(f"retry_after={self.retry_after!r} must be at least 1 second")
        if self.timeout_seconds < 0 or self.slow_seconds < 0:
            raise ValueError("timeout_seconds and slow_seconds must not be negative")
        if self.timeout_mode not in TIMEOUT_MODES:
            raise ValueError(f"timeout_mode={self.timeout_mode!r}: choose 504 or close")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultConfig:
        """Build from JSON-shaped data, refusing unknown keys so a typo is not silently ignored."""
        if not isinstance(data, dict):
            raise ValueError("a fault configuration is a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s) {unknown}; known: {sorted(known)}")
        values = dict(data)
        if "kinds" in values:
            values["kinds"] = tuple(str(kind) for kind in values["kinds"])
        if values.get("apis") is not None:
            values["apis"] = tuple(values["apis"])
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kinds"] = list(self.kinds)
        data["apis"] = None if self.apis is None else list(self.apis)
        return data

    @classmethod
    def load(cls, path: Path) -> FaultConfig:
        """The configuration in ``path``; a missing file means no faults."""
        if not path.exists():
            return cls()
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise SettingsError(f"{path}: not a valid fault configuration: {exc}") from None


class FaultInjector:
    """Thread-safe per-request fault decisions under one :class:`FaultConfig`."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace the configuration and restart its random stream from the seed."""
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)

    def draw(self, api: str) -> str | None:
        """The fault kind for the next request to ``api``, or None to serve it normally."""
        with self._lock:
            config = self._config
            if config.probability <= 0 or (config.apis is not None and api not in config.apis):
                return None
            if self._rng.random() >= config.probability:
                return None
            return config.kinds[self._rng.randrange(len(config.kinds))]
