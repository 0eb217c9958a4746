"""Attribution as assets: Markov and Shapley credits per channel, the seven models side by side,
and, in the sandbox, how each model's credits compare with the world's true causal lifts.

Thin wrappers over the library (``attribution.attribute``): each asset reads
``marts.fct_user_journeys`` and replaces one table of schema ``analytics`` in a single statement
(``create or replace``), so a reader never sees half a table. Their metadata carries the table as
markdown and a text bar chart, which the Dagster UI renders.

Ground truth for ``attribution_evaluation`` (sandbox only). The world decides signups with a
hazard ``sigmoid(base + Σ lift)`` over a person's web visits: each visit adds its channel's true
lift to the log-odds (``sandbox_truth.channel_lift``) and nothing else does; the steps after
signup (to the marts' conversion, by default the first paid invoice) do not depend on channels.
The *lift-implied share* of a channel is what an oracle that knows the lifts would credit it:
each converting journey's conversion is split over its touches up to the customer's signup in
proportion to the log-odds each added, and the credits are summed per channel and normalised.
Touches that are not visits (email opens, sales calls and meetings, demo-request forms) and
touches after signup add nothing. The marts name two world channels differently: ``video`` is
``paid_video``, and ``referral`` visits from social sites are ``organic_social`` (GA4's
grouping), so both carry referral's lift; ``sales`` has no world channel (offline touches) and
its true share is 0.
"""

import dagster as dg
import duckdb
import pandas as pd
from pydantic import Field
from scipy import stats

from platform_assets.analytics import charts
from platform_assets.analytics.attribution import MODELS, attribute
from platform_assets.settings import Settings, load_settings
from platform_assets.warehouse import DUCKDB_POOL, connect, row_count, table_exists

SCHEMA = "analytics"
GROUP = "analytics_attribution"
OWNER = "team:data-platform"
KINDS = {"python", "duckdb"}
JOURNEYS = dg.AssetKey(["marts", "fct_user_journeys"])
CUSTOMERS = dg.AssetKey(["marts", "dim_customers"])

HEADLINE_MODELS = ("last_touch", "markov", "shapley")
"""The models the comparison chart draws (the table has all seven): the seeds' headline."""

WORLD_CHANNELS = {"paid_video": "video", "organic_social": "referral"}
"""Marts channel key → the world's channel, where the names differ (see the module docstring)."""

VISIT_EVENTS = ("session", "ad_click", "email_click", "sms_click")
"""The journeys' events that are web visits: the only touches that move the world's hazard."""


class MarkovConfig(dg.Config):
    """Run config of ``markov_attribution``."""

    order: int = Field(
        default=1,
        ge=1,
        le=3,
        description="Order of the chain: states are windows of this many consecutive channels.",
    )


@dg.asset(
    key_prefix=[SCHEMA],
    deps=[JOURNEYS],
    group_name=GROUP,
    owners=[OWNER],
    kinds=KINDS,
    pool=DUCKDB_POOL,
    description=(
        "Markov-chain attribution per channel (exact absorbing-chain solve): credited conversions "
        "and revenue, their shares, and each channel's removal effect (the share of conversions "
        "lost if the channel's states led nowhere). Read conversion_share against last touch's in "
        "attribution_comparison; removal effects do not sum to 1. Order set in run config."
    ),
)
def markov_attribution(config: MarkovConfig) -> dg.MaterializeResult:
    """Credit ``fct_user_journeys`` with the order-``config.order`` Markov model."""
    with connect(load_settings()) as con:
        credits = attribute(_touchpoints(con), "markov", con=con, order=config.order)
        table = _with_shares(credits).assign(markov_order=config.order)
        rows = _write(con, "markov_attribution", table)
    return dg.MaterializeResult(
        metadata={
            **_credit_metadata(table, rows),
            "markov_order": config.order,
            "conversion_probability": float(credits.attrs["conversion_probability"]),
            "removal_effects": dg.MetadataValue.md(
                charts.bar_chart(
                    {"removal effect": dict(zip(table.channel, table.removal_effect, strict=True))}
                )
            ),
        }
    )


