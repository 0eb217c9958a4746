"""Who converts, where, and how far down the funnel they go.

Signup is a discrete-time hazard over a person's sessions: in session i the chance to sign up
is ``sigmoid(base + Σ_{j≤i} lift[channel_j])`` — every touch from channel c adds its true causal
lift to the log-odds of converting now and later. ``base`` is calibrated (bisection) so the
expected share of visitors who sign up equals ``config.signup_rate`` exactly; the later steps
(MQL → SQL → opportunity → won) are Bernoulli draws with log-normal lags. Steps that would fall
after the horizon never happen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from platform_assets.sandbox.world.billing import annual_seat_price
from platform_assets.sandbox.world.config import Lag, WorldConfig
from platform_assets.sandbox.world.population import email_variants
from platform_assets.sandbox.world.rand import (
    days,
    lognormal_days,
    sample_at_least,
    seconds,
    stream,
    ts,
)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def calibrate_base(cum_lift: np.ndarray, person: np.ndarray, n_people: int, target: float):
    """The base log-odds b with Σ_people P(sign up) = target · n_people (P is monotone in b)."""
    lo, hi = -20.0, 10.0
    for _ in range(48):
        mid = (lo + hi) / 2
        log_stay = np.bincount(person, np.log1p(-_sigmoid(mid + cum_lift)), minlength=n_people)
        expected = np.sum(1.0 - np.exp(log_stay))
        lo, hi = (mid, hi) if expected < target * n_people else (lo, mid)
    return (lo + hi) / 2


def choose_signups(
    config: WorldConfig, s: pd.DataFrame, n_people: int
) -> tuple[pd.DataFrame, float]:
    """Mark each converter's signup session (``is_signup``); return the calibrated base."""
    rng = stream(config.seed, "signup")
    order = np.lexsort((s.started_at.to_numpy(), s.person_id.to_numpy()))
    person = s.person_idx.to_numpy()[order]
    lift = s.channel.map(config.lifts()).to_numpy(dtype=np.float64)[order]
    cum = pd.Series(lift).groupby(person).cumsum().to_numpy()
    base = calibrate_base(cum, person, n_people, config.signup_rate)
    hit = rng.random(len(order)) < _sigmoid(base + cum)
    first_hit = hit & (pd.Series(hit).groupby(person).cumsum().to_numpy() == 1)
    is_signup = np.zeros(len(s), dtype=bool)
    is_signup[order[first_hit]] = True
    return s.assign(is_signup=is_signup), base


def _step(rng, prev: np.ndarray, rate: float, lag: Lag, end) -> np.ndarray:
    """Next-step times: NaT when the step is not taken or would land after the horizon."""
    take = ~np.isnat(prev) & (rng.random(len(prev)) < rate)
    at = prev + days(lognormal_days(rng, lag.median_days, lag.sigma, len(prev)))
    return np.where(take & (at < end), at, np.datetime64("NaT"))


def funnel(
    config: WorldConfig, s: pd.DataFrame, pageviews: pd.DataFrame, employees: pd.DataFrame
) -> pd.DataFrame:
    """One row per person who signed up; signup is 20 s after their /signup page view."""
    rng = stream(config.seed, "funnel")
    end = ts(config.end)
    signup_pv = pageviews[pageviews.path == "/signup"]
    signup_pv = signup_pv.merge(s.loc[s.is_signup, ["session_id", "channel"]], on="session_id")
    signup_at = signup_pv.occurred_at.to_numpy() + seconds(20.0)
    keep = signup_at < end
    f = pd.DataFrame(
        {
            "person_id": signup_pv.person_id.to_numpy()[keep],
            "signup_at": signup_at[keep],
            "signup_session_id": signup_pv.session_id.to_numpy()[keep],
            "converting_channel": signup_pv.channel.to_numpy()[keep],
        }
    ).sort_values("person_id", ignore_index=True)
    n = len(f)
    f["mql_at"] = _step(rng, f.signup_at.to_numpy(), config.mql_rate, config.mql_lag, end)
    f["sql_at"] = _step(rng, f.mql_at.to_numpy(), config.sql_rate, config.sql_lag, end)
    f["opportunity_at"] = _step(
        rng, f.sql_at.to_numpy(), config.opportunity_rate, config.opportunity_lag, end
    )
    opp = f.opportunity_at.to_numpy()
    won = rng.random(n) < config.won_rate
    close = opp + days(lognormal_days(rng, config.close_lag.median_days, config.close_lag.sigma, n))
    has_opp = ~np.isnat(opp)
    f["won_at"] = np.where(has_opp & won & (close < end), close, np.datetime64("NaT"))
    f["lost_at"] = np.where(has_opp & ~won & (close < end), close, np.datetime64("NaT"))
    f["seats"] = np.clip(np.round(rng.lognormal(np.log(12), 0.7, n)), 3, 400).astype(np.int64)
    discount = rng.uniform(0.7, 1.0, n)
    amount = np.round(f.seats.to_numpy() * annual_seat_price("business") * discount, 2)
    f["deal_amount"] = np.where(has_opp, amount, np.nan)
    reps = employees.employee_id[employees.role == "sales_rep"].to_numpy()
    owner = reps[rng.integers(0, len(reps), n)]
    f["owner_id"] = pd.array(np.where(np.isnat(f.mql_at.to_numpy()), pd.NA, owner), dtype="Int64")
    return f


def contact_merges(config: WorldConfig, f: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """HubSpot duplicates: a second contact created for a signed-up person, merged later."""
    rng = stream(config.seed, "merges")
    end = ts(config.end)
    picked = sample_at_least(rng, len(f), config.merged_contact_share, 3)
    chosen = f.iloc[picked].merge(
        people[["person_id", "email", "first_name", "last_name"]], on="person_id"
    )
    n = len(chosen)
    created = chosen.signup_at.to_numpy() + days(lognormal_days(rng, 5.0, 1.0, n))
    merged = created + days(lognormal_days(rng, 6.0, 0.8, n))
    personal = (
        chosen.first_name.str.lower() + "." + chosen.last_name.str.lower() + "@gmail.com"
    ).to_numpy()
    variant = email_variants(rng, chosen.email, 1.0).to_numpy()
    out = pd.DataFrame(
        {
            "person_id": chosen.person_id.to_numpy(),
            "duplicate_created_at": created,
            "merged_at": np.where(merged < end, merged, np.datetime64("NaT")),
            "duplicate_email_as_typed": np.where(rng.random(n) < 0.5, personal, variant),
        }
    )
    return out[out.duplicate_created_at < end].reset_index(drop=True)
