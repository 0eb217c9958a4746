"""Synthetic journeys for the attribution benchmark, and the path table the rivals take as input.

The generator is seeded and vectorised (1M users in a few seconds), so every library in a run, and
every run on any machine, sees the same touchpoints. Its shape is chosen to look like web
marketing data rather than to flatter any algorithm:

- 13 channels with unequal popularity (organic search ~20% of touches, webinar ~2%);
- path length 1–15 touches, P(k) ∝ 0.75^(k−1) (mean ≈ 3.7; half the journeys have ≤ 3 touches);
- a quarter of the touches repeat the previous channel (repeated channels are what Markov's state
  collapsing is about);
- a journey converts with probability logistic(α + Σ lift of its distinct channels + 0.08·(k−1)),
  α calibrated so that 3.0% of journeys convert (a typical e-commerce conversion rate);
- revenue per conversion log-normal, median $80, mean ≈ $120 (σ = 0.9), in cents;
- touches 1 minute + Exp(36 h) apart, starting uniformly over Q1 2024; a conversion 1 minute +
  Exp(3 h) after the last touch (never before it: no touch follows a conversion, so the rivals,
  which have no such rule, see exactly the journeys roundtrip keeps).

Timestamps within a journey are strictly increasing, so every library orders a path the same way.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

CHANNELS: dict[str, tuple[float, float]] = {
    # channel: (share of touches, true log-odds lift when present in the journey)
    "organic_search": (0.20, 0.6),
    "paid_search": (0.15, 0.8),
    "direct": (0.12, 0.9),
    "email": (0.10, 0.7),
    "paid_social": (0.09, 0.3),
    "organic_social": (0.07, 0.2),
    "display": (0.07, 0.1),
    "referral": (0.05, 0.5),
    "affiliate": (0.04, 0.4),
    "video": (0.04, 0.15),
    "sms": (0.03, 0.5),
    "push": (0.02, 0.2),
    "webinar": (0.02, 1.2),
}
MAX_TOUCHES = 15
LENGTH_DECAY = 0.75
REPEAT_PROBABILITY = 0.25
CONVERSION_RATE = 0.03
LENGTH_LIFT = 0.08
REVENUE_LOG_MEDIAN, REVENUE_LOG_SIGMA = np.log(80.0), 0.9
START = np.datetime64("2024-01-01T00:00:00", "s")
START_SPREAD_S = 90 * 86_400
TOUCH_GAP_MEAN_S, CONVERSION_GAP_MEAN_S, MIN_GAP_S = 36 * 3600, 3 * 3600, 60
PATH_SEPARATOR = ">"


def generate_touchpoints(users: int, seed: int = 42) -> pd.DataFrame:
    """One row per touch: ``user_id, channel, timestamp, conversion_time, revenue`` (the
    library's touchpoints contract), sorted by user and time."""
    rng = np.random.default_rng(seed)
    names = np.array(list(CHANNELS), dtype=object)
    shares = np.array([share for share, _ in CHANNELS.values()])
    lifts = np.array([lift for _, lift in CHANNELS.values()])

    lengths_pmf = LENGTH_DECAY ** np.arange(MAX_TOUCHES)
    lengths = rng.choice(
        np.arange(1, MAX_TOUCHES + 1), size=users, p=lengths_pmf / lengths_pmf.sum()
    )
    first_rows = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    touches = int(lengths.sum())
    position = np.arange(touches) - np.repeat(first_rows, lengths)

    # A repeated touch copies the channel of the journey's last non-repeated touch.
    drawn = rng.choice(len(names), size=touches, p=shares / shares.sum())
    repeat = (rng.random(touches) < REPEAT_PROBABILITY) & (position > 0)
    source = np.maximum.accumulate(np.where(repeat, 0, np.arange(touches)))
    channel = drawn[source]

    present = np.bitwise_or.reduceat(np.left_shift(1, channel), first_rows)
    lift = sum(lifts[c] * ((present >> c) & 1) for c in range(len(names)))
    logit = lift + LENGTH_LIFT * (lengths - 1)
    converted = rng.random(users) < _sigmoid(_calibrate(logit, CONVERSION_RATE) + logit)
    revenue = np.where(
        converted,
        np.round(rng.lognormal(REVENUE_LOG_MEDIAN, REVENUE_LOG_SIGMA, users), 2),
        0.0,
    )

    gaps = MIN_GAP_S + rng.exponential(TOUCH_GAP_MEAN_S, touches).astype(np.int64)
    gaps[first_rows] = 0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[first_rows], lengths)
    start = rng.integers(0, START_SPREAD_S, users)
    seconds = np.repeat(start, lengths) + elapsed
    last_touch = seconds[first_rows + lengths - 1]
    conversion_gap = MIN_GAP_S + rng.exponential(CONVERSION_GAP_MEAN_S, users).astype(np.int64)
    conversion = np.where(converted, last_touch + conversion_gap, np.iinfo(np.int64).min)

    return pd.DataFrame(
        {
            "user_id": np.repeat(np.arange(users, dtype=np.int64), lengths),
            "channel": pd.array(names[channel], dtype="str"),
            "timestamp": (START + seconds).astype("datetime64[us]"),
            "conversion_time": _timestamps(np.repeat(conversion, lengths)),
            "revenue": np.repeat(revenue, lengths),
        }
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _calibrate(logit: np.ndarray, rate: float) -> float:
    """The intercept α giving mean(sigmoid(α + logit)) = rate (bisection; the mean is monotone)."""
    low, high = -30.0, 30.0
    for _ in range(60):
        middle = (low + high) / 2
        if _sigmoid(middle + logit).mean() < rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _timestamps(seconds: np.ndarray) -> np.ndarray:
    """Seconds since START as datetime64[us], the int64 minimum standing for NaT."""
    values = (START + np.where(seconds == np.iinfo(np.int64).min, 0, seconds)).astype(
        "datetime64[us]"
    )
    values[seconds == np.iinfo(np.int64).min] = np.datetime64("NaT")
    return values


def path_table(touchpoints: pd.DataFrame) -> pd.DataFrame:
    """The input ChannelAttribution, mta and MAM's grouped format take: one row per distinct path
    (channels joined by ``>`` in time order) with ``total_conversions``,
    ``total_conversion_value`` and ``total_null``. Built in DuckDB, the fastest way we know, so
    the rivals pay as little as possible for the conversion that counts in their time."""
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        con.register("touchpoints", touchpoints)
        return con.execute(
            f"""
            with journeys as (
                select
                    string_agg(channel, '{PATH_SEPARATOR}' order by timestamp) as path,
                    bool_or(conversion_time is not null) as converted,
                    max(revenue) as revenue,
                from touchpoints
                group by user_id
            )
            select
                path,
                count(*) filter (where converted) as total_conversions,
                coalesce(sum(revenue) filter (where converted), 0) as total_conversion_value,
                count(*) filter (where not converted) as total_null,
            from journeys
            group by path
            """
        ).df()
    finally:
        con.close()
