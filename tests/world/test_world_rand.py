"""Exact behaviour of the generator's building blocks on hand-made inputs."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from platform_assets.sandbox.world.config import WorldConfig, zipf_weights
from platform_assets.sandbox.world.core_schema import CHANNELS
from platform_assets.sandbox.world.funnel import calibrate_base
from platform_assets.sandbox.world.identity import user_ids
from platform_assets.sandbox.world.rand import add_months, repeat_index, stream, tokens, uuids
from platform_assets.settings import SettingsError


def test_add_months_clamps_to_month_end_and_keeps_time() -> None:
    when = np.array(["2026-01-31T10:30:00", "2026-03-15T00:00:00", "2024-02-29T23:59:59"], "M8[us]")
    got = add_months(when, np.array([1, 12, 12]))
    expected = ["2026-02-28T10:30:00", "2027-03-15T00:00:00", "2025-02-28T23:59:59"]
    assert list(got) == list(np.array(expected, "M8[us]"))


def test_repeat_index() -> None:
    parent, ordinal = repeat_index(np.array([2, 0, 3]))
    assert parent.tolist() == [0, 0, 2, 2, 2]
    assert ordinal.tolist() == [0, 1, 0, 1, 2]


def test_calibrated_base_hits_the_target_exactly() -> None:
    # One session each, no lift: P(sign up) = sigmoid(base), so base = logit(target).
    base = calibrate_base(np.zeros(4), np.arange(4), 4, 0.2)
    assert base == pytest.approx(math.log(0.2 / 0.8), abs=1e-9)
    # Two sessions for person 0 (cumulative lift 0 then 1), one for person 1 (lift 0).
    cum, person = np.array([0.0, 1.0, 0.0]), np.array([0, 0, 1])
    b = calibrate_base(cum, person, 2, 0.3)
    s = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    expected = (1 - (1 - s(b)) * (1 - s(b + 1))) + s(b)
    assert expected == pytest.approx(0.6, abs=1e-9)


def test_ids_are_shaped_and_unique() -> None:
    rng = stream(1, "test")
    ids = uuids(rng, 1000)
    assert len(set(ids)) == 1000
    assert all(
        len(i) == 36 and i[8] == i[13] == i[18] == i[23] == "-" and i[14] == "4" for i in ids
    )
    subs = tokens(rng, 5, 14, "sub_")
    assert all(t.startswith("sub_") and len(t) == 18 and t[4:].isalnum() for t in subs)
    users = user_ids(np.arange(1, 100_001))
    assert len(set(users)) == 100_000 and users[0].startswith("usr_")


def test_streams_are_independent_and_reproducible() -> None:
    assert stream(3, "a").random() == stream(3, "a").random()
    assert stream(3, "a").random() != stream(3, "b").random()


def test_config() -> None:
    weights = dict(zipf_weights(1.0))
    assert set(weights) == set(CHANNELS) and sum(weights.values()) == pytest.approx(1.0)
    assert weights["organic_search"] == pytest.approx(2 * weights["direct"])
    config = WorldConfig.for_scale("small", 9)
    assert config.visitors == 20_000 and config.total_visitors == 30_000
    assert config.clock_start == datetime(2026, 6, 30)
    with pytest.raises(SettingsError, match="scale='huge'"):
        WorldConfig.for_scale("huge", 1)
    with pytest.raises(SettingsError, match="channel_weights"):
        WorldConfig(visitors=10, channel_weights=(("direct", 1.0),))
