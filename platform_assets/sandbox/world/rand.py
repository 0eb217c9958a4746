"""Seeded random streams and the vectorised draws the world is built from.

Each part of the world draws from its own named stream, so changing how (say) tickets are
generated never shifts the sessions of the same seed. Times are numpy ``datetime64[us]``
(naive UTC) throughout; ids are produced in bulk from random bytes, never per row in Python.
"""

from __future__ import annotations

import zlib
from datetime import datetime

import numpy as np
from numpy.random import PCG64, Generator, SeedSequence

US = "datetime64[us]"
DAY_US = 86_400_000_000

_B62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_B64URL = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", np.uint8
)
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)

# Share of a day's arrivals by UTC hour: a business-hours bump for EMEA/Americas audiences.
_HOURLY = np.array(
    "2 1.5 1.2 1 1 1.2 2 3 4.5 5.5 6 6.2 6 6.3 6.8 7 6.8 6.2 5.5 4.8 4 3.5 3 2.5".split(), float
)
# Weekday factors, Monday first.
_WEEKDAY = np.array([1.05, 1.1, 1.1, 1.05, 0.95, 0.5, 0.45])


def stream(seed: int, name: str) -> Generator:
    """The random stream for one part of the world (stable across code changes elsewhere)."""
    return Generator(PCG64(SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),))))


def ts(value: datetime) -> np.datetime64:
    return np.datetime64(value, "us")


def seconds(values: np.ndarray | float) -> np.ndarray:
    """Float seconds → timedelta64[us]."""
    return (np.asarray(values, dtype=np.float64) * 1e6).astype(np.int64).astype("timedelta64[us]")


def days(values: np.ndarray | float) -> np.ndarray:
    return seconds(np.asarray(values, dtype=np.float64) * 86_400.0)


def lognormal_days(rng: Generator, median_days: float, sigma: float, n: int) -> np.ndarray:
    """Log-normal delays (float days) with the given median."""
    return rng.lognormal(np.log(median_days), sigma, n)


def seasonal_times(rng: Generator, start: datetime, n_days: int, n: int, growth: float = 0.002):
    """n arrival times over ``n_days`` from ``start``: weekday and diurnal seasonality, gentle
    growth. Returned unsorted (callers sort by their own keys)."""
    day_index = np.arange(n_days)
    weekday = (np.datetime64(start.date(), "D") + day_index).astype("datetime64[D]").view("int64")
    # 1970-01-01 was a Thursday: (days + 3) % 7 is 0 for Monday.
    w = _WEEKDAY[(weekday + 3) % 7] * (1.0 + growth) ** day_index
    day = rng.choice(n_days, size=n, p=w / w.sum())
    hour = rng.choice(24, size=n, p=_HOURLY / _HOURLY.sum())
    offset = day * 86_400.0 + hour * 3600.0 + rng.uniform(0, 3600, n)
    return ts(start) + seconds(offset)


_SHIFTS = np.arange(-3, 4)


def _weekday_moves() -> np.ndarray:
    """``moves[w, j]``: the probability that a day of weekday ``w`` moves by ``_SHIFTS[j]`` days.

    The least movement that turns evenly spread weekdays into the ``_WEEKDAY`` profile: a
    weekday with more than the profile's share gives the excess to the nearest ones with less
    (at most 3 days away); the rest of the days stay where they are."""
    share = _WEEKDAY / _WEEKDAY.sum()
    excess = np.maximum(1 / 7 - share, 0.0)
    need = np.maximum(share - 1 / 7, 0.0)
    moves = np.zeros((7, len(_SHIFTS)))
    moves[:, 3] = 1 / 7 - excess
    for giver in np.flatnonzero(excess):
        for shift in sorted(_SHIFTS[_SHIFTS != 0], key=abs):
            taker = (giver + shift) % 7
            amount = min(excess[giver], need[taker])
            moves[giver, shift + 3] += amount
            excess[giver] -= amount
            need[taker] -= amount
    if excess.max() > 1e-12:  # a profile whose busy days are more than 3 days off
        raise ValueError("the weekday profile cannot be reached with moves of at most 3 days")
    return moves * 7