@dg.asset(
    key_prefix=[SCHEMA],
    deps=[JOURNEYS],
    group_name=GROUP,
    owners=[OWNER],
    kinds=KINDS,
    pool=DUCKDB_POOL,
    description=(
        "Shapley-value attribution per channel (exact; a conversion's value is shared by the "
        "distinct channels of its journey): credited conversions and revenue and their shares. "
        "A channel seen only on journeys that did not convert gets 0."
    ),
)
def shapley_attribution() -> dg.MaterializeResult:
    """Credit ``fct_user_journeys`` with Shapley values over each journey's channel set."""
    with connect(load_settings()) as con:
        table = _with_shares(attribute(_touchpoints(con), "shapley", con=con))
        rows = _write(con, "shapley_attribution", table)
    return dg.MaterializeResult(metadata=_credit_metadata(table, rows))


@dg.asset(
    key_prefix=[SCHEMA],
    deps=[JOURNEYS, markov_attribution, shapley_attribution],
    group_name=GROUP,
    owners=[OWNER],
    kinds=KINDS,
    pool=DUCKDB_POOL,
    description=(
        "All seven attribution models side by side: one row per channel, one column per model "
        "with the channel's share of conversions (first_touch, last_touch, linear, "
        "position_based, time_decay (7-day half-life), markov, shapley). Where last touch and "
        "Markov or Shapley disagree is where rule-based reporting over- or under-credits."
    ),
)
def attribution_comparison() -> dg.MaterializeResult:
    """The rule-based models computed here, Markov and Shapley read from their tables."""
    with connect(load_settings()) as con:
        shares = {
            model: _shares(attribute(_touchpoints(con), model, con=con))
            for model in MODELS
            if model not in ("markov", "shapley")
        }
        for model in ("markov", "shapley"):
            shares[model] = _shares(con.sql(f"select * from {SCHEMA}.{model}_attribution").df())
        (markov_order,) = con.execute(
            f"select max(markov_order) from {SCHEMA}.markov_attribution"
        ).fetchone()
        table = _side_by_side(shares)
        rows = _write(con, "attribution_comparison", table)
    chart = {
        row.channel: {model: getattr(row, model) for model in HEADLINE_MODELS}
        for row in table.itertuples(index=False)
    }
    formats = dict.fromkeys(MODELS, charts.percent)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "table": f"{SCHEMA}.attribution_comparison",
            "markov_order": int(markov_order),
            "conversion_shares": dg.MetadataValue.md(charts.markdown_table(table, formats)),
            "chart": dg.MetadataValue.md(charts.bar_chart(chart)),
        }
    )


