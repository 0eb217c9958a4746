"""The attribution benchmark's moving parts at a tiny size: the journey generator, the rivals'
path table, the accuracy figures and the command's JSON lines. No timing is asserted; the
rival libraries (the ``bench`` dependency group) are exercised only when installed."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bench.attribution import Run, compare, distance, execute, select_models, write_dataset
from bench.attribution_data import MAX_TOUCHES, generate_touchpoints, path_table
from platform_assets.cli import main


def test_generator_is_seeded_and_shaped_like_the_contract() -> None:
    touchpoints = generate_touchpoints(20_000, seed=3)
    pd.testing.assert_frame_equal(touchpoints, generate_touchpoints(20_000, seed=3))
    assert not touchpoints.equals(generate_touchpoints(20_000, seed=4))
    assert list(touchpoints.columns) == [
        "user_id",
        "channel",
        "timestamp",
        "conversion_time",
        "revenue",
    ]
    assert touchpoints.channel.nunique() == 13

    journeys = touchpoints.groupby("user_id")
    lengths = journeys.size()
    assert len(lengths) == 20_000
    assert lengths.min() == 1 and lengths.max() == MAX_TOUCHES
    # strictly increasing times: every library orders a path the same way
    assert (journeys.timestamp.diff().dropna() > pd.Timedelta(0)).all()
    per_journey = journeys.agg(
        last_touch=("timestamp", "max"),
        conversion=("conversion_time", "first"),
        conversion_times=("conversion_time", "nunique"),
        revenue=("revenue", "first"),
        revenues=("revenue", "nunique"),
    )
    assert (per_journey.revenues == 1).all()
    converted = per_journey[per_journey.conversion.notna()]
    assert (converted.conversion_times == 1).all()
    assert (converted.conversion > converted.last_touch).all()  # no touch after converting
    assert (converted.revenue > 0).all()
    assert (per_journey.loc[per_journey.conversion.isna(), "revenue"] == 0).all()
    # calibrated to 3%: ±4 standard deviations of a binomial over 20k journeys
    assert 0.025 < len(converted) / len(per_journey) < 0.035


def test_path_table_joins_channels_in_time_order_and_counts_journeys() -> None:
    day = datetime(2024, 1, 1)
    rows = [
        # user, channel, day, conversion day, revenue; rows deliberately out of time order
        (1, "b", 2, 3, 10.0),
        (1, "a", 1, 3, 10.0),
        (2, "a", 1, 5, 30.0),
        (2, "b", 4, 5, 30.0),
        (3, "b", 2, None, 0.0),
        (3, "a", 1, None, 0.0),
        (4, "b", 1, None, 0.0),
    ]
    touchpoints = pd.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "channel": [r[1] for r in rows],
            "timestamp": [day + pd.Timedelta(days=r[2]) for r in rows],
            "conversion_time": [
                None if r[3] is None else day + pd.Timedelta(days=r[3]) for r in rows
            ],
            "revenue": [r[4] for r in rows],
        }
    )
    paths = path_table(touchpoints).sort_values("path").reset_index(drop=True)
    assert paths.to_dict("records") == [
        {"path": "a>b", "total_conversions": 2, "total_conversion_value": 40.0, "total_null": 1},
        {"path": "b", "total_conversions": 0, "total_conversion_value": 0.0, "total_null": 1},
    ]


def test_distance_counts_a_channel_missing_on_one_side_as_zero() -> None:
    ours = {"a": [3.0, 0.0], "b": [1.0, 0.0]}
    reference = {"a": [2.0, 0.0], "b": [1.0, 0.0], "c": [1.0, 0.0]}
    assert distance(ours, reference, conversions=4) == {
        "max_abs_diff": 1.0,
        "max_rel_diff_pct": 100.0,  # c: 1 against 0
        "l1_pct": 50.0,  # (1 + 0 + 1) / 4
    }


def test_model_selection_expands_families_and_names_unknown_models() -> None:
    assert select_models(["markov", "shapley", "markov_o2"]) == [
        "markov_o1",
        "markov_o2",
        "markov_o3",
        "shapley",
    ]
    assert select_models(["rule_based"])[0] == "first_touch"
    with pytest.raises(ValueError, match="'markov_o4'"):
        select_models(["markov_o4"])


def test_command_prints_one_json_line_per_run_without_rivals() -> None:
    result = CliRunner().invoke(
        main,
        ["bench", "attribution", "--sizes", "300", "--models", "shapley,linear", "--skip-rivals"],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    dataset, *runs = lines
    assert dataset["users"] == 300 and dataset["channels"] == 13
    assert [(r["library"], r["model"], r["status"]) for r in runs] == [
        ("roundtrip", "shapley", "ok"),
        ("roundtrip", "linear", "ok"),
    ]
    assert all(r["seconds"] > 0 and r["peak_rss_mb"] > 0 for r in runs)


def test_rival_runs_report_ratios_and_distance_to_the_reference(tmp_path: Path) -> None:
    pytest.importorskip("ChannelAttribution")
    pytest.importorskip("mam")
    data = tmp_path / "touchpoints.parquet"
    dataset = write_dataset(500, 42, data)
    runs = [
        Run("roundtrip", "markov_o1", "exact", "roundtrip", {"model": "markov", "order": 1}),
        Run(
            "channelattribution",
            "markov_o1",
            "default",
            "channelattribution",
            {"order": 1, "tight": False},
        ),  # fmt: skip
        Run("mam", "markov_o1", "default", "mam_markov"),
    ]
    results = [(run, execute(run, data, tmp_path, timeout_s=300)) for run in runs]
    assert [result["status"] for _, result in results] == ["ok", "ok", "ok"]
    ours, ca, mam = compare(500, dataset["conversions"], results)
    assert "ratio" not in ours and ca["ratio"] > 0 and mam["rss_ratio"] > 0
    # the tight-convergence reference was not run: no distance is claimed
    assert "l1_pct" not in ca
    credited = sum(c for c, _ in results[1][1]["credits"].values())
    assert credited == pytest.approx(dataset["conversions"])
