"""The attribution assets over a hand-made journeys mart: what they write and what they report.

Five journeys (T = 2026-01-01 09:00, days after it as T+n):

    u1  email (open) T, paid_search (ad click) T+1       → converts T+2, revenue 100
    u2  paid_search (ad click) T                         → converts T+1, revenue 50
    u3  email (click) T                                  → does not convert
    u4  display (ad click) T                             → does not convert
    u5  paid_video (ad click) T, sales (call) T+1        → converts T+2, revenue 30

Markov, order 1: from (start) 2/5 go to email, 1/5 each to paid_search, display, paid_video;
email → paid_search or (null) half each; paid_search → (conversion); display → (null);
paid_video → sales → (conversion). P(conversion) = 2/5·1/2 + 1/5 + 1/5 = 3/5. Removing email or
paid_video or sales leaves 2/5 (removal effect 1/3), removing paid_search leaves 1/5 (2/3),
display 0: conversions 3 × RE / (5/3) → email 3/5, paid_search 6/5, paid_video and sales 3/5.
Revenue: absorbing from paid_search earns (100 + 50)/2 = 75, from sales 30; E[value] =
2/5·1/2·75 + 1/5·75 + 1/5·30 = 36; without email 21, paid_search 6, paid_video or sales 30:
value removal effects 15/36, 30/36, 6/36, 6/36 (sum 57/36), of revenue 180.
Shapley: R({email, paid_search}) = 1 (100), R({paid_search}) = 1 (50), R({paid_video, sales}) = 1
(30): email 1/2 (50), paid_search 3/2 (100), paid_video and sales 1/2 (15), display 0.

World truth: u1 and u5 sign up at T+3h, u2 at T+1h. Only visits before signup carry lift, so u1
(an email open, then signup) adds nothing, u2's conversion is all paid_search's and u5's all
paid_video's: truth shares paid_search 1/2, paid_video 1/2, the others 0.
"""

from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pydantic
import pytest

from platform_assets.analytics.attribution_assets import (
    attribution_comparison,
    attribution_evaluation,
    markov_attribution,
    shapley_attribution,
)
from platform_assets.warehouse import connect
from tests.conftest import settings_for

T = datetime(2026, 1, 1, 9)
DAY = timedelta(days=1)

# user_id, channel, event, timestamp, conversion_time, revenue
TOUCHES = [
    ("u1", "email", "email_open", T, T + 2 * DAY, 100),
    ("u1", "paid_search", "ad_click", T + DAY, T + 2 * DAY, 100),
    ("u2", "paid_search", "ad_click", T, T + DAY, 50),
    ("u3", "email", "email_click", T, None, 0),
    ("u4", "display", "ad_click", T, None, 0),
    ("u5", "paid_video", "ad_click", T, T + 2 * DAY, 30),
    ("u5", "sales", "call", T + DAY, T + 2 * DAY, 30),
]
SIGNUPS = [
    ("u1", T + timedelta(hours=3)),
    ("u2", T + timedelta(hours=1)),
    ("u5", T + timedelta(hours=3)),
    ("u3", None),
    ("u4", None),
]
LIFTS = [("email", 0.5), ("paid_search", 0.25), ("display", 0.1), ("video", 0.2), ("referral", 0.3)]

ASSETS = [markov_attribution, shapley_attribution, attribution_comparison, attribution_evaluation]


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ROUNDTRIP_HOME whose warehouse holds only the hand-made marts (no sandbox world)."""
    monkeypatch.setenv("ROUNDTRIP_HOME", str(tmp_path))
    with connect(settings_for(tmp_path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.fct_user_journeys (
                user_id varchar, channel varchar, event varchar, timestamp timestamp,
                conversion_time timestamp, revenue decimal(18, 2), is_converted boolean
            )
            """
        )
        con.executemany(
            "insert into marts.fct_user_journeys values (?, ?, ?, ?, ?, ?, ? is not null)",
            [[*touch, touch[4]] for touch in TOUCHES],
        )
        con.execute(
            "create table marts.dim_customers (customer_uid varchar, signed_up_at timestamp)"
        )
        con.executemany("insert into marts.dim_customers values (?, ?)", SIGNUPS)
    return tmp_path


def make_world(home: Path) -> None:
    path = settings_for(home).world_path
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as world:
        world.execute("create schema sandbox_truth")
        world.execute("create table sandbox_truth.channel_lift (channel varchar, lift double)")
        world.executemany("insert into sandbox_truth.channel_lift values (?, ?)", LIFTS)


def table(home: Path, name: str) -> dict[str, dict[str, object]]:
    """analytics.<name> keyed by its first column."""
    with connect(settings_for(home), read_only=True) as con:
        frame = con.sql(f"select * from analytics.{name}").df()
    return frame.set_index(frame.columns[0]).to_dict("index")


def metadata(result: dg.ExecuteInProcessResult, name: str) -> dict[str, object]:
    (materialization,) = result.asset_materializations_for_node(f"analytics__{name}")
    return {key: value.value for key, value in materialization.metadata.items()}


