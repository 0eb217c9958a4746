"""Rule-based models pinned to values worked out by hand on the canonical journeys.

Converted journeys after preparation (conftest.CANONICAL): u1 email>search>email (120),
u2 search (30), u3 social>email (50, the email AT the conversion is kept), u6
email>social>search>email (200), u7 search (10, its email after the conversion is dropped);
u4 and u5 did not convert and give no credit, but their channels (display) still get a row.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from platform_assets.analytics.attribution import attribute


def credits(frame: pd.DataFrame) -> dict[str, tuple[float, float]]:
    return {row.channel: (row.conversions, row.revenue) for row in frame.itertuples()}


def assert_credits(frame: pd.DataFrame, expected: dict[str, tuple[float, float]]) -> None:
    assert list(frame.columns[:3]) == ["channel", "conversions", "revenue"]
    assert list(frame["channel"]) == sorted(expected)
    for channel, (conversions, revenue) in expected.items():
        got = credits(frame)[channel]
        assert got == pytest.approx((conversions, revenue), rel=1e-12, abs=1e-12), channel


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (
            "first_touch",
            {
                "display": (0, 0),
                "email": (2, 320),  # u1, u6
                "search": (2, 40),  # u2, u7
                "social": (1, 50),  # u3
            },
        ),
        (
            "last_touch",
            {
                "display": (0, 0),
                "email": (3, 370),  # u1, u3 (the touch at the conversion), u6
                "search": (2, 40),  # u2, u7 (the email after the conversion does not count)
                "social": (0, 0),
            },
        ),
        (
            "linear",
            {
                "display": (0, 0),
                # u1 2/3, u3 1/2, u6 2/4
                "email": (2 / 3 + 1 / 2 + 2 / 4, 120 * 2 / 3 + 50 / 2 + 200 * 2 / 4),
                # u1 1/3, u2 1, u6 1/4, u7 1
                "search": (1 / 3 + 1 + 1 / 4 + 1, 120 / 3 + 30 + 200 / 4 + 10),
                # u3 1/2, u6 1/4
                "social": (1 / 2 + 1 / 4, 50 / 2 + 200 / 4),
            },
        ),
        (
            "position_based",
            {
                "display": (0, 0),
                # u1 (3 touches) 40+40 %, u3 (2 touches) 50 %, u6 (4 touches) 40+40 %
                "email": (0.8 + 0.5 + 0.8, 96 + 25 + 160),
                # u1 middle 20 %, u2 (1 touch) 100 %, u6 half of the middle 20 %, u7 100 %
                "search": (0.2 + 1 + 0.1 + 1, 24 + 30 + 20 + 10),
                # u3 50 %, u6 half of the middle 20 %
                "social": (0.5 + 0.1, 25 + 20),
            },
        ),
    ],
)
def test_rule_based_models_match_hand_computed_credits(
    touchpoints: pd.DataFrame, model: str, expected: dict[str, tuple[float, float]]
) -> None:
    assert_credits(attribute(touchpoints, model), expected)


@pytest.mark.parametrize(
    ("touch_count", "weights"),
    [
        (1, [1.0]),
        (2, [0.5, 0.5]),
        (3, [0.4, 0.2, 0.4]),
        (4, [0.4, 0.1, 0.1, 0.4]),
    ],
)
def test_position_based_weights_by_journey_length(
    make_touchpoints, touch_count: int, weights: list[float]
) -> None:
    channels = ["a", "b", "c", "d"][:touch_count]
    frame = make_touchpoints([("u", [(c, i) for i, c in enumerate(channels)], 10, 100.0)])
    expected = {c: (w, 100 * w) for c, w in zip(channels, weights, strict=True)}
    assert_credits(attribute(frame, "position_based"), expected)


def test_time_decay_halves_the_weight_per_half_life(make_touchpoints) -> None:
    # Δt to the conversion = 2, 1, 0 half-lives → raw weights 1/4, 1/2, 1 → /1.75.
    frame = make_touchpoints([("u", [("a", 0), ("b", 1), ("c", 2)], 2, 70.0)])
    result = attribute(frame, "time_decay", half_life=timedelta(days=1))
    assert_credits(result, {"a": (1 / 7, 10), "b": (2 / 7, 20), "c": (4 / 7, 40)})


def test_time_decay_default_half_life_is_seven_days(make_touchpoints) -> None:
    # Δt = 14 and 7 days → raw weights 1/4 and 1/2 → 1/3 and 2/3 of the conversion.
    frame = make_touchpoints([("u", [("a", 0), ("b", 7)], 14, 30.0)])
    assert_credits(attribute(frame, "time_decay"), {"a": (1 / 3, 10), "b": (2 / 3, 20)})


def test_time_decay_survives_touches_many_half_lives_away(make_touchpoints) -> None:
    # 2^(−3000) underflows a double: the weights must still be normalised, not 0 / 0.
    frame = make_touchpoints([("u", [("a", 0), ("b", 1)], 3001, 10.0)])
    result = attribute(frame, "time_decay", half_life=timedelta(days=1))
    assert_credits(result, {"a": (1 / 3, 10 / 3), "b": (2 / 3, 20 / 3)})


def test_time_decay_on_canonical_journeys(touchpoints: pd.DataFrame) -> None:
    def w(days: float) -> float:
        return 2 ** (-days / 7)

    u1 = w(6) + w(4) + w(1)  # email, search, email at 6, 4 and 1 days before the conversion
    u3 = w(4) + w(0)  # social, email
    u6 = w(5) + w(4) + w(3) + w(2)  # email, social, search, email
    email = (w(6) + w(1)) / u1, w(0) / u3, (w(5) + w(2)) / u6
    search = w(4) / u1, 1.0, w(3) / u6, 1.0  # u1, u2, u6, u7
    social = w(4) / u3, w(4) / u6
    expected = {
        "display": (0, 0),
        "email": (sum(email), 120 * email[0] + 50 * email[1] + 200 * email[2]),
        "search": (sum(search), 120 * search[0] + 30 + 200 * search[2] + 10),
        "social": (sum(social), 50 * social[0] + 200 * social[1]),
    }
    assert_credits(attribute(touchpoints, "time_decay"), expected)


def test_lookback_drops_touches_older_than_the_window(touchpoints: pd.DataFrame) -> None:
    # 4.5 days before the conversion: u1 (converted day 6) and u6 (day 5) lose their day-0
    # email; u3 (day 4) keeps its day-0 social.
    result = attribute(touchpoints, "first_touch", lookback=timedelta(days=4.5))
    expected = {
        "display": (0, 0),
        "email": (0, 0),
        "search": (3, 160),  # u1 now starts with search, u2, u7
        "social": (2, 250),  # u3, u6 now starts with social
    }
    assert_credits(result, expected)


@pytest.mark.parametrize(
    ("model", "a", "b"),
    [
        ("first_touch", 1, 0),
        ("last_touch", 0, 1),
        ("linear", 0.5, 0.5),
        ("position_based", 0.5, 0.5),
    ],
)
def test_touch_at_the_conversion_counts_and_touch_after_does_not(
    make_touchpoints, model: str, a: float, b: float
) -> None:
    # b is at the conversion instant (kept); c comes after it (dropped, not even a channel row).
    frame = make_touchpoints([("u", [("a", 1), ("b", 2), ("c", 3)], 2, 10.0)])
    assert_credits(attribute(frame, model), {"a": (a, 10 * a), "b": (b, 10 * b)})


def test_non_converting_journeys_give_no_credit(make_touchpoints) -> None:
    frame = make_touchpoints([("u", [("a", 0), ("b", 1)], None, 0.0)])
    for model in ["first_touch", "last_touch", "linear", "position_based", "time_decay"]:
        assert_credits(attribute(frame, model), {"a": (0, 0), "b": (0, 0)})
