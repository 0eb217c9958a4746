"""Lead scores against the world's truth: do they rank people as the world's own mechanics do?

For every person in ``analytics.lead_scores`` (scored at ``scored_at`` = t, horizon N days
from the model's registry row), the world file says how that person could start paying:

- not signed up by t: each of their sessions in [t, t + N) may be their signup, with the
  world's hazard ``sigmoid(base + Σ lifts of their sessions so far)`` (funnel.py); after a
  signup, the chain below runs from it;
- signed up: MQL → SQL → opportunity → close (won or lost) are Bernoulli steps with
  log-normal lags (config rates/lags); a won deal buys an annual plan ~2 days later; someone
  who never gets an opportunity buys self-serve with ``self_serve_rate`` after a log-normal
  lag (monthly 80%, annual 20%); a first invoice is paid ~1 h after issue with probability
  0.98 × 0.98 (billing.py), else the next monthly one may be.

The *true propensity* is P(first paid invoice in [t, t + N) | the person's true state at t),
by Monte Carlo: steps the person had reached before t (core.funnel) are fixed at their true
times, the rest are drawn, and draws contradicting what had (not) happened by t — a step or a
payment that would have fallen before t — are rejected. The world generates product usage
from whether a person will ever pay, so draws are also weighted by the likelihood of the
active days seen before t (see :func:`propensity`). Two simplifications: a not-yet-signed-up
person's future sessions are taken as they are in the world file (the world draws sessions
before signups), and a subscription created before t with its first invoice unpaid is not
conditioned on. The world's future (t onward) is also in the file, so the realised outcome
is reported too.

Figures (one JSON object): Spearman rank correlation of score with propensity (all scored
people, and signed-up people only), ROC AUC and PR AUC of score and of the propensity (the
best any model could do) against the realised outcome, expected vs realised converters.

Run: ``python -m bench.lead_scoring_truth HOME`` (HOME holds warehouse.duckdb and
sandbox/world.duckdb; both opened read-only).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import poisson, spearmanr
from sklearn.metrics import average_precision_score, roc_auc_score

from platform_assets.sandbox.world.sources.hubspot import CONTACT_ID_BASE

DRAWS = 4000
P_FIRST_INVOICE_PAID = 0.98 * 0.98  # not uncollectible/void (2%), then not left open (2%)
DAY = np.timedelta64(86_400_000_000, "us")


def _config(world: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    rows = world.execute("select key, value from sandbox_truth.world_config").fetchall()
    return {key: json.loads(value) for key, value in rows}


def _lag(rng: np.random.Generator, lag: dict[str, float], n: int) -> np.ndarray:
    days = rng.lognormal(np.log(lag["median_days"]), lag["sigma"], n)
    return (days * DAY).astype("timedelta64[us]")


def _pay_lag(rng: np.random.Generator, n: int) -> np.ndarray:
    return (rng.lognormal(np.log(3600), 1.5, n) * 1e6).astype("timedelta64[us]")


class Chain:
    """Draws of one person's remaining funnel after signup, given what happened before t."""

    def __init__(self, config: dict[str, Any], rng: np.random.Generator, t: np.datetime64):
        self.c, self.rng, self.t = config, rng, t

    def _step(self, prev, observed, rate, lag, ok):
        """Next step's times; ``ok`` loses draws where it would have happened before t unseen."""
        if observed is not None and observed < self.t:
            return np.full(len(prev), observed), ok
        take = ~np.isnat(prev) & (self.rng.random(len(prev)) < rate)
        at = np.where(take, prev + _lag(self.rng, lag, len(prev)), np.datetime64("NaT"))
        ok &= ~(take & (at < self.t))
        return at, ok

    def first_paid(self, signup: np.ndarray, state: dict[str, Any]) -> tuple[np.ndarray, ...]:
        """(first paid invoice time, subscription creation time, draw consistent with t)."""
        c, n = self.c, len(signup)
        ok = np.ones(n, dtype=bool)
        mql, ok = self._step(signup, state.get("mql_at"), c["mql_rate"], c["mql_lag"], ok)
        sql, ok = self._step(mql, state.get("sql_at"), c["sql_rate"], c["sql_lag"], ok)
        opp, ok = self._step(
            sql, state.get("opportunity_at"), c["opportunity_rate"], c["opportunity_lag"], ok
        )
        won_at, lost_at = state.get("won_at"), state.get("lost_at")
        if won_at is not None and won_at < self.t:
            won = np.full(n, won_at)
        elif lost_at is not None and lost_at < self.t:
            won = np.full(n, np.datetime64("NaT"))
        else:
            close = opp + _lag(self.rng, c["close_lag"], n)
            ok &= ~(~np.isnat(opp) & (close < self.t))  # no close seen before t
            won = np.where(self.rng.random(n) < c["won_rate"], close, np.datetime64("NaT"))
        sales_sub = won + _lag(self.rng, {"median_days": 2.0, "sigma": 0.5}, n)
        self_serve = np.isnat(opp) & (self.rng.random(n) < c["self_serve_rate"])
        self_sub = np.where(
            self_serve, signup + _lag(self.rng, c["self_serve_lag"], n), np.datetime64("NaT")
        )
        created = np.where(np.isnat(sales_sub), self_sub, sales_sub)
        monthly = np.isnat(sales_sub) & (self.rng.random(n) >= 0.2)
        paid = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
        issue = created.copy()
        for _ in range(3):  # a monthly plan's first invoices until one is paid (3 cover N)
            hit = np.isnat(paid) & ~np.isnat(issue) & (self.rng.random(n) < P_FIRST_INVOICE_PAID)
            paid = np.where(hit, issue + _pay_lag(self.rng, n), paid)
            issue = np.where(np.isnat(paid) & monthly, issue + 30 * DAY, np.datetime64("NaT"))
        ok &= ~(~np.isnat(paid) & (paid < self.t))  # not paying at t
        return paid, created, ok


