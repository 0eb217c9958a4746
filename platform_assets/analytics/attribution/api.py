"""The one entry point: ``attribute(touchpoints, model, **params)`` → per-channel credits.

It checks the model name and its parameters before any data is read (a typo fails at once,
naming the parameter), prepares the journeys once and hands them to the model's module. Markov
and Shapley are imported only when asked for, so the rule-based models never pay for scipy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import timedelta

import duckdb
import pandas as pd

from platform_assets.analytics.attribution import rule_based
from platform_assets.analytics.attribution.journeys import Touchpoints, as_timedelta, prepare

RULE_BASED = ("first_touch", "last_touch", "linear", "position_based", "time_decay")
MODELS = (*RULE_BASED, "markov", "shapley")


def _half_life(value: object) -> timedelta:
    return as_timedelta("half_life", value, positive=True)


def _order(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3:
        raise ValueError(f"order must be an integer in 1..3, got {value!r}")
    return value


def _ordered(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"ordered must be True or False, got {value!r}")
    return value


def _method(value: object) -> str:
    from platform_assets.analytics.attribution.shapley import METHODS

    if value not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {value!r}")
    return str(value)


# Each model's own parameters (``lookback`` is common to all): name → validator.
_PARAMS: Mapping[str, Mapping[str, Callable[[object], object]]] = {
    "time_decay": {"half_life": _half_life},
    "markov": {"order": _order},
    "shapley": {"ordered": _ordered, "method": _method},
}


def attribute(
    touchpoints: Touchpoints,
    model: str,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    **params: object,
) -> pd.DataFrame:
    """Credit conversions and revenue to channels under ``model`` (one of :data:`MODELS`).

    ``touchpoints``: a pandas DataFrame, a DuckDB relation, or a table/view name read from
    ``con``, with columns user_id, channel, timestamp, conversion_time, revenue (one row per
    touch). Parameters: ``lookback`` (every model; timedelta or days), ``half_life``
    (time_decay; default 7 days), ``order`` (markov; 1..3, default 1), ``ordered`` and
    ``method`` (shapley: per-position credit; "simplified" or the "enumerate" check).
    Returns one row per channel of the prepared journeys, sorted by channel, with columns
    channel, conversions, revenue (and any extra columns or ``attrs`` the model adds).
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    allowed = _PARAMS.get(model, {})
    model_params: dict[str, object] = {}
    lookback = None
    for name, value in params.items():
        if name == "lookback":
            lookback = None if value is None else as_timedelta(name, value, positive=False)
        elif name in allowed:
            model_params[name] = allowed[name](value)
        else:
            accepted = ", ".join(["lookback", *allowed])
            raise ValueError(f"model {model!r} takes no parameter {name!r} (accepts {accepted})")
    with prepare(touchpoints, con=con, lookback=lookback) as journeys:
        if model in RULE_BASED:
            credits = rule_based.credit(journeys, model, **model_params)
        else:
            module = importlib.import_module(f"platform_assets.analytics.attribution.{model}")
            credits = module.credit(journeys, **model_params)
    attrs = dict(credits.attrs)
    credits = credits.sort_values("channel", kind="stable").reset_index(drop=True)
    credits.attrs = attrs
    return credits
