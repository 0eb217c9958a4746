"""Source projections: each module turns the core world into one SaaS tool's own objects.

Every module here exposes ``project(con)``, which (re)creates schema ``src_<source>`` in the world
file from ``core.*``. :func:`projection_modules` finds them, so adding a source is adding a file.
"""

import importlib
import pkgutil
from types import ModuleType


def projection_modules() -> list[ModuleType]:
    """Every projection module, in name order (so a world is built the same way every time)."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