def propensity(
    config: dict[str, Any],
    state: dict[str, Any],
    sessions: pd.DataFrame,
    active_days: int,
    t: np.datetime64,
    end: np.datetime64,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """(P(first paid invoice in [t, end)), effective number of draws) for one person.

    The world draws a signed-up person's product usage from whether they will *ever* pay
    (product.py: active days at ``product_active_day_rate`` from signup for future payers,
    a third of it until a free trial fades for the others), so the active days seen before t
    are evidence about the future: each draw is weighted by the Poisson likelihood of that
    count under the draw's own future."""
    chain = Chain(config, rng, t)
    signup_at = state.get("signup_at")
    signed_up = signup_at is not None and signup_at < t
    if signed_up:
        signup = np.full(DRAWS, signup_at)
    else:
        lifts = config["channel_lift"]
        cum = sessions["channel"].map(lifts).cumsum().to_numpy()
        hazard = 1 / (1 + np.exp(-(config["calibrated_base_logit"] + cum)))
        starts = sessions["started_at"].to_numpy().astype("datetime64[us]")
        ahead = (starts >= t) & (starts < end)
        signup = np.full(DRAWS, np.datetime64("NaT"), dtype="datetime64[us]")
        for start, p in zip(starts[ahead], hazard[ahead], strict=True):
            hit = np.isnat(signup) & (rng.random(DRAWS) < p)
            signup[hit] = start
        state = {}  # nothing after signup has happened yet
    paid, created, ok = chain.first_paid(signup, state)
    weight = ok.astype(np.float64)
    if signed_up:
        world_end = (
            np.datetime64(config["start"], "us")
            + (config["history_days"] + config["future_days"]) * DAY
        )
        rate = config["product_active_day_rate"]
        ever_pays = ~np.isnat(created) & (created < world_end)
        trial_ends = signup + _lag(rng, {"median_days": 21.0, "sigma": 0.9}, DRAWS)
        free_span = (np.minimum(trial_ends, t) - signup) / DAY
        span = (t - signup) / DAY
        expected = np.where(ever_pays, rate * span, rate / 3 * np.maximum(free_span, 0.0))
        weight *= poisson.pmf(active_days, expected)
    inside = ~np.isnat(paid) & (paid >= t) & (paid < end)
    total = weight.sum()
    if total == 0:
        return float("nan"), 0.0
    return float((weight * inside).sum() / total), float(total**2 / (weight**2).sum())


def _ts(value: Any) -> np.datetime64 | None:
    return None if value is None or pd.isna(value) else np.datetime64(pd.Timestamp(value), "us")


def lead_scoring_truth(home: Path, seed: int = 0) -> dict[str, Any]:
    wh = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    scores = wh.execute("select * from analytics.lead_scores").df()
    [(horizon,)] = wh.execute(
        "select distinct horizon_days from analytics.lead_scoring_model where model_version = ?",
        [scores["model_version"].iloc[0]],
    ).fetchall()
    world = duckdb.connect(str(home / "sandbox" / "world.duckdb"), read_only=True)
    config = _config(world)
    scores["person_id"] = (scores["hubspot_contact_id"] - CONTACT_ID_BASE) // 10
    mapped = scores.dropna(subset=["person_id"]).astype({"person_id": "int64"})
    t = np.datetime64(pd.Timestamp(scores["scored_at"].iloc[0]), "us")
    end = t + horizon * DAY
    funnel = (
        world.execute(
            """
        select person_id, signup_at, mql_at, sql_at, opportunity_at, won_at, lost_at
        from core.funnel
        """
        )
        .df()
        .set_index("person_id")
    )
    sessions = world.execute(
        "select person_id, started_at, channel from core.sessions order by person_id, started_at"
    ).df()
    by_person = dict(tuple(sessions.groupby("person_id")))
    realised = (
        world.execute(
            """
        select person_id, min(paid_at) as first_paid_at
        from core.invoices where status = 'paid' and amount_paid_cents > 0 group by person_id
        """
        )
        .df()
        .set_index("person_id")["first_paid_at"]
    )
    active = (
        world.execute(
            """
            select person_id, count(*) as active_days
            from (
                select person_id, amplitude_session_id, min(occurred_at) as day_start
                from core.product_events
                group by person_id, amplitude_session_id
            )
            where day_start < ?
            group by person_id
            """,
            [pd.Timestamp(t).to_pydatetime()],
        )
        .df()
        .set_index("person_id")["active_days"]
    )
    rng = np.random.default_rng(seed)
    props, draws = [], []
    empty = sessions.iloc[:0]
    for person in mapped["person_id"]:
        state = {k: _ts(v) for k, v in funnel.loc[person].items()} if person in funnel.index else {}
        p, n = propensity(
            config, state, by_person.get(person, empty), int(active.get(person, 0)), t, end, rng
        )
        props.append(p)
        draws.append(n)
    mapped = mapped.assign(propensity=props, effective_draws=draws)
    first_paid = mapped["person_id"].map(realised)
    mapped["paid_in_window"] = (first_paid >= pd.Timestamp(t)) & (first_paid < pd.Timestamp(end))
    mapped["signed_up"] = mapped["person_id"].map(
        lambda p: p in funnel.index and funnel.loc[p, "signup_at"] < pd.Timestamp(t)
    )
    valid = mapped[mapped["propensity"].notna()]
    signed, unsigned = valid[valid["signed_up"]], valid[~valid["signed_up"]]
    y = valid["paid_in_window"].astype(int)
    return {
        "scored_people": len(scores),
        "mapped_to_world": len(mapped),
        "scored_at": str(pd.Timestamp(t)),
        "horizon_days": int(horizon),
        "model_version": scores["model_version"].iloc[0],
        "min_effective_draws": round(float(valid["effective_draws"].min()), 1),
        "median_effective_draws": round(float(valid["effective_draws"].median()), 1),
        "people_under_100_effective_draws": int((valid["effective_draws"] < 100).sum()),
        "spearman_score_vs_propensity": float(spearmanr(valid["score"], valid["propensity"])[0]),
        "spearman_signed_up_only": float(spearmanr(signed["score"], signed["propensity"])[0]),
        "signed_up_people": len(signed),
        "spearman_not_signed_up": float(spearmanr(unsigned["score"], unsigned["propensity"])[0]),
        "not_signed_up_with_zero_propensity": int((unsigned["propensity"] == 0).sum()),
        "not_signed_up_people": len(unsigned),
        "realised_converters": int(y.sum()),
        "expected_converters_by_score": float(valid["score"].sum()),
        "expected_converters_by_propensity": float(valid["propensity"].sum()),
        "realised_roc_auc_score": float(roc_auc_score(y, valid["score"])),
        "realised_roc_auc_propensity": float(roc_auc_score(y, valid["propensity"])),
        "realised_pr_auc_score": float(average_precision_score(y, valid["score"])),
        "realised_pr_auc_propensity": float(average_precision_score(y, valid["propensity"])),
    }


if __name__ == "__main__":
    print(json.dumps(lead_scoring_truth(Path(sys.argv[1])), indent=2))
