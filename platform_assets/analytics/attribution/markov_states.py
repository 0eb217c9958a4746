"""The order-k Markov states of the prepared journeys and their transition counts, in DuckDB SQL.

States are built the way ChannelAttribution builds them: the order-k states of a journey are
the sliding windows of k consecutive channels (a journey of at most k touches is one state, all
its channels), and consecutive identical states are collapsed into one. The chain runs
(start) → states → (conversion) or (null), and each journey adds one to every transition it
makes, converting or not.

A state is a tuple of 1..k channels. SQL carries it as one integer: channel i of the sorted
channel list is the digit i + 1 in base (number of channels + 1), the latest channel in the
lowest digit, and a 0 digit means "no channel" (so a shorter window is a different number, and
0 itself is (start)). DuckDB then groups by integers over one row per touch, and Python only
sees the distinct transitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from platform_assets.analytics.attribution.journeys import Journeys

START = 0
"""The state code of (start)."""

EXACT_REVENUE = "decimal(38, 10)"
"""Revenue is summed as a decimal: exact, so no parallel summation order changes the bits."""

# How a touch sees the touches before it in its journey. The prepared table is written in
# (journey_id, position) order, and a lag over that stored order streams through the rows with
# no sort; every lag it takes is checked against journey_id and position, and if any is not
# the touch it should be, the counts are taken again over a partitioned, ordered window.
_STORED_ORDER = "()"
_JOURNEY_ORDER = "(partition by journey_id order by position)"


@dataclass(frozen=True)
class Transitions:
    """The observed chain: how often each transition happened, over every journey.

    ``moves``: (source, target, count) arrays of state codes, source :data:`START` for a
    journey's first state; a (source, target) pair may repeat (add them up). ``exits``:
    (state, conversions, nulls, revenue) for the last state of the journeys, one row per
    state, where revenue is the total of the converting journeys that ended in it.
    """

    channels: tuple[str, ...]
    order: int
    journeys: int
    moves: tuple[np.ndarray, np.ndarray, np.ndarray]
    exits: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

    @property
    def base(self) -> int:
        return len(self.channels) + 1

    def digits(self, states: np.ndarray) -> np.ndarray:
        """The channel digits of each state code, one column per place, latest first (0 = none)."""
        return np.stack(
            [(states // self.base**place) % self.base for place in range(self.order)], 1
        )

    def decode(self, state: int) -> tuple[str, ...]:
        """A state code as its channels in journey order (``()`` for :data:`START`)."""
        digits = self.digits(np.array([state]))[0]
        return tuple(self.channels[digit - 1] for digit in reversed(digits) if digit)


def transitions(journeys: Journeys, order: int) -> Transitions:
    """Count the order-``order`` transitions of every prepared journey (see module doc)."""
    channels = tuple(
        row[0]
        for row in journeys.con.execute(
            f"select distinct channel from {journeys.table} order by channel"
        ).fetchall()
    )
    if not channels:
        none = np.zeros(0, dtype=np.int64)
        return Transitions(channels, order, 0, (none, none, none), (none, none, none, np.zeros(0)))
    for window in (_STORED_ORDER, _JOURNEY_ORDER):
        rows = journeys.con.execute(
            _counts_sql(journeys.table, order, len(channels) + 1, window), [list(channels)]
        ).fetchnumpy()
        if not rows["misplaced"].any():
            break
    source, target, count = rows["source"], rows["target"], rows["touches"]
    move = source != target  # a repeat of the same state is collapsed: no transition
    end = rows["is_last"]
    states, at = np.unique(target[end], return_inverse=True)
    won = rows["converted"][end]
    ended = count[end]
    # Rows arrive sorted, so each float sum below runs in the same order on every run.
    return Transitions(
        channels=channels,
        order=order,
        journeys=int(count[source == START].sum()),
        moves=(source[move], target[move], count[move]),
        exits=(
            states,
            np.bincount(at, weights=ended * won, minlength=len(states)).astype(np.int64),
            np.bincount(at, weights=ended * ~won, minlength=len(states)).astype(np.int64),
            np.bincount(at, weights=rows["revenue"][end] * won, minlength=len(states)),
        ),
    )


def _counts_sql(table: str, order: int, base: int, window: str) -> str:
    """Rows (source, target, is_last, converted, touches, revenue, misplaced) grouped over the
    touches that end a state window: position ≥ min(order, touch_count). ``$1`` is the sorted
    channel list; digit j is the channel j touches back."""
    lags = ",\n".join(
        f"lag(digit, {j}) over touch_order as digit_{j}, "
        f"lag(journey_id, {j}) over touch_order is distinct from journey_id "
        f"or lag(position, {j}) over touch_order is distinct from position - {j} as off_{j}"
        for j in range(1, order + 1)
    )
    # The window ending at this touch: its own channel and up to order - 1 before it.
    current = " + ".join(
        ["digit"]
        + [
            f"{base**j} * (case when position > {j} then digit_{j} else 0 end)"
            for j in range(1, order)
        ]
    )
    # The window ending at the touch before, when that touch ended a window too.
    previous = " + ".join(f"{base ** (j - 1)} * digit_{j}" for j in range(1, order + 1))
    misplaced = " or ".join(f"(position > {j} and off_{j})" for j in range(1, order + 1))
    return f"""
        with coded as (
            select
                journey_id,
                position,
                touch_count,
                converted,
                revenue,
                cast(list_position($1, channel) as bigint) as digit,
            from {table}
        ),
        lagged as (
            select
                *,
                {lags},
            from coded
            window touch_order as {window}
        ),
        windows as (
            select
                case when position > {order} then {previous} else {START} end as source,
                {current} as target,
                position = touch_count as is_last,
                converted,
                revenue,
                {misplaced} as misplaced,
            from lagged
            where position >= least({order}, touch_count)
        )
        select
            source,
            target,
            is_last,
            converted,
            count(*) as touches,
            cast(sum(cast(revenue as {EXACT_REVENUE})) as double) as revenue,
            count(*) filter (where misplaced) as misplaced,
        from windows
        group by all
        order by all
    """
