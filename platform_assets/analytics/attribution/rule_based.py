"""Rule-based attribution: each converted journey's touches share its conversion by a fixed rule.

Every rule gives each touch of a converted journey a weight, the weights of a journey summing
to 1; a channel's credit is the sum of its touches' weights (conversions) and of weight ×
the journey's revenue (revenue). Journeys that did not convert give no credit, but their
channels still get a row (with 0), so every model lists the same channels. All in DuckDB SQL;
the final sums are ordered aggregates, so the same input gives the same bits every run.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from platform_assets.analytics.attribution.journeys import Journeys

DEFAULT_HALF_LIFE = timedelta(days=7)

# A touch's weight as SQL over the prepared columns (position, touch_count, ...).
_WEIGHTS = {
    "first_touch": "case when position = 1 then 1.0 else 0.0 end",
    "last_touch": "case when position = touch_count then 1.0 else 0.0 end",
    "linear": "1.0 / touch_count",
    "position_based": """case
        when touch_count = 1 then 1.0
        when touch_count = 2 then 0.5
        when position = 1 or position = touch_count then 0.4
        else 0.2 / (touch_count - 2)
    end""",
}


def _weighted_sql(table: str, model: str, half_life: timedelta) -> str:
    """A query of the converted touches with their ``weight`` under ``model``.

    time_decay: 2^(−Δt / half_life), normalised over the journey. Δt is taken from the
    journey's latest touch rather than from the conversion: that scales all of a journey's
    weights by one factor, so the normalised weights are unchanged, but the largest weight is 1
    and touches long before the conversion cannot underflow a whole journey to 0 / 0.
    """
    columns = "journey_id, position, channel, revenue"
    if model in _WEIGHTS:
        return f"select {columns}, {_WEIGHTS[model]} as weight from {table} where converted"
    if model != "time_decay":
        expected = ", ".join([*_WEIGHTS, "time_decay"])
        raise ValueError(f"unknown rule-based model {model!r}; expected one of {expected}")
    micros = half_life // timedelta(microseconds=1)
    return f"""
        with decayed as (
            select
                {columns},
                power(2.0, -date_diff(
                    'microsecond', "timestamp", max("timestamp") over (partition by journey_id)
                ) / {micros}.0) as decay,
            from {table}
            where converted
        )
        select {columns}, decay / sum(decay) over (partition by journey_id) as weight,
        from decayed
    """


def credit(
    journeys: Journeys, model: str, *, half_life: timedelta = DEFAULT_HALF_LIFE
) -> pd.DataFrame:
    """Per-channel credits (channel, conversions, revenue) of ``model``, sorted by channel."""
    return journeys.con.execute(f"""
        with weighted as (
            {_weighted_sql(journeys.table, model, half_life)}
        ),
        channels as (
            select distinct channel from {journeys.table}
        )
        select
            channels.channel,
            coalesce(sum(weighted.weight order by journey_id, position), 0) as conversions,
            coalesce(
                sum(weighted.weight * weighted.revenue order by journey_id, position), 0
            ) as revenue,
        from channels
        left join weighted
            on channels.channel = weighted.channel
        group by channels.channel
        order by channels.channel
    """).df()