_MOVES = _weekday_moves()


def seasonal_near(rng: Generator, when: np.ndarray) -> np.ndarray:
    """Times near ``when`` with the arrival profiles: a day keeps its place unless its weekday
    is busier in ``when`` than the weekday profile allows (evenly spread days: the weekend),
    then it moves to a nearby weekday (``_weekday_moves``); the hour comes from the diurnal
    profile. So evenly spread days follow ``_WEEKDAY`` and ``_HOURLY`` and barely move."""
    n = len(when)
    day = np.asarray(when).astype("datetime64[D]")
    weekday = (day.view("int64") + 3) % 7  # 0 = Monday (see seasonal_times)
    cumulative = np.cumsum(_MOVES, axis=1)
    pick = np.minimum((rng.random(n)[:, None] > cumulative[weekday]).sum(axis=1), 6)
    hour = rng.choice(24, size=n, p=_HOURLY / _HOURLY.sum())
    offset = seconds(hour * 3600.0 + rng.uniform(0, 3600, n))
    return (day + _SHIFTS[pick]).astype(US) + offset


def _strings(codes: np.ndarray) -> np.ndarray:
    """Rows of ASCII codes (uint8 matrix) → array of Python str."""
    width = codes.shape[1]
    return np.ascontiguousarray(codes).view(f"S{width}").ravel().astype(f"U{width}").astype(object)


def tokens(rng: Generator, n: int, length: int, prefix: str = "", alphabet: str = "b62"):
    """n random tokens like Stripe/Firestore ids or click ids (``alphabet`` b62|b64url|hex)."""
    table = {"b62": _B62, "b64url": _B64URL, "hex": _HEX}[alphabet]
    body = table[rng.integers(0, len(table), size=(n, length))]
    head = np.tile(np.frombuffer(prefix.encode(), np.uint8), (n, 1))
    return _strings(np.hstack([head, body]).astype(np.uint8))


def uuids(rng: Generator, n: int) -> np.ndarray:
    """n random version-4-shaped UUID strings (Segment message ids, anonymous ids)."""
    hexes = _HEX[rng.integers(0, 16, size=(n, 32))]
    hexes[:, 12] = ord("4")
    dash = np.full((n, 1), ord("-"), np.uint8)
    parts = [hexes[:, :8], dash, hexes[:, 8:12], dash, hexes[:, 12:16], dash]
    parts += [hexes[:, 16:20], dash, hexes[:, 20:]]
    return _strings(np.hstack(parts).astype(np.uint8))


def add_months(when: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Calendar month arithmetic (Stripe's billing anniversaries): day clamped to month end."""
    when = when.astype(US)
    month0 = when.astype("datetime64[M]")
    day_of_month = (when.astype("datetime64[D]") - month0.astype("datetime64[D]")).astype(np.int64)
    time_of_day = when - when.astype("datetime64[D]").astype(US)
    target = month0 + months.astype(np.int64)
    month_len = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    day = np.minimum(day_of_month, month_len - 1)
    return target.astype("datetime64[D]").astype(US) + days(day) + time_of_day


def repeat_index(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-parent counts: (parent index of each child, child's ordinal within its parent)."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    ordinal = np.arange(counts.sum()) - np.repeat(starts, counts)
    return parent, ordinal


def sample_at_least(rng: Generator, n: int, share: float, minimum: int) -> np.ndarray:
    """Sorted indices of a Binomial(n, share) subset of range(n), but at least ``minimum`` of
    them (when n allows): rare objects (refunds, merges) exist even in the tiny world."""
    k = min(n, max(minimum, int(rng.binomial(n, share))))
    return np.sort(rng.choice(n, size=k, replace=False))
