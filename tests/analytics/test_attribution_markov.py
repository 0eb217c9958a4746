"""Markov removal-effect attribution: hand-worked chains, the order-k states, and agreement with
an independent dense solve (fundamental matrix) on random journeys."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from platform_assets.analytics.attribution import attribute, markov
from platform_assets.analytics.attribution.journeys import Journeys, prepare
from platform_assets.analytics.attribution.markov_states import transitions
from tests.analytics.conftest import build_touchpoints


def journey(user_id: str, channels: str, revenue: float | None) -> tuple:
    """One journey from a string of one-letter channels, a day apart; revenue None = no
    conversion, otherwise it converts on the day of its last touch."""
    touches = [(channel, float(day)) for day, channel in enumerate(channels)]
    converted = None if revenue is None else float(len(channels) - 1)
    return (user_id, touches, converted, revenue or 0.0)


# Five journeys, three converting (200 of revenue). Order 1 collapses "A A B" to A → B and has
# a cycle A ⇄ B; order 2 sees (A,A) → (A,B) and the one-touch journeys as one-channel states.
HAND = build_touchpoints(
    [
        journey("j1", "AAB", 100.0),
        journey("j2", "AB", None),
        journey("j3", "B", 40.0),
        journey("j4", "A", None),
        journey("j5", "BA", 60.0),
    ]
)


def by_channel(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    return frame.set_index("channel").to_dict(orient="index")


def test_order_1_removal_effects_and_credits_worked_by_hand() -> None:
    # (start) → A 3/5, B 2/5; A → B 2/4, conv 1/4, null 1/4; B → A 1/4, conv 2/4, null 1/4.
    # From A: a = b/2 + 1/4, from B: b = 1/2 + a/4, so a = 4/7, b = 9/14 and P = 3/5.
    # Without A: 2/5 · 1/2 = 1/5, RE 2/3. Without B: 3/5 · 1/4 = 3/20, RE 3/4.
    # Value: converting journeys ending in A earn 60 on average, in B 70; E[value] = 40,
    # without A 2/5 · 35 = 14 (RE 13/20), without B 3/5 · 15 = 9 (RE 31/40).
    result = attribute(HAND, "markov", order=1)
    assert list(result["channel"]) == ["A", "B"]
    credits = by_channel(result)
    assert credits["A"]["removal_effect"] == pytest.approx(2 / 3, abs=1e-14)
    assert credits["B"]["removal_effect"] == pytest.approx(3 / 4, abs=1e-14)
    assert credits["A"]["conversions"] == pytest.approx(24 / 17, rel=1e-14)
    assert credits["B"]["conversions"] == pytest.approx(27 / 17, rel=1e-14)
    assert credits["A"]["removal_effect_value"] == pytest.approx(13 / 20, abs=1e-14)
    assert credits["B"]["removal_effect_value"] == pytest.approx(31 / 40, abs=1e-14)
    assert credits["A"]["revenue"] == pytest.approx(26 / 57 * 200, rel=1e-14)
    assert credits["B"]["revenue"] == pytest.approx(31 / 57 * 200, rel=1e-14)
    assert result.attrs["conversion_probability"] == pytest.approx(3 / 5, abs=1e-15)


@pytest.mark.parametrize("order", [2, 3])
def test_order_2_and_3_removal_effects_and_credits_worked_by_hand(order: int) -> None:
    # Order 2: j1 (A,A) → (A,B) → conv, j2 (A,B) → null, j3 (B) → conv, j4 (A) → null,
    # j5 (B,A) → conv. (A,B) converts half the time, so P = (1/2 + 1/2 + 1 + 0 + 1) / 5 = 3/5.
    # Without A only (B) is left: 1/5, RE 2/3; without B nothing converts: RE 1.
    # Value: (A,B) earns 100, (B) 40, (B,A) 60; E = 40, without A 8 (RE 4/5), without B 0.
    # Order 3 makes every journey (at most three touches) a single state: the same numbers.
    credits = by_channel(attribute(HAND, "markov", order=order))
    assert credits["A"]["removal_effect"] == pytest.approx(2 / 3, abs=1e-14)
    assert credits["B"]["removal_effect"] == pytest.approx(1.0, abs=1e-14)
    assert credits["A"]["conversions"] == pytest.approx(6 / 5, rel=1e-14)
    assert credits["B"]["conversions"] == pytest.approx(9 / 5, rel=1e-14)
    assert credits["A"]["removal_effect_value"] == pytest.approx(4 / 5, abs=1e-14)
    assert credits["A"]["revenue"] == pytest.approx(4 / 9 * 200, rel=1e-14)
    assert credits["B"]["revenue"] == pytest.approx(5 / 9 * 200, rel=1e-14)


def observed(touchpoints: pd.DataFrame, order: int) -> tuple[Counter, Counter]:
    """The transitions as readable counts: ((from, to) → n), (last state, outcome) → n."""
    with prepare(touchpoints) as journeys:
        counts = transitions(journeys, order)
    source, target, count = counts.moves
    moves: Counter = Counter()
    for s, t, n in zip(source, target, count, strict=True):
        moves[(counts.decode(s), counts.decode(t))] += int(n)
    states, conversions, nulls, _ = counts.exits
    exits: Counter = Counter()
    for state, won, lost in zip(states, conversions, nulls, strict=True):
        exits[(counts.decode(state), "conversion")] += int(won)
        exits[(counts.decode(state), "null")] += int(lost)
    return moves, +exits


def test_states_are_sliding_windows_with_repeats_collapsed() -> None:
    frame = build_touchpoints([journey("j1", "AAAB", 1.0), journey("j2", "ABAB", None)])
    moves, exits = observed(frame, 2)
    assert moves == {
        ((), ("A", "A")): 1,  # j1: (A,A) (A,A) (A,B) collapses to (A,A) → (A,B)
        (("A", "A"), ("A", "B")): 1,
        ((), ("A", "B")): 1,  # j2: (A,B) → (B,A) → (A,B)
        (("A", "B"), ("B", "A")): 1,
        (("B", "A"), ("A", "B")): 1,
    }
    assert exits == {(("A", "B"), "conversion"): 1, (("A", "B"), "null"): 1}
    moves, _ = observed(frame, 1)
    assert moves == {((), ("A",)): 2, (("A",), ("B",)): 3, (("B",), ("A",)): 1}


def test_a_journey_of_at_most_order_touches_is_one_state() -> None:
    frame = build_touchpoints([journey("j1", "AB", 5.0), journey("j2", "BAC", None)])
    moves, exits = observed(frame, 3)
    assert moves == {((), ("A", "B")): 1, ((), ("B", "A", "C")): 1}
    assert exits == {(("A", "B"), "conversion"): 1, (("B", "A", "C"), "null"): 1}


def test_repeated_channels_do_not_change_order_1_credits() -> None:
    # Collapsing A A B to A → B removes a self-loop, which never changes where a chain absorbs.
    repeated = build_touchpoints([journey("j1", "AAB", 10.0), journey("j2", "BBA", None)])
    single = build_touchpoints([journey("j1", "AB", 10.0), journey("j2", "BA", None)])
    pd.testing.assert_frame_equal(
        attribute(repeated, "markov"), attribute(single, "markov"), check_exact=True
    )


def test_a_channel_only_in_journeys_that_did_not_convert_gets_nothing() -> None:
    frame = build_touchpoints(
        [journey("j1", "AB", 10.0), journey("j2", "CB", None), journey("j3", "C", None)]
    )
    credits = by_channel(attribute(frame, "markov", order=2))
    assert credits["C"] == {
        "conversions": 0.0,
        "revenue": 0.0,
        "removal_effect": 0.0,
        "removal_effect_value": 0.0,
    }
    assert credits["A"]["conversions"] == pytest.approx(0.5)
    assert credits["B"]["revenue"] == pytest.approx(5.0)


def test_no_conversion_gives_zero_credits_and_probability() -> None:
    frame = build_touchpoints([journey("j1", "AB", None), journey("j2", "B", None)])
    result = attribute(frame, "markov")
    assert list(result["conversions"]) == [0.0, 0.0]
    assert list(result["removal_effect"]) == [0.0, 0.0]
    assert result.attrs["conversion_probability"] == 0.0


def test_journeys_stored_out_of_order_give_the_same_credits(
    random_touchpoints: pd.DataFrame,
) -> None:
    """The fast path reads touches in stored order; a shuffled table must be detected."""
    with prepare(random_touchpoints) as journeys:
        expected = [markov.credit(journeys, order=k) for k in (1, 2, 3)]
        shuffled = f"{journeys.table}_shuffled"
        journeys.con.execute(
            f"create temp table {shuffled} as select * from {journeys.table} order by hash(rowid)"
        )
        stored = Journeys(con=journeys.con, table=shuffled)
        try:
            for k, frame in zip((1, 2, 3), expected, strict=True):
                pd.testing.assert_frame_equal(markov.credit(stored, order=k), frame)
        finally:
            stored.close()


# An independent reference: states built in Python, the fundamental matrix N = (I − Q)⁻¹ in
# dense numpy, removal by redirecting every transition into a state holding c to (null).


def reference(touchpoints: pd.DataFrame, order: int) -> tuple[dict, dict, float]:
    """(removal effects, value removal effects, P(conversion)) by a dense solve."""
    touches = touchpoints.sort_values(["user_id", "timestamp", "channel"])
    touches = touches[
        touches["conversion_time"].isna() | (touches["timestamp"] <= touches["conversion_time"])
    ]
    paths = []
    for _, rows in touches.groupby("user_id"):
        channels = list(rows["channel"])
        won = bool(rows["conversion_time"].notna().iloc[0])
        paths.append((collapsed_states(channels, order), won, float(rows["revenue"].iloc[0])))
    states = sorted({state for path, _, _ in paths for state in path})
    index = {state: i for i, state in enumerate(states)}
    n = len(states)
    counts = np.zeros((n + 1, n + 3))  # row n is (start); columns n, n+1: conversion, null
    earned = np.zeros(n)
    for path, won, revenue in paths:
        steps = [n, *(index[state] for state in path)]
        for a, b in zip(steps, steps[1:], strict=False):
            counts[a, b] += 1
        counts[steps[-1], n if won else n + 1] += 1
        earned[steps[-1]] += revenue if won else 0.0
    probabilities = counts / counts.sum(axis=1, keepdims=True)
    start, q = probabilities[n, :n], probabilities[:n, :n]
    convert = probabilities[:n, n]
    mean_revenue = np.divide(earned, counts[:n, n], out=np.zeros(n), where=counts[:n, n] > 0)

    def absorb(removed: np.ndarray) -> tuple[float, float]:
        fundamental = np.linalg.inv(np.eye(n) - np.where(removed[None, :], 0.0, q))
        reach = np.where(removed, 0.0, start) @ fundamental
        return float(reach @ convert), float(reach @ (convert * mean_revenue))

    p, value = absorb(np.zeros(n, dtype=bool))
    channels = sorted(set(touches["channel"]))
    effects, value_effects = {}, {}
    for channel in channels:
        removed_p, removed_value = absorb(np.array([channel in state for state in states]))
        effects[channel] = 1 - removed_p / p
        value_effects[channel] = 1 - removed_value / value
    return effects, value_effects, p


def collapsed_states(channels: Sequence[str], order: int) -> list[tuple[str, ...]]:
    if len(channels) <= order:
        windows = [tuple(channels)]
    else:
        windows = [tuple(channels[i - order : i]) for i in range(order, len(channels) + 1)]
    return [w for i, w in enumerate(windows) if i == 0 or w != windows[i - 1]]


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("direct_max_states", [markov.DIRECT_MAX_STATES, 0], ids=["lu", "gmres"])
def test_agrees_with_a_dense_fundamental_matrix_solve(
    random_touchpoints: pd.DataFrame,
    order: int,
    direct_max_states: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(markov, "DIRECT_MAX_STATES", direct_max_states)
    effects, value_effects, p = reference(random_touchpoints, order)
    result = attribute(random_touchpoints, "markov", order=order).set_index("channel")
    assert list(result.index) == sorted(effects)
    assert result["removal_effect"].to_dict() == pytest.approx(effects, abs=1e-12)
    assert result["removal_effect_value"].to_dict() == pytest.approx(value_effects, abs=1e-12)
    assert result.attrs["conversion_probability"] == pytest.approx(p, abs=1e-12)
    conversions, revenue = result["conversions"].sum(), result["revenue"].sum()
    share = pd.Series(effects) / sum(effects.values())
    assert result["conversions"].to_dict() == pytest.approx(
        (share * conversions).to_dict(), rel=1e-12
    )
    value_share = pd.Series(value_effects) / sum(value_effects.values())
    assert result["revenue"].to_dict() == pytest.approx(
        (value_share * revenue).to_dict(), rel=1e-12
    )


def test_conversion_probability_is_the_share_of_converting_journeys(
    random_touchpoints: pd.DataFrame,
) -> None:
    """The chain fitted to observed counts reproduces the observed visits, so from (start) it
    converts exactly as often as the journeys did, at every order."""
    with prepare(random_touchpoints) as journeys:
        [(converting, total)] = journeys.con.execute(
            f"select count(distinct journey_id) filter (where converted),"
            f" count(distinct journey_id) from {journeys.table}"
        ).fetchall()
        for order in (1, 2, 3):
            probability = markov.credit(journeys, order=order).attrs["conversion_probability"]
            assert probability == pytest.approx(converting / total, rel=1e-12)
