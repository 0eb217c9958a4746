"""The knobs of the synthetic world, in one frozen value that fully determines it.

Same ``WorldConfig`` → byte-identical world: every random draw comes from a stream seeded by
``seed`` (see ``rand.py``), so a config is all a test or a bug report needs to reproduce a world.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from platform_assets.sandbox.world.core_schema import CHANNELS
from platform_assets.settings import SCALES, SettingsError

# Acquisition popularity rank (most visitors first); the Zipf-like weights follow this order.
_CHANNEL_RANK: tuple[str, ...] = (
    "organic_search",
    "direct",
    "paid_search",
    "paid_social",
    "email",
    "referral",
    "display",
    "affiliates",
    "video",
    "sms",
)

# True causal effect of one session from a channel on the log-odds of signing up in that
# session or any later one (the hazard model in funnel.py). Attribution is graded against it.
_DEFAULT_LIFTS: dict[str, float] = {
    "paid_search": 0.45,
    "paid_social": 0.25,
    "organic_search": 0.35,
    "email": 0.55,
    "referral": 0.60,
    "direct": 0.10,
    "display": 0.05,
    "video": 0.15,
    "sms": 0.20,
    "affiliates": 0.30,
}


def zipf_weights(exponent: float = 1.0) -> tuple[tuple[str, float], ...]:
    """Channel weights ∝ 1/rank**exponent over the popularity rank, normalised to sum 1."""
    raw = [1.0 / (rank**exponent) for rank in range(1, len(_CHANNEL_RANK) + 1)]
    total = sum(raw)
    return tuple((c, w / total) for c, w in zip(_CHANNEL_RANK, raw, strict=True))


@dataclass(frozen=True)
class Lag:
    """A log-normal delay: ``median_days`` and the log-space sigma."""

    median_days: float
    sigma: float = 0.8


@dataclass(frozen=True)
class WorldConfig:
    """Everything that shapes a world. Rates are probabilities of reaching the next step."""

    visitors: int
    seed: int = 42
    start: datetime = datetime(2026, 1, 1)
    history_days: int = 180
    future_days: int = 90
    # Acquisition (first-touch) channel mix; must cover core_schema.CHANNELS.
    channel_weights: tuple[tuple[str, float], ...] = field(default_factory=zipf_weights)
    channel_lift: tuple[tuple[str, float], ...] = tuple(_DEFAULT_LIFTS.items())
    # Funnel: P(signup | visitor) is calibrated exactly; the rest are per-step probabilities.
    signup_rate: float = 0.12
    mql_rate: float = 0.6
    sql_rate: float = 0.5
    opportunity_rate: float = 0.7
    won_rate: float = 0.4
    mql_lag: Lag = Lag(2.0)
    sql_lag: Lag = Lag(6.0)
    opportunity_lag: Lag = Lag(4.0)
    close_lag: Lag = Lag(25.0, 0.6)
    self_serve_rate: float = 0.3  # P(paid self-serve plan | signed up, no opportunity)
    self_serve_lag: Lag = Lag(10.0)
    # Web behaviour.
    mean_sessions_per_visitor: float = 2.2
    session_gap: Lag = Lag(3.0, 1.3)
    mean_pages_per_session: float = 3.5
    pageview_gap_median_seconds: float = 50.0
    near_cutoff_gap_share: float = 0.03  # pageview gaps drawn from 25–35 minutes
    return_direct_share: float = 0.35  # a return visit typed in / bookmarked
    return_same_channel_share: float = 0.25
    # Identity noise.
    mean_extra_devices: float = 0.6
    shared_device_share: float = 0.01
    email_variant_share: float = 0.12
    duplicate_message_share: float = 0.005
    late_event_share: float = 0.02
    skewed_clock_share: float = 0.08
    merged_contact_share: float = 0.05
    no_company_share: float = 0.15
    # Subscriptions.
    churn_weibull_shape: float = 0.9
    churn_weibull_scale_days: float = 420.0
    reactivation_rate: float = 0.3
    reactivation_lag: Lag = Lag(40.0, 0.6)
    expansion_rate_per_month: float = 0.08
    contraction_rate_per_month: float = 0.04
    refund_share: float = 0.04
    # Support and product.
    tickets_per_customer_month: float = 0.25
    tickets_per_free_user_month: float = 0.04
    csat_response_share: float = 0.6
    nps_response_share: float = 0.35
    product_active_day_rate: float = 0.35  # share of days a customer uses the product
    mean_events_per_active_day: float = 5.0

    def __post_init__(self) -> None:
        if self.visitors <= 0:
            raise SettingsError(f"WorldConfig.visitors={self.visitors} must be positive")
        for name, pairs in (("channel_weights", self.channel_weights), ("lift", self.channel_lift)):
            if sorted(c for c, _ in pairs) != sorted(CHANNELS):
                raise SettingsError(f"WorldConfig.{name} must cover exactly {CHANNELS}")

    @classmethod
    def for_scale(cls, scale: str, seed: int, **overrides: object) -> WorldConfig:
        """The config of a scale tier (``settings.SCALES``: visitors over the history)."""
        if scale not in SCALES:
            raise SettingsError(
                f"scale={scale!r} is not a scale; choose one of {', '.join(SCALES)}"
            )
        return cls(visitors=SCALES[scale], seed=seed, **overrides)  # type: ignore[arg-type]

    @property
    def clock_start(self) -> datetime:
        """The initial world clock: the end of the history."""
        return self.start + timedelta(days=self.history_days)

    @property
    def end(self) -> datetime:
        """The end of the generated horizon; nothing happens at or after it."""
        return self.start + timedelta(days=self.history_days + self.future_days)

    @property
    def total_visitors(self) -> int:
        """Visitors over history + future at the history's daily arrival rate."""
        return round(self.visitors * (self.history_days + self.future_days) / self.history_days)

    def weights(self) -> dict[str, float]:
        total = sum(w for _, w in self.channel_weights)
        return {c: w / total for c, w in self.channel_weights}

    def lifts(self) -> dict[str, float]:
        return dict(self.channel_lift)

    def as_rows(self) -> list[tuple[str, str]]:
        """(key, value-as-JSON) pairs for ``sandbox_truth.world_config``."""
        out = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Lag):
                value = dataclasses.asdict(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = dict(value)
            out.append((f.name, json.dumps(value, sort_keys=True)))
        return out
