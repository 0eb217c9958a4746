"""The fake SaaS APIs: one module per API, each exposing ``API = <Its>Api()`` (a FakeApi).

The sandbox server mounts every module found here under ``/<API.name>/``; adding an API is adding
a module, with no list to keep in step. A module that fails to import stops the server with its
name in the error, rather than silently serving the world without it.
"""

from __future__ import annotations

import importlib
import pkgutil

from platform_assets.sandbox.fakeapi import FakeApi


def discover() -> list[FakeApi]:
    """Every ``API`` object of this package's modules, sorted by name; names must be unique."""
    apis: dict[str, FakeApi] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        api = getattr(module, "API", None)
        if not isinstance(api, FakeApi):
            continue
        if not api.name or api.name in apis:
            raise ValueError(
                f"{module.__name__}: API.name {api.name!r} is empty or already mounted"
            )
        apis[api.name] = api
    return [apis[name] for name in sorted(apis)]