@dg.asset(
    key_prefix=[SCHEMA],
    deps=[attribution_comparison, JOURNEYS, CUSTOMERS],
    group_name=GROUP,
    owners=[OWNER],
    kinds=KINDS,
    pool=DUCKDB_POOL,
    description=(
        "Sandbox only: how well each model's channel shares match the synthetic world's true "
        "causal lifts. One row per model: Spearman rank correlation with the lift-implied "
        "shares (1 = same ranking), mean absolute error of the shares, and misallocated_share "
        "(half the summed absolute error: the share of conversions credited to the wrong "
        "channels). Without a sandbox world (a real deployment) the table is empty and the "
        "metadata says no ground truth is available."
    ),
)
def attribution_evaluation() -> dg.MaterializeResult:
    """Score every model in ``attribution_comparison`` against the world's lift-implied shares."""
    settings = load_settings()
    lifts = _world_lifts(settings)
    with connect(settings) as con:
        comparison = con.sql(f"select * from {SCHEMA}.attribution_comparison").df()
        if lifts is None:
            rows = _write(con, "attribution_evaluation", _evaluate(comparison, None))
            return dg.MaterializeResult(
                metadata={
                    "dagster/row_count": rows,
                    "table": f"{SCHEMA}.attribution_evaluation",
                    "ground_truth": f"not available: no sandbox world at {settings.world_path}",
                }
            )
        truth = _lift_implied_shares(con, lifts)
        scores = _evaluate(comparison, truth)
        rows = _write(con, "attribution_evaluation", scores)
    by_channel = truth.merge(comparison, on="channel", how="outer")
    shares = ["truth_share", *MODELS]
    by_channel[shares] = by_channel[shares].fillna(0.0)
    unmapped = sorted(set(comparison.channel) - set(lifts.channel))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "table": f"{SCHEMA}.attribution_evaluation",
            "ground_truth": f"sandbox_truth.channel_lift of {settings.world_path}",
            "scores": dg.MetadataValue.md(
                charts.markdown_table(
                    scores,
                    {
                        "spearman": _correlation,
                        "mae": charts.percent,
                        "misallocated_share": charts.percent,
                    },
                )
            ),
            "shares_vs_truth": dg.MetadataValue.md(
                charts.markdown_table(
                    by_channel, {"lift": _lift, **dict.fromkeys(shares, charts.percent)}
                )
            ),
            "channels_without_world_lift": dg.MetadataValue.json(unmapped),
        }
    )


