"""The attribution entry point: parameter checks, input forms, journey preparation, and the
properties every model must have (efficiency, symmetry, scaling, input-form and run
independence)."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from platform_assets.analytics.attribution import MODELS, attribute
from platform_assets.analytics.attribution.journeys import prepare

ALL_MODELS = list(MODELS)


def prepared_rows(touchpoints: object, **kwargs: object) -> list[tuple]:
    with prepare(touchpoints, **kwargs) as journeys:
        return journeys.con.execute(f"""
            select journey_id, user_id, position, touch_count, channel, converted, revenue
            from {journeys.table}
            order by journey_id, position
        """).fetchall()


# Parameters and errors


@pytest.mark.parametrize(
    ("model", "params", "named"),
    [
        ("last_click", {}, "last_click"),
        ("time_decay", {"half_life": timedelta(0)}, "half_life"),
        ("time_decay", {"half_life": -3}, "half_life"),
        ("time_decay", {"half_life": "7d"}, "half_life"),
        ("markov", {"order": 0}, "order"),
        ("markov", {"order": 4}, "order"),
        ("markov", {"order": 1.5}, "order"),
        ("shapley", {"ordered": "yes"}, "ordered"),
        ("shapley", {"method": "sampled"}, "method"),
        ("linear", {"lookback": timedelta(days=-1)}, "lookback"),
        ("linear", {"half_life": 7}, "half_life"),
        ("first_touch", {"order": 2}, "order"),
    ],
)
def test_bad_model_or_parameter_is_a_value_error_naming_it(
    touchpoints: pd.DataFrame, model: str, params: dict, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        attribute(touchpoints, model, **params)


@pytest.mark.parametrize(
    "column", ["user_id", "channel", "timestamp", "conversion_time", "revenue"]
)
def test_missing_column_is_a_value_error_naming_it(touchpoints: pd.DataFrame, column: str) -> None:
    with pytest.raises(ValueError, match=column):
        attribute(touchpoints.drop(columns=column), "linear")


def test_table_name_without_a_connection_is_refused(touchpoints: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="con"):
        attribute("marts.fct_user_journeys", "linear")


def test_unknown_table_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match="no_such_table"):
        attribute("no_such_table", "linear", con=duckdb.connect())


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("conversion_time", pd.Timestamp("2024-02-01")),
        ("conversion_time", pd.NaT),
        ("revenue", 99.0),
        ("channel", None),
        ("timestamp", pd.NaT),
        ("user_id", None),
    ],
)
def test_inconsistent_or_null_values_are_refused_naming_the_column(
    touchpoints: pd.DataFrame, column: str, value: object
) -> None:
    touchpoints.loc[0, column] = value  # u1's first row only
    with pytest.raises(ValueError, match=column):
        attribute(touchpoints, "linear")


def test_lookback_and_half_life_accept_days_as_numbers(touchpoints: pd.DataFrame) -> None:
    by_number = attribute(touchpoints, "time_decay", half_life=3, lookback=4.5)
    by_delta = attribute(
        touchpoints, "time_decay", half_life=timedelta(days=3), lookback=timedelta(days=4.5)
    )
    pd.testing.assert_frame_equal(by_number, by_delta)


# Journey preparation


def test_prepare_numbers_journeys_and_touches_and_applies_the_conversion_cutoff(
    touchpoints: pd.DataFrame,
) -> None:
    assert prepared_rows(touchpoints) == [
        (0, "u1", 1, 3, "email", True, 120.0),
        (0, "u1", 2, 3, "search", True, 120.0),
        (0, "u1", 3, 3, "email", True, 120.0),
        (1, "u2", 1, 1, "search", True, 30.0),
        (2, "u3", 1, 2, "social", True, 50.0),
        (2, "u3", 2, 2, "email", True, 50.0),  # at the conversion instant: kept
        (3, "u4", 1, 2, "social", False, 0.0),
        (3, "u4", 2, 2, "search", False, 0.0),
        (4, "u5", 1, 1, "display", False, 0.0),
        (5, "u6", 1, 4, "email", True, 200.0),
        (5, "u6", 2, 4, "social", True, 200.0),
        (5, "u6", 3, 4, "search", True, 200.0),
        (5, "u6", 4, 4, "email", True, 200.0),
        (6, "u7", 1, 1, "search", True, 10.0),  # its day-8 email came after the conversion
    ]


def test_prepare_breaks_timestamp_ties_by_channel_and_drops_emptied_journeys(
    make_touchpoints,
) -> None:
    frame = make_touchpoints(
        [
            ("b", [("zebra", 1), ("apple", 1), ("mango", 0)], 5, 10.0),
            ("a", [("late", 6)], 5, 10.0),  # every touch after the conversion
        ]
    )
    assert prepared_rows(frame) == [
        (0, "b", 1, 3, "mango", True, 10.0),
        (0, "b", 2, 3, "apple", True, 10.0),
        (0, "b", 3, 3, "zebra", True, 10.0),
    ]


def test_prepare_lookback_anchors_non_converting_journeys_at_their_last_touch(
    make_touchpoints,
) -> None:
    frame = make_touchpoints(
        [
            ("a", [("old", 0), ("new", 10)], None, 0.0),
            ("b", [("old", 0), ("edge", 1), ("new", 4)], 4, 8.0),
        ]
    )
    # a: last touch day 10, window from day 5; b: converted day 4, window from day 1 inclusive.
    assert prepared_rows(frame, lookback=timedelta(days=3)) == [
        (0, "a", 1, 1, "new", False, 0.0),
        (1, "b", 1, 2, "edge", True, 8.0),
        (1, "b", 2, 2, "new", True, 8.0),
    ]


def test_prepare_stores_rows_in_journey_then_position_order(
    random_touchpoints: pd.DataFrame,
) -> None:
    # Models stream through the stored order (a window over ()) instead of sorting again.
    shuffled = random_touchpoints.sample(frac=1, random_state=3)
    with prepare(shuffled) as journeys:
        stored = journeys.con.execute(
            f"select journey_id, position from {journeys.table}"
        ).fetchall()
    assert len(stored) > 1000
    assert stored == sorted(stored)


def test_prepare_leaves_no_temp_objects_behind(touchpoints: pd.DataFrame) -> None:
    con = duckdb.connect()
    con.register("touches", touchpoints)
    before = con.execute("select count(*) from duckdb_tables() where temporary").fetchall()
    attribute("touches", "linear", con=con)
    attribute(con.table("touches"), "position_based", con=con)
    after = con.execute("select count(*) from duckdb_tables() where temporary").fetchall()
    views = con.execute("select count(*) from duckdb_views() where view_name like '_attr%'")
    assert after == before
    assert views.fetchall() == [(0,)]


# Properties every model has


def total(frame: pd.DataFrame) -> tuple[float, float]:
    return float(frame["conversions"].sum()), float(frame["revenue"].sum())


def converted_totals(touchpoints: pd.DataFrame) -> tuple[float, float]:
    with prepare(touchpoints) as journeys:
        [(conversions, revenue)] = journeys.con.execute(f"""
            select count(distinct journey_id), sum(revenue) filter (where position = 1)
            from {journeys.table}
            where converted
        """).fetchall()
    return float(conversions), float(revenue)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_credits_sum_to_total_conversions_and_revenue(
    random_touchpoints: pd.DataFrame, model: str
) -> None:
    conversions, revenue = converted_totals(random_touchpoints)
    assert conversions > 100
    assert total(attribute(random_touchpoints, model)) == pytest.approx(
        (conversions, revenue), rel=1e-9
    )


@pytest.mark.parametrize("model", ALL_MODELS)
def test_swapping_two_channel_labels_swaps_their_credits(
    random_touchpoints: pd.DataFrame, model: str
) -> None:
    swap = {"email": "search", "search": "email"}
    swapped = random_touchpoints.assign(channel=random_touchpoints["channel"].replace(swap))
    original = attribute(random_touchpoints, model).set_index("channel")
    relabelled = attribute(swapped, model).set_index("channel").rename(index=swap).sort_index()
    pd.testing.assert_frame_equal(relabelled, original, rtol=1e-12)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_duplicating_every_journey_doubles_the_credits(
    random_touchpoints: pd.DataFrame, model: str
) -> None:
    copy = random_touchpoints.assign(user_id=random_touchpoints["user_id"] + "_copy")
    single = attribute(random_touchpoints, model)
    double = attribute(pd.concat([random_touchpoints, copy], ignore_index=True), model)
    pd.testing.assert_frame_equal(double[["channel"]], single[["channel"]])
    for column in ["conversions", "revenue"]:
        assert list(double[column]) == pytest.approx(list(2 * single[column]), rel=1e-12)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_pandas_relation_and_table_name_give_identical_results(
    random_touchpoints: pd.DataFrame, model: str
) -> None:
    con = duckdb.connect()
    con.execute("create table touches as select * from random_touchpoints")
    from_pandas = attribute(random_touchpoints, model)
    from_name = attribute("touches", model, con=con)
    from_relation = attribute(con.table("touches"), model, con=con)
    from_foreign_relation = attribute(con.table("touches"), model)  # copied, no con
    for other in [from_name, from_relation, from_foreign_relation]:
        pd.testing.assert_frame_equal(other, from_pandas, check_exact=True)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_same_input_gives_the_same_bits(random_touchpoints: pd.DataFrame, model: str) -> None:
    first = attribute(random_touchpoints, model)
    second = attribute(random_touchpoints.sample(frac=1, random_state=1), model)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert first.attrs == second.attrs
