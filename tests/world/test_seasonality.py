"""Return visits follow the same weekday and diurnal profiles as first visits, and stay in order.

Tolerances are 4 binomial standard errors per bin of the shares observed over ~35k return visits.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from platform_assets.sandbox.world import web
from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.rand import _HOURLY, _WEEKDAY, stream

CONFIG = WorldConfig(visitors=30_000, seed=11)


def _sessions() -> pd.DataFrame:
    # First visits at 03:00 every day of January (off-peak, so the shape can only come from the
    # return visits themselves), 30k people.
    n = CONFIG.visitors
    first = np.datetime64("2026-01-01T03:00", "us") + (np.arange(n) % 31).astype("timedelta64[D]")
    people = pd.DataFrame({"person_id": np.arange(1, n + 1), "first_seen_at": first})
    return web._session_times(CONFIG, stream(CONFIG.seed, "sessions"), people)


def _assert_shape(observed: pd.Series, profile: np.ndarray) -> None:
    n = int(observed.sum())
    expected = profile / profile.sum()
    shares = observed.reindex(range(len(profile)), fill_value=0).to_numpy() / n
    tolerance = 4 * np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(shares - expected) <= tolerance), (shares.round(4), expected.round(4))


def test_return_visits_have_the_diurnal_and_weekday_shape() -> None:
    s = _sessions()
    returns = s[s.ordinal > 0].started_at
    assert len(returns) > 30_000
    _assert_shape(returns.dt.hour.value_counts(), _HOURLY)
    _assert_shape(returns.dt.day_of_week.value_counts(), _WEEKDAY)  # Monday = 0 in both


def test_visits_stay_in_order_with_a_gap() -> None:
    s = _sessions()
    first = s[s.ordinal == 0]
    assert (first.started_at.dt.hour == 3).all()
    gap = s.groupby("person_id").started_at.diff().dropna()
    assert gap.min() >= pd.Timedelta(days=0.2)
    # The typical gap is still the configured one (median 3 days), give or take the reshuffle.
    assert math.isclose(gap.median() / pd.Timedelta(days=1), 3.0, rel_tol=0.25)