# --- reading and writing ---------------------------------------------------------------------
def _touchpoints(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    """The journeys mart as the library's touchpoints (only the columns it reads)."""
    return con.sql(
        "select user_id, channel, timestamp, conversion_time, revenue from marts.fct_user_journeys"
    )


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Replace ``analytics.<table>`` with ``frame`` in one statement; its row count."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.register("_attribution_frame", frame)
    try:
        con.execute(f"create or replace table {SCHEMA}.{table} as select * from _attribution_frame")
    finally:
        con.unregister("_attribution_frame")
    return row_count(con, SCHEMA, table)


# --- credits and shares ----------------------------------------------------------------------
def _with_shares(credits: pd.DataFrame) -> pd.DataFrame:
    """Credits plus each channel's share of the conversions and of the revenue credited."""
    return credits.assign(
        conversion_share=_share(credits.conversions), revenue_share=_share(credits.revenue)
    )


def _share(values: pd.Series) -> pd.Series:
    total = values.sum()
    return values / total if total else values * 0.0


def _shares(credits: pd.DataFrame) -> pd.Series:
    """Channel → share of conversions."""
    return _share(credits.set_index("channel").conversions.astype(float))


def _side_by_side(shares: dict[str, pd.Series]) -> pd.DataFrame:
    """One row per channel any model saw, one share column per model in :data:`MODELS` order
    (0 where a model has no row for the channel)."""
    wide = pd.DataFrame({model: shares[model] for model in MODELS}).fillna(0.0)
    return wide.rename_axis("channel").sort_index().reset_index()


def _credit_metadata(table: pd.DataFrame, rows: int) -> dict[str, object]:
    columns = ["channel", "conversions", "revenue", "conversion_share", "revenue_share"]
    formats = {
        "conversions": charts.number,
        "revenue": charts.number,
        "conversion_share": charts.percent,
        "revenue_share": charts.percent,
    }
    shares = dict(zip(table.channel, table.conversion_share, strict=True))
    return {
        "dagster/row_count": rows,
        "total_conversions": float(table.conversions.sum()),
        "total_revenue": float(table.revenue.sum()),
        "credits": dg.MetadataValue.md(charts.markdown_table(table[columns], formats)),
        "chart": dg.MetadataValue.md(charts.bar_chart({"share of conversions": shares})),
    }


# --- evaluation against the sandbox world ----------------------------------------------------
def _world_lifts(settings: Settings) -> pd.DataFrame | None:
    """The world's true lift per marts channel key (``channel``, ``lift``), or None when there
    is no sandbox world with a ``sandbox_truth`` (a real deployment). Read-only: the sandbox
    server may have the file open."""
    if not settings.world_path.exists():
        return None
    with duckdb.connect(str(settings.world_path), read_only=True) as world:
        if not table_exists(world, "sandbox_truth", "channel_lift"):
            return None
        world_lift = dict(
            world.execute("select channel, lift from sandbox_truth.channel_lift").fetchall()
        )
    marts_keys = {key: key for key in world_lift} | {
        key: channel for key, channel in WORLD_CHANNELS.items() if channel in world_lift
    }
    return pd.DataFrame(
        {"channel": list(marts_keys), "lift": [world_lift[w] for w in marts_keys.values()]}
    )


def _lift_implied_shares(con: duckdb.DuckDBPyConnection, lifts: pd.DataFrame) -> pd.DataFrame:
    """Channel, lift, truth_share: each converting journey's conversion split over its visits up
    to signup in proportion to their true lifts (see the module docstring), summed, normalised.
    Channels with touches but no lift-bearing visit get share 0."""
    con.register("_world_lifts", lifts)
    try:
        truth = con.execute(
            """
            with touches as (
                select
                    journeys.user_id,
                    journeys.channel,
                    case
                        when list_contains($visits, journeys.event) then coalesce(lifts.lift, 0)
                        else 0
                    end as lift,
                from marts.fct_user_journeys as journeys
                left join marts.dim_customers as customers
                    on journeys.user_id = customers.customer_uid
                left join _world_lifts as lifts
                    on journeys.channel = lifts.channel
                where
                    journeys.is_converted
                    and journeys.timestamp
                    <= least(customers.signed_up_at, journeys.conversion_time)
            ),

            journey_lift as (
                select user_id, sum(lift) as total_lift
                from touches
                group by user_id
                having sum(lift) > 0
            ),

            credits as (
                select touches.channel, sum(touches.lift / journey_lift.total_lift) as credit,
                from touches
                inner join journey_lift on touches.user_id = journey_lift.user_id
                group by touches.channel
            ),

            channels as (
                select distinct channel from marts.fct_user_journeys
            )

            select
                channels.channel,
                lifts.lift,
                coalesce(
                    credits.credit / nullif(sum(credits.credit) over (), 0), 0
                ) as truth_share,
            from channels
            left join credits on channels.channel = credits.channel
            left join _world_lifts as lifts on channels.channel = lifts.channel
            order by channels.channel
            """,
            {"visits": list(VISIT_EVENTS)},
        ).df()
    finally:
        con.unregister("_world_lifts")
    return truth


def _evaluate(comparison: pd.DataFrame, truth: pd.DataFrame | None) -> pd.DataFrame:
    """One row per model: Spearman rank correlation of its channel shares with the truth
    shares, the mean absolute error of the shares and the misallocated share (half the summed
    absolute error, 0..1). Channels missing on either side count as share 0. No rows without
    a truth."""
    columns = ["model", "channels", "spearman", "mae", "misallocated_share"]
    if truth is None:
        return pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in columns})
    both = truth.merge(comparison, on="channel", how="outer").fillna({"truth_share": 0.0})
    rows = []
    for model in MODELS:
        model_share = both[model].fillna(0.0)
        error = (model_share - both.truth_share).abs()
        rho = (
            stats.spearmanr(model_share, both.truth_share).statistic
            if model_share.nunique() > 1 and both.truth_share.nunique() > 1
            else float("nan")  # a constant ranking has no rank correlation
        )
        rows.append((model, len(both), float(rho), error.mean(), error.sum() / 2))
    return pd.DataFrame(rows, columns=columns).astype(_DTYPES)


_DTYPES = {
    "model": "object",
    "channels": "int64",
    "spearman": "float64",
    "mae": "float64",
    "misallocated_share": "float64",
}


def _correlation(value: object) -> str:
    return "" if pd.isna(value) else f"{float(value):+.3f}"


def _lift(value: object) -> str:
    return "none" if pd.isna(value) else f"{float(value):g}"
