"""The destinations syncs write to: one module per API, each with a ``connect`` function.

``connect(destination, object_name, settings, options, clock)`` builds the client for one object
of one destination. ``options`` are the sync definition's ``destination_options`` (e.g. the Google
Ads conversion action, the Braze audience name); each module validates its own and raises
:class:`~.base.DestinationConfigError` naming a bad one.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from platform_assets.activation.destinations.base import Destination, DestinationConfigError
from platform_assets.activation.destinations.files import FileExport
from platform_assets.activation.http import Clock
from platform_assets.settings import Settings

MODULES = ("hubspot", "salesforce", "zendesk", "google_ads", "braze", "files")
"""Destination names; ``platform_assets.activation.destinations.<name>`` implements each."""


def connect(
    destination: str,
    object_name: str,
    settings: Settings,
    options: Mapping[str, Any] | None = None,
    clock: Clock | None = None,
) -> Destination | FileExport:
    """The client for ``object_name`` at ``destination``."""
    if destination not in MODULES:
        raise DestinationConfigError(
            f"unknown destination {destination!r}; known: {', '.join(MODULES)}"
        )
    module = importlib.import_module(f"{__name__}.{destination}")
    return module.connect(object_name, settings, dict(options or {}), clock or Clock())
