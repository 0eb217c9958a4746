"""Shapley attribution: values worked out on paper, and the shortcut checked against the definition.

The simplified form φ_j = Σ_{T∋j} R(T)/|T| is only trustworthy if it matches the textbook
Shapley value (every coalition, factorial weights) of v(S) = Σ_{T⊆S} R(T); the enumeration
tests pin that on random journeys with up to 12 channels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest

from platform_assets.analytics.attribution import attribute
from platform_assets.analytics.attribution.journeys import prepare
from platform_assets.analytics.attribution.shapley import MAX_ENUMERATE_CHANNELS, credit
from tests.analytics.conftest import JourneySpec, build_touchpoints


def _credit(touchpoints: pd.DataFrame, **params: object) -> pd.DataFrame:
    with prepare(touchpoints) as journeys:
        return credit(journeys, **params)


def _as_dict(credits: pd.DataFrame, column: str) -> dict[str, float]:
    return dict(zip(credits["channel"], credits[column], strict=True))


def test_canonical_journeys_by_hand(touchpoints: pd.DataFrame) -> None:
    # Converting channel sets after dropping u7's late email touch:
    # R({search}) = 2 conversions / 40 revenue (u2, u7), R({email, search}) = 1 / 120 (u1),
    # R({email, social}) = 1 / 50 (u3), R({email, search, social}) = 1 / 200 (u6).
    credits = attribute(touchpoints, "shapley")
    assert list(credits.columns) == ["channel", "conversions", "revenue"]
    assert list(credits["channel"]) == ["display", "email", "search", "social"]
    assert _as_dict(credits, "conversions") == pytest.approx(
        {"display": 0.0, "email": 1 / 2 + 1 / 2 + 1 / 3, "search": 2 + 1 / 2 + 1 / 3,
         "social": 1 / 2 + 1 / 3},
        rel=1e-12,
    )  # fmt: skip
    assert _as_dict(credits, "revenue") == pytest.approx(
        {"display": 0.0, "email": 60 + 25 + 200 / 3, "search": 40 + 60 + 200 / 3,
         "social": 25 + 200 / 3},
        rel=1e-12,
    )  # fmt: skip


THREE_CHANNELS: list[JourneySpec] = [
    *[(f"a{i}", [("A", 0)], 1, 10.0) for i in range(3)],
    *[(f"ab{i}", [("B", 0), ("A", 1), ("B", 2)], 3, 20.0) for i in range(2)],
    *[(f"bc{i}", [("C", 0), ("B", 1)], 2, 5.0) for i in range(3)],
    ("lost", [("C", 0), ("A", 1)], None, 0.0),
]
"""R({A}) = 3 (revenue 30), R({A,B}) = 2 (40), R({B,C}) = 3 (15); {A,C} never converts."""


@pytest.mark.parametrize("method", ["simplified", "enumerate"])
def test_three_channels_match_the_permutation_average(method: str) -> None:
    # Coalition values (conversions): v(A)=3, v(B)=v(C)=0, v(AB)=5, v(AC)=3, v(BC)=3, v(ABC)=8.
    # Marginal contributions of A, B, C in each of the 6 join orders:
    #   ABC: 3,2,3  ACB: 3,5,0  BAC: 5,0,3  BCA: 5,0,3  CAB: 3,5,0  CBA: 5,3,0
    # → φ = (24, 15, 9) / 6 = (4, 2.5, 1.5). Revenue the same way: v(A)=30, v(AB)=70,
    # v(AC)=30, v(BC)=15, v(ABC)=85 → φ = (30 + 20, 20 + 7.5, 7.5) = (50, 27.5, 7.5).
    credits = _credit(build_touchpoints(THREE_CHANNELS), method=method)
    assert _as_dict(credits, "conversions") == pytest.approx(
        {"A": 4.0, "B": 2.5, "C": 1.5}, rel=1e-12
    )
    assert _as_dict(credits, "revenue") == pytest.approx(
        {"A": 50.0, "B": 27.5, "C": 7.5}, rel=1e-12
    )


def test_ordered_credits_by_first_touch_position(touchpoints: pd.DataFrame) -> None:
    # Distinct channels in first-touch order: u1 email, search; u2 search; u3 social, email;
    # u6 email, social, search; u7 search (its email came after the conversion).
    credits = attribute(touchpoints, "shapley", ordered=True)
    assert list(credits.columns) == ["channel", "position", "conversions", "revenue"]
    assert list(zip(credits["channel"], credits["position"], strict=True)) == [
        (channel, position)
        for channel in ["display", "email", "search", "social"]
        for position in (1, 2, 3)
    ]
    expected = {
        ("display", 1): (0, 0), ("display", 2): (0, 0), ("display", 3): (0, 0),
        ("email", 1): (1 / 2 + 1 / 3, 60 + 200 / 3), ("email", 2): (1 / 2, 25),
        ("email", 3): (0, 0),
        ("search", 1): (2, 40), ("search", 2): (1 / 2, 60), ("search", 3): (1 / 3, 200 / 3),
        ("social", 1): (1 / 2, 25), ("social", 2): (1 / 3, 200 / 3), ("social", 3): (0, 0),
    }  # fmt: skip
    got = {
        (row.channel, row.position): (row.conversions, row.revenue) for row in credits.itertuples()
    }
    assert got.keys() == expected.keys()
    for key, (conversions, revenue) in expected.items():
        assert got[key] == pytest.approx((conversions, revenue), rel=1e-12, abs=1e-12), key


def test_ordered_credits_sum_to_the_unordered_value(random_touchpoints: pd.DataFrame) -> None:
    unordered = attribute(random_touchpoints, "shapley")
    ordered = attribute(random_touchpoints, "shapley", ordered=True)
    per_channel = ordered.groupby("channel", as_index=False)[["conversions", "revenue"]].sum()
    assert list(per_channel["channel"]) == list(unordered["channel"])
    for column in ("conversions", "revenue"):
        np.testing.assert_allclose(per_channel[column], unordered[column], rtol=1e-12)
        assert ordered[column].sum() == pytest.approx(unordered[column].sum(), rel=1e-12)
    with prepare(random_touchpoints) as journeys:
        conversions, revenue = journeys.con.execute(
            f"select count(*), sum(revenue) from (select distinct journey_id, revenue"
            f" from {journeys.table} where converted)"
        ).fetchone()
    assert unordered["conversions"].sum() == pytest.approx(conversions, rel=1e-12)
    assert unordered["revenue"].sum() == pytest.approx(revenue, rel=1e-12)


def _random_journeys(channel_count: int, seed: int) -> list[JourneySpec]:
    """Journeys whose channel sets vary widely in size, plus a channel that never converts."""
    rng = np.random.default_rng(seed)
    channels = [f"ch{i:02d}" for i in range(channel_count)]
    journeys: list[JourneySpec] = []
    for i in range(600):
        length = int(rng.integers(1, 2 * channel_count + 2))
        touches = [(str(rng.choice(channels)), float(day)) for day in range(length)]
        converted = rng.random() < 0.6
        revenue = float(rng.integers(0, 1000)) / 7
        journeys.append((f"u{i:04d}", touches, length if converted else None, revenue))
    journeys.append(("never", [("zz_never_converts", 0.0)], None, 0.0))
    return journeys


@pytest.mark.parametrize("channel_count", [1, 2, 5, 9, 12])
def test_simplified_form_equals_full_enumeration(channel_count: int) -> None:
    touchpoints = build_touchpoints(_random_journeys(channel_count, seed=channel_count))
    simplified = _credit(touchpoints, method="simplified")
    enumerated = _credit(touchpoints, method="enumerate")
    assert list(simplified["channel"]) == list(enumerated["channel"])
    assert simplified.iloc[-1]["channel"] == "zz_never_converts"
    for column in ("conversions", "revenue"):
        np.testing.assert_allclose(simplified[column], enumerated[column], rtol=1e-9, atol=1e-9)
        assert simplified.iloc[-1][column] == 0.0
        assert enumerated.iloc[-1][column] == pytest.approx(0.0, abs=1e-9)


def test_a_channel_only_in_non_converting_journeys_gets_zero(
    make_touchpoints: Callable[[Sequence[JourneySpec]], pd.DataFrame],
) -> None:
    touchpoints = make_touchpoints(
        [
            ("u1", [("video", 0), ("email", 1)], None, 0.0),
            ("u2", [("video", 0)], None, 0.0),
            ("u3", [("email", 0)], 1, 40.0),
        ]
    )
    for params in ({}, {"method": "enumerate"}):
        credits = _credit(touchpoints, **params)
        assert _as_dict(credits, "conversions") == {"email": 1.0, "video": 0.0}
        assert _as_dict(credits, "revenue") == {"email": 40.0, "video": 0.0}


def test_no_conversions_gives_every_channel_zero(
    make_touchpoints: Callable[[Sequence[JourneySpec]], pd.DataFrame],
) -> None:
    touchpoints = make_touchpoints([("u1", [("video", 0), ("email", 1)], None, 0.0)])
    assert _as_dict(_credit(touchpoints), "conversions") == {"email": 0.0, "video": 0.0}
    ordered = _credit(touchpoints, ordered=True)
    assert list(zip(ordered["channel"], ordered["position"], strict=True)) == [
        ("email", 1),
        ("video", 1),
    ]
    assert (ordered[["conversions", "revenue"]] == 0).all().all()


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"ordered": "yes"}, "ordered"),
        ({"method": "sampled"}, "method"),
        ({"method": "enumerate", "ordered": True}, "enumerate"),
    ],
)
def test_bad_parameters_name_themselves(
    touchpoints: pd.DataFrame, params: dict[str, object], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        _credit(touchpoints, **params)


def test_enumeration_refuses_too_many_channels(
    make_touchpoints: Callable[[Sequence[JourneySpec]], pd.DataFrame],
) -> None:
    touchpoints = make_touchpoints(
        [(f"u{i}", [(f"ch{i:02d}", 0)], 1, 1.0) for i in range(MAX_ENUMERATE_CHANNELS + 1)]
    )
    with pytest.raises(ValueError, match="at most"):
        _credit(touchpoints, method="enumerate")
    assert _credit(touchpoints)["conversions"].tolist() == [1.0] * (MAX_ENUMERATE_CHANNELS + 1)
