"""Shapley-value attribution, exact, in the form Google's Ads Data Hub and Zhao et al. (2018) use.

The game: a converting journey "belongs" to the set T of distinct channels it touched, R(T) is
the conversions (separately: the revenue) of the converting journeys whose channel set is exactly
T, and a coalition S is worth everything its channels could have produced alone,
v(S) = Σ_{T⊆S} R(T). This v is a sum of unanimity games R(T)·u_T, and the Shapley value of u_T
gives 1/|T| to each member of T, so

    φ_j = Σ_{T∋j} R(T) / |T|

exactly, for any number of channels: each converting journey's conversion and revenue are
split evenly over its distinct channels. That is what makes exact Shapley cheap here — DuckDB
groups the journeys by channel set and one pass over the distinct sets gives every φ_j, where the
textbook formula needs 2^n coalitions. ``method="enumerate"`` computes the textbook formula
anyway (every coalition, factorial weights) so the shortcut can be checked against it.

A channel seen only in journeys that did not convert is a null player: it is in no T with
R(T) > 0, so it gets 0 (and still has its row).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from platform_assets.analytics.attribution.journeys import Journeys

METHODS = ("simplified", "enumerate")
EXACT_REVENUE = "decimal(38, 10)"
"""Revenue is summed in this fixed-point type: integer arithmetic gives the same sum whatever
order DuckDB's threads add the journeys in (a double sum differs in the last bits from run to
run), and 1e-10 is far below any currency's smallest unit."""
MAX_ENUMERATE_CHANNELS = 20
"""Enumeration holds v(S) for all 2^n coalitions: 2^20 doubles is 8 MiB and well under a second;
past that the check costs more than it proves (the simplified form has no such limit)."""


