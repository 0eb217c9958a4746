"""The lead-scoring model without a warehouse: the time split, the metrics worked out by hand,
training on synthetic rows, versions, saving, and what the validation check says."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from platform_assets.analytics.lead_scoring import features, model
from platform_assets.analytics.lead_scoring.assets import validation_check

FIRST_DAY, AS_OF_END = datetime(2026, 1, 1), datetime(2026, 6, 30)


def test_snapshots_are_weekly_and_validation_is_purged_from_training() -> None:
    split = model.snapshot_split(FIRST_DAY, AS_OF_END, horizon_days=30)
    # the last snapshot's 30-day window ends exactly at the end of the as-of day
    assert split.validation == tuple(datetime(2026, 5, d) for d in (10, 17, 24, 31))
    # training windows end by the first validation time: t + 30 days <= May 10
    assert split.train == tuple(datetime(2026, 2, 1) + timedelta(weeks=k) for k in range(10))
    assert split.train[-1] == datetime(2026, 4, 5)
    assert split.train[-1] + timedelta(days=30) <= split.validation[0]


def test_a_short_history_is_refused_naming_the_knobs() -> None:
    with pytest.raises(ValueError, match="only 2 snapshot"):
        model.snapshot_split(FIRST_DAY, datetime(2026, 3, 10), horizon_days=30)
    with pytest.raises(ValueError, match="no training snapshot ends its 30-day label window"):
        model.snapshot_split(FIRST_DAY, datetime(2026, 4, 10), horizon_days=30)
    with pytest.raises(ValueError, match="every_days must be a positive integer, got 0"):
        model.snapshot_split(FIRST_DAY, AS_OF_END, horizon_days=30, every_days=0)


def test_metrics_worked_out_by_hand() -> None:
    y = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    score = np.array([0.9, 0.8, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01])
    m = model.evaluate(y, score)
    # positive 0.9 outranks all 8 negatives, 0.4 outranks 6 of them: 14 of 16 pairs
    assert m["roc_auc"] == pytest.approx(14 / 16)
    # precision at each positive: 1/1 and 2/4
    assert m["pr_auc"] == pytest.approx((1 + 2 / 4) / 2)
    # the top tenth (1 row) is a positive: rate 1 over the base rate 0.2
    assert m["top_decile_lift"] == pytest.approx(5.0)
    squared = [0.01, 0.64, 0.25, 0.36, 0.09, 0.04, 0.01, 0.0025, 0.0004, 0.0001]
    assert m["brier"] == pytest.approx(sum(squared) / 10)
    assert (m["rows"], m["positives"]) == (10, 2)


def test_a_single_class_has_no_auc() -> None:
    m = model.evaluate(np.zeros(4, dtype=int), np.array([0.1, 0.2, 0.3, 0.4]))
    assert (m["roc_auc"], m["pr_auc"], m["top_decile_lift"]) == (None, None, None)
    assert m["brier"] == pytest.approx((0.01 + 0.04 + 0.09 + 0.16) / 4)


def synthetic_rows(seed: int = 0, people: int = 150) -> pd.DataFrame:
    """Rows for the 14 snapshots of the default split; a demo request and a recent signup
    make paying likely."""
    rng = np.random.default_rng(seed)
    split = model.snapshot_split(FIRST_DAY, AS_OF_END, horizon_days=30)
    frames = []
    for t in (*split.train, *split.validation):
        frame = pd.DataFrame({name: np.nan for name in features.NUMERIC_FEATURES}, index=[0])
        frame = frame.loc[np.zeros(people, dtype=int)].reset_index(drop=True)
        frame["demo_requests"] = rng.integers(0, 2, people)
        frame["is_signed_up"] = rng.integers(0, 2, people)
        frame["days_since_signup"] = np.where(
            frame["is_signed_up"], rng.uniform(0, 60, people), np.nan
        )
        frame["sessions"] = rng.poisson(2, people)
        frame["first_channel"] = rng.choice(["email", "direct", "paid_search"], people)
        frame["last_channel"] = None
        frame["company_industry"] = rng.choice(["retail", "software"], people)
        logit = -3.5 + 2.5 * frame["demo_requests"] + 1.5 * (frame["days_since_signup"] < 15)
        frame["label"] = (rng.random(people) < 1 / (1 + np.exp(-logit))).astype(int)
        frame["scored_at"] = pd.Timestamp(t)
        frame["customer_uid"] = [f"p{i}" for i in range(people)]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def trained() -> model.Trained:
    rows = synthetic_rows()
    return model.train(rows, model.snapshot_split(FIRST_DAY, AS_OF_END, 30), horizon_days=30)


def test_training_compares_both_candidates_on_validation(trained: model.Trained) -> None:
    assert set(trained.metrics) == set(model.CANDIDATES)
    for by_split in trained.metrics.values():
        assert set(by_split) == {"train", "validation"}
        assert by_split["validation"]["rows"] == 4 * 150
        assert by_split["validation"]["roc_auc"] > 0.75
    best = max(model.CANDIDATES, key=lambda n: trained.metrics[n]["validation"]["pr_auc"])
    assert trained.chosen == best
    assert trained.chosen_reason == "highest validation pr_auc (roc_auc breaks ties)"


def test_the_version_follows_the_data(trained: model.Trained) -> None:
    split = model.snapshot_split(FIRST_DAY, AS_OF_END, 30)
    rows = synthetic_rows()
    params = {"horizon_days": 30, "train": split.train, "validation": split.validation}
    labelled = rows[rows["scored_at"].isin([*split.train, *split.validation])]
    assert model.model_version(labelled, params) == trained.version
    flipped = labelled.copy()
    flipped.loc[flipped.index[0], "label"] = 1 - flipped.loc[flipped.index[0], "label"]
    assert model.model_version(flipped, params) != trained.version
    assert model.model_version(labelled, {**params, "horizon_days": 14}) != trained.version


def test_a_saved_model_scores_like_the_fitted_one(trained: model.Trained, tmp_path: Path) -> None:
    folder = model.save(trained, tmp_path)
    assert folder == tmp_path / trained.version
    bundle = model.load(folder)
    assert (bundle["version"], bundle["chosen"], bundle["horizon_days"]) == (
        trained.version,
        trained.chosen,
        30,
    )
    rows = synthetic_rows(seed=1, people=20)
    np.testing.assert_array_equal(
        model.predict(bundle["model"], rows), model.predict(trained.model, rows)
    )
    with pytest.raises(FileNotFoundError, match="no lead-scoring model at"):
        model.load(tmp_path / "missing")


def test_too_few_converters_to_train_is_refused() -> None:
    rows = synthetic_rows(people=30)
    rows["label"] = 0
    rows.loc[rows.index[0], "label"] = 1
    with pytest.raises(ValueError, match="training rows hold 1 converting people"):
        model.fit("logistic_regression", rows)


def _with_auc(trained: model.Trained, auc: float | None, converters: int) -> model.Trained:
    metrics = {name: dict(by_split) for name, by_split in trained.metrics.items()}
    metrics[trained.chosen]["validation"] = {
        **metrics[trained.chosen]["validation"],
        "roc_auc": auc,
    }
    return model.Trained(
        chosen=trained.chosen,
        chosen_reason=trained.chosen_reason,
        metrics=metrics,
        model=trained.model,
        version=trained.version,
        horizon_days=trained.horizon_days,
        split=trained.split,
        validation_positive_people=converters,
    )


@pytest.mark.parametrize(
    ("auc", "converters", "passed", "severity"),
    [
        (0.71, 10, True, dg.AssetCheckSeverity.ERROR),
        (0.70, 10, True, dg.AssetCheckSeverity.ERROR),
        (0.69, 10, False, dg.AssetCheckSeverity.ERROR),
        (0.95, 9, False, dg.AssetCheckSeverity.WARN),  # too few converters: never a pass
        (None, 0, False, dg.AssetCheckSeverity.WARN),
    ],
)
def test_the_check_fails_below_the_threshold_and_warns_when_unmeasurable(
    trained: model.Trained,
    auc: float | None,
    converters: int,
    passed: bool,
    severity: dg.AssetCheckSeverity,
) -> None:
    result = validation_check(_with_auc(trained, auc, converters), 0.7, 10)
    assert (result.passed, result.severity) == (passed, severity)