def test_markov_and_shapley_write_the_hand_worked_credits(home: Path) -> None:
    make_world(home)
    result = dg.materialize(ASSETS)
    assert result.success

    markov = table(home, "markov_attribution")
    assert set(markov) == {"display", "email", "paid_search", "paid_video", "sales"}
    assert markov["email"]["conversions"] == pytest.approx(3 / 5)
    assert markov["paid_search"]["conversions"] == pytest.approx(6 / 5)
    assert markov["sales"]["conversions"] == pytest.approx(3 / 5)
    assert markov["display"]["conversions"] == pytest.approx(0)
    assert markov["paid_search"]["removal_effect"] == pytest.approx(2 / 3)
    assert markov["email"]["removal_effect_value"] == pytest.approx(15 / 36)
    assert markov["email"]["revenue"] == pytest.approx(15 / 57 * 180)
    assert markov["paid_search"]["revenue_share"] == pytest.approx(30 / 57)
    assert markov["paid_search"]["conversion_share"] == pytest.approx(2 / 5)
    assert markov["email"]["markov_order"] == 1
    assert metadata(result, "markov_attribution")["conversion_probability"] == pytest.approx(3 / 5)

    shapley = table(home, "shapley_attribution")
    assert shapley["email"]["conversions"] == pytest.approx(1 / 2)
    assert shapley["paid_search"]["conversions"] == pytest.approx(3 / 2)
    assert shapley["paid_search"]["revenue"] == pytest.approx(100)
    assert shapley["sales"]["revenue"] == pytest.approx(15)
    assert shapley["display"]["conversions"] == 0
    shapley_md = metadata(result, "shapley_attribution")
    assert shapley_md["dagster/row_count"] == 5
    assert "| paid_search | 1.50 | 100.00 | 50.0% | 55.6% |" in shapley_md["credits"]


def test_comparison_puts_the_seven_models_side_by_side(home: Path) -> None:
    make_world(home)
    result = dg.materialize(ASSETS)
    comparison = table(home, "attribution_comparison")
    assert list(comparison["email"]) == [
        "first_touch",
        "last_touch",
        "linear",
        "position_based",
        "time_decay",
        "markov",
        "shapley",
    ]
    assert comparison["email"]["first_touch"] == pytest.approx(1 / 3)
    assert comparison["email"]["last_touch"] == 0
    assert comparison["paid_search"]["last_touch"] == pytest.approx(2 / 3)
    assert comparison["paid_search"]["linear"] == pytest.approx(1 / 2)
    assert comparison["paid_search"]["markov"] == pytest.approx(2 / 5)
    assert comparison["paid_search"]["shapley"] == pytest.approx(1 / 2)
    assert comparison["display"] == dict.fromkeys(comparison["display"], 0.0)

    shown = metadata(result, "attribution_comparison")
    assert shown["dagster/row_count"] == 5
    assert shown["conversion_shares"].splitlines()[0] == (
        "| channel | first_touch | last_touch | linear | position_based | time_decay | markov "
        "| shapley |"
    )
    assert "| paid_search | 33.3% | 66.7% | 50.0% | 50.0% |" in shown["conversion_shares"]
    # the chart: last touch, Markov and Shapley per channel; the largest share fills 40 cells
    chart = shown["chart"].splitlines()
    assert chart[0] == "```" and chart[-1] == "```"
    assert "  last_touch  " + "█" * 40 + "  66.7%" in chart


def test_evaluation_scores_each_model_against_the_world(home: Path) -> None:
    make_world(home)
    result = dg.materialize(ASSETS)
    scores = table(home, "attribution_evaluation")
    assert list(scores) == [
        "first_touch",
        "last_touch",
        "linear",
        "position_based",
        "time_decay",
        "markov",
        "shapley",
    ]
    # last touch: paid_search 2/3, sales 1/3 vs truth paid_search 1/2, paid_video 1/2 over five
    # channels; ranks (2, 2, 5, 2, 4) vs (2, 2, 4.5, 4.5, 2)
    last = scores["last_touch"]
    assert last["channels"] == 5
    assert last["mae"] == pytest.approx((1 / 6 + 1 / 2 + 1 / 3) / 5)
    assert last["misallocated_share"] == pytest.approx(1 / 2)
    assert last["spearman"] == pytest.approx(2.5 / 60**0.5)
    # Markov: email 1/5, paid_search 2/5, paid_video 1/5, sales 1/5
    assert scores["markov"]["misallocated_share"] == pytest.approx((0.2 + 0.1 + 0.3 + 0.2) / 2)

    shown = metadata(result, "attribution_evaluation")
    assert shown["ground_truth"].startswith("sandbox_truth.channel_lift of ")
    assert "| last_touch | 5 | +0.323 | 20.0% | 50.0% |" in shown["scores"]
    # the marts' paid_video is the world's video; sales has no world channel
    assert "| paid_video | 0.2 | 50.0% |" in shown["shares_vs_truth"]
    assert "| sales | none | 0.0% |" in shown["shares_vs_truth"]
    assert shown["channels_without_world_lift"] == ["sales"]


def test_evaluation_without_a_world_reports_no_ground_truth(home: Path) -> None:
    result = dg.materialize(ASSETS)
    assert result.success
    assert table(home, "attribution_evaluation") == {}
    shown = metadata(result, "attribution_evaluation")
    assert shown["ground_truth"].startswith("not available: no sandbox world at ")
    assert shown["dagster/row_count"] == 0


def test_markov_order_comes_from_run_config(home: Path) -> None:
    config = {"ops": {"analytics__markov_attribution": {"config": {"order": 2}}}}
    result = dg.materialize([markov_attribution], run_config=config)
    assert metadata(result, "markov_attribution")["markov_order"] == 2
    assert table(home, "markov_attribution")["email"]["markov_order"] == 2
    config["ops"]["analytics__markov_attribution"]["config"]["order"] = 4
    with pytest.raises(pydantic.ValidationError, match="order"):
        dg.materialize([markov_attribution], run_config=config)