def credit(
    journeys: Journeys, *, ordered: bool = False, method: str = "simplified"
) -> pd.DataFrame:
    """Shapley credits per channel: columns channel, conversions, revenue, sorted by channel.

    ``ordered=True`` gives Zhao et al.'s ordered Shapley value, one row per (channel, position)
    with an extra ``position`` column: each converting journey's distinct channels are put in the
    order of their first touch (position 1 = the channel touched first, up to |T|), and the
    journey's 1/|T| share that channel j receives is credited to j at the position j holds in
    that order. A channel's credits over its positions sum to its unordered Shapley value. The
    rows are every channel × positions 1..(the most distinct channels in a converting journey),
    zeros included, sorted by channel then position.

    ``method="enumerate"`` evaluates φ_j = Σ_{S⊆N∖{j}} |S|!(n−|S|−1)!/n! · (v(S∪{j}) − v(S))
    over every coalition of the n channels (n ≤ :data:`MAX_ENUMERATE_CHANNELS`): the
    definition itself, kept to check the simplified form.
    """
    if not isinstance(ordered, bool):
        raise ValueError(f"ordered must be True or False, got {ordered!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if ordered and method == "enumerate":
        raise ValueError("method='enumerate' computes the unordered value; use ordered=False")
    channels = [
        row[0]
        for row in journeys.con.execute(
            f"select distinct channel from {journeys.table} order by channel"
        ).fetchall()
    ]
    if ordered:
        return _ordered(journeys, channels)
    if method == "enumerate":
        return _enumerate(journeys, channels)
    return _simplified(journeys, channels)


def _coalition_returns(journeys: Journeys) -> str:
    """SQL for R(T): conversions and revenue per distinct channel set T (a sorted list)."""
    return f"""
        with journey_sets as (
            select
                journey_id,
                list_sort(list_distinct(list(channel))) as channel_set,
                cast(any_value(revenue) as {EXACT_REVENUE}) as revenue,
            from {journeys.table}
            where converted
            group by journey_id
        )
        select
            channel_set,
            count(*) as conversions,
            sum(revenue) as revenue,
        from journey_sets
        group by channel_set
    """


def _split_evenly(shares: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Σ R(T)/|T| per key from rows (keys…, set_size, conversions, revenue) summed per set size.

    The division happens here, over a table of at most channels × set sizes rows fetched in a
    fixed order, so the result is the same bits on every run (a parallel SQL sum of fractions
    would not be).
    """
    shares = shares.sort_values([*keys, "set_size"], kind="stable")
    size = shares["set_size"].to_numpy(dtype=float)
    split = shares[keys].assign(
        conversions=shares["conversions"].to_numpy(dtype=float) / size,
        revenue=shares["revenue"].to_numpy(dtype=float) / size,
    )
    return split.groupby(keys, sort=True, as_index=False)[["conversions", "revenue"]].sum()


def _simplified(journeys: Journeys, channels: list[str]) -> pd.DataFrame:
    shares = journeys.con.execute(f"""
        with coalition_returns as ({_coalition_returns(journeys)}),
        members as (
            select
                unnest(channel_set) as channel,
                len(channel_set) as set_size,
                conversions,
                revenue,
            from coalition_returns
        )
        select
            channel,
            set_size,
            sum(conversions) as conversions,
            cast(sum(revenue) as double) as revenue,
        from members
        group by channel, set_size
        order by channel, set_size
    """).df()
    credits = _split_evenly(shares, ["channel"])
    frame = pd.DataFrame({"channel": channels})
    return _fill(frame.merge(credits, on="channel", how="left"))


def _ordered(journeys: Journeys, channels: list[str]) -> pd.DataFrame:
    shares = journeys.con.execute(f"""
        with first_touches as (
            select
                journey_id,
                channel,
                min(position) as first_position,
                any_value(revenue) as revenue,
            from {journeys.table}
            where converted
            group by journey_id, channel
        ),
        journey_sequences as (
            select
                journey_id,
                list(channel order by first_position) as sequence,
                cast(any_value(revenue) as {EXACT_REVENUE}) as revenue,
            from first_touches
            group by journey_id
        ),
        sequence_returns as (
            select sequence, count(*) as conversions, sum(revenue) as revenue
            from journey_sequences
            group by sequence
        ),
        members as (
            select
                unnest(sequence) as channel,
                unnest(range(1, len(sequence) + 1)) as position,
                len(sequence) as set_size,
                conversions,
                revenue,
            from sequence_returns
        )
        select
            channel,
            position,
            set_size,
            sum(conversions) as conversions,
            cast(sum(revenue) as double) as revenue,
        from members
        group by channel, position, set_size
        order by channel, position, set_size
    """).df()
    credits = _split_evenly(shares, ["channel", "position"])
    longest = int(shares["position"].max()) if len(shares) else 1
    grid = pd.MultiIndex.from_product(
        [channels, range(1, longest + 1)], names=["channel", "position"]
    ).to_frame(index=False)
    grid["position"] = grid["position"].astype("int64")
    credits["position"] = credits["position"].astype("int64")
    frame = _fill(grid.merge(credits, on=["channel", "position"], how="left"))
    return frame[["channel", "position", "conversions", "revenue"]]


def _enumerate(journeys: Journeys, channels: list[str]) -> pd.DataFrame:
    n = len(channels)
    if n > MAX_ENUMERATE_CHANNELS:
        raise ValueError(
            f"method='enumerate' handles at most {MAX_ENUMERATE_CHANNELS} channels, the journeys "
            f"have {n}; use method='simplified' (exact for any number of channels)"
        )
    returns = journeys.con.execute(
        f"select channel_set, conversions, cast(revenue as double)"
        f" from ({_coalition_returns(journeys)}) order by channel_set"
    ).fetchall()
    bit = {channel: 1 << i for i, channel in enumerate(channels)}
    # value[0] holds conversions, value[1] revenue, indexed by coalition bitmask.
    value = np.zeros((2, 1 << n))
    for channel_set, conversions, revenue in returns:
        mask = sum(bit[channel] for channel in channel_set)
        value[:, mask] = (conversions, revenue)
    # v(S) = Σ_{T⊆S} R(T): add each coalition without channel i into the same one with it.
    for i in range(n):
        halves = value.reshape(2, -1, 2, 1 << i)
        halves[:, :, 1, :] += halves[:, :, 0, :]
    size = np.array([m.bit_count() for m in range(1 << n)])
    weight = np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    )
    credits = np.zeros((2, n))
    for j in range(n):
        halves = value.reshape(2, -1, 2, 1 << j)
        without_j = size.reshape(-1, 2, 1 << j)[:, 0, :]
        marginal = halves[:, :, 1, :] - halves[:, :, 0, :]
        credits[:, j] = (marginal * weight[without_j]).sum(axis=(1, 2))
    return pd.DataFrame({"channel": channels, "conversions": credits[0], "revenue": credits[1]})


def _fill(frame: pd.DataFrame) -> pd.DataFrame:
    """Channels (or positions) that earned nothing get 0, not NaN."""
    return frame.fillna({"conversions": 0.0, "revenue": 0.0}).reset_index(drop=True)
