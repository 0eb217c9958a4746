"""Hand-made touchpoints shared by the attribution tests.

``touchpoints`` is small enough to work every model out by hand; ``random_touchpoints`` is a
seeded, tie-free set of a few hundred journeys for the property tests. ``make_touchpoints``
builds more from a compact description: (user_id, [(channel, day), ...], conversion day or
None, revenue), days counted from 2024-01-01.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

START = datetime(2024, 1, 1)

JourneySpec = tuple[str, Sequence[tuple[str, float]], float | None, float]


def build_touchpoints(journeys: Sequence[JourneySpec]) -> pd.DataFrame:
    """One row per touch in the attribution input layout (revenue repeated on each row)."""
    rows = [
        {
            "user_id": user_id,
            "channel": channel,
            "timestamp": START + timedelta(days=day),
            "conversion_time": None if converted is None else START + timedelta(days=converted),
            "revenue": float(revenue if converted is not None else 0.0),
        }
        for user_id, touches, converted, revenue in journeys
        for channel, day in touches
    ]
    frame = pd.DataFrame(rows)
    frame["conversion_time"] = pd.to_datetime(frame["conversion_time"])
    return frame


CANONICAL: list[JourneySpec] = [
    ("u1", [("email", 0), ("search", 2), ("email", 5)], 6, 120.0),
    ("u2", [("search", 1)], 3, 30.0),
    ("u3", [("social", 0), ("email", 4)], 4, 50.0),  # the email touch is AT the conversion
    ("u4", [("social", 1), ("search", 2)], None, 0.0),
    ("u5", [("display", 0)], None, 0.0),  # display appears only in a non-converting journey
    ("u6", [("email", 0), ("social", 1), ("search", 2), ("email", 3)], 5, 200.0),
    ("u7", [("search", 0), ("email", 8)], 4, 10.0),  # the email touch is after the conversion
]
"""5 conversions worth 410 over channels display, email, search, social."""


@pytest.fixture()
def make_touchpoints() -> Callable[[Sequence[JourneySpec]], pd.DataFrame]:
    return build_touchpoints


@pytest.fixture()
def touchpoints() -> pd.DataFrame:
    return build_touchpoints(CANONICAL)


@pytest.fixture()
def random_touchpoints() -> pd.DataFrame:
    """300 journeys over 5 channels, 1–6 touches, about half converting, a few touches after
    the conversion; every timestamp distinct, so no result depends on tie-breaking."""
    rng = np.random.default_rng(4)
    channels = ["display", "email", "search", "social", "video"]
    minutes = rng.permutation(300 * 7 * 24 * 60)[: 300 * 7] / (24 * 60)
    journeys: list[JourneySpec] = []
    for i in range(300):
        count = int(rng.integers(1, 7))
        days = sorted(minutes[i * 7 : i * 7 + count] / 100)
        touches = [(str(rng.choice(channels)), float(day)) for day in days]
        converted = rng.random() < 0.5
        conversion = float(days[-1]) + (0.01 if rng.random() < 0.8 else -0.0001)
        revenue = float(rng.integers(1, 500))
        journeys.append((f"user{i:03d}", touches, conversion if converted else None, revenue))
    return build_touchpoints(journeys)
