"""Train, compare, version and save the lead-scoring model (scikit-learn, no Dagster).

Training rows come from several past scoring times (snapshots) whose label window has fully
elapsed by the as-of time. The split is by time, never at random: validation is the latest
snapshots, training the snapshots whose whole label window ends before the first validation
snapshot (a purge gap, so no training label looks at the validation period's outcomes).

Two candidates, both with calibrated probabilities (``CalibratedClassifierCV``, Platt scaling:
with hundreds of positives isotonic regression overfits): a logistic regression over scaled
numbers and one-hot categories (the baseline), and a histogram gradient-boosted tree model.
Calibration folds keep each person on one side (a person appears in several snapshots). The
better candidate by validation PR AUC (average precision; AUC breaks ties) is refitted on
every labelled snapshot and saved with a version that hashes this code and the training data.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

from platform_assets.analytics.lead_scoring import features

CANDIDATES: tuple[str, ...] = ("logistic_regression", "hist_gradient_boosting")
SELECTION_METRIC = "pr_auc"
"""Validation metric that picks the model (ROC AUC breaks ties): with a few percent positives,
PR AUC measures what a sales team sees at the top of the list; ROC AUC barely moves there."""

CALIBRATION_FOLDS = 3


@dataclass(frozen=True)
class Split:
    """Scoring times of the training and validation snapshots, oldest first."""

    train: tuple[datetime, ...]
    validation: tuple[datetime, ...]


def snapshot_split(
    first_day: datetime,
    as_of_end: datetime,
    horizon_days: int,
    every_days: int = 7,
    validation_snapshots: int = 4,
    warmup_days: int = 28,
) -> Split:
    """Snapshot times every ``every_days`` back from the last one whose label window
    [t, t + horizon) ends by ``as_of_end``, none earlier than ``first_day + warmup_days``
    (people need history to be scored on). Validation: the latest ``validation_snapshots``;
    training: the snapshots with t + horizon ≤ the first validation time."""
    for name, value in (
        ("horizon_days", horizon_days),
        ("every_days", every_days),
        ("validation_snapshots", validation_snapshots),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    earliest = first_day + timedelta(days=warmup_days)
    last = as_of_end - timedelta(days=horizon_days)
    times: list[datetime] = []
    t = last
    while t >= earliest:
        times.append(t)
        t -= timedelta(days=every_days)
    times.reverse()
    if len(times) <= validation_snapshots:
        raise ValueError(
            f"only {len(times)} snapshot(s) between {earliest:%Y-%m-%d} and {last:%Y-%m-%d} "
            f"(history + warmup_days={warmup_days}, horizon_days={horizon_days}); need more "
            f"than validation_snapshots={validation_snapshots}"
        )
    validation = tuple(times[-validation_snapshots:])
    cutoff = validation[0] - timedelta(days=horizon_days)
    train = tuple(t for t in times if t <= cutoff)
    if not train:
        raise ValueError(
            f"no training snapshot ends its {horizon_days}-day label window before the first "
            f"validation snapshot {validation[0]:%Y-%m-%d}; lower validation_snapshots or "
            "horizon_days, or wait for more history"
        )
    return Split(train=train, validation=validation)


class _FloatsWithoutEmptyColumns(TransformerMixin, BaseEstimator):
    """Floats with nulls kept (the booster learns where "never happened" goes), except the
    columns that had no value at all in training (no company known anywhere, say), which the
    booster's binning cannot handle: those become 0 at fit and at every later transform, a
    constant no split uses."""

    def fit(self, frame: pd.DataFrame, y: object = None) -> _FloatsWithoutEmptyColumns:
        self.empty_ = list(frame.columns[frame.isna().all()])
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.astype("float64")
        out[self.empty_] = 0.0
        return out


def _log_employees(frame: pd.DataFrame) -> pd.DataFrame:
    """Company size spans 5 to 50,000: the log keeps a few giants from dominating the scale."""
    out = frame.astype("float64")
    out["company_employees"] = np.log1p(out["company_employees"])
    return out


def candidate(name: str) -> Pipeline:
    """An unfitted candidate pipeline over :data:`features.FEATURES` (a DataFrame's columns)."""
    numeric = list(features.NUMERIC_FEATURES)
    categorical = list(features.CATEGORICAL_FEATURES)
    if name == "logistic_regression":
        prepare = ColumnTransformer(
            [
                (
                    "numeric",
                    Pipeline(
                        [
                            ("log", FunctionTransformer(_log_employees)),
                            # "never happened" becomes the median plus an indicator column
                            (
                                "impute",
                                SimpleImputer(
                                    strategy="median", add_indicator=True, keep_empty_features=True
                                ),
                            ),
                            ("scale", StandardScaler()),
                        ]
                    ),
                    numeric,
                ),
                (
                    "categorical",
                    Pipeline(
                        [
                            ("impute", SimpleImputer(strategy="constant", fill_value="(none)")),
                            ("one_hot", OneHotEncoder(handle_unknown="ignore")),
                        ]
                    ),
                    categorical,
                ),
            ]
        )
        return Pipeline([("prepare", prepare), ("model", LogisticRegression(C=1.0, max_iter=2000))])
    if name == "hist_gradient_boosting":
        prepare = ColumnTransformer(
            [
                ("numeric", _FloatsWithoutEmptyColumns(), numeric),
                (
                    "categorical",
                    OrdinalEncoder(
                        handle_unknown="use_encoded_value",
                        unknown_value=np.nan,
                        encoded_missing_value=np.nan,
                    ),
                    categorical,
                ),
            ]
        )
        booster = HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=150,
            max_leaf_nodes=8,
            min_samples_leaf=100,
            l2_regularization=1.0,
            categorical_features=list(range(len(numeric), len(numeric) + len(categorical))),
            early_stopping=False,
            random_state=0,
        )
        return Pipeline([("prepare", prepare), ("model", booster)])
    raise ValueError(f"unknown candidate {name!r}; choose one of {', '.join(CANDIDATES)}")


def fit(name: str, rows: pd.DataFrame) -> CalibratedClassifierCV:
    """``name``'s pipeline fitted on ``rows`` (features + label, customer_uid for the folds),
    its probabilities calibrated on held-out people."""
    y = rows["label"].to_numpy(dtype=np.int64)
    groups = rows["customer_uid"].to_numpy()
    positive_people = rows.loc[rows["label"] == 1, "customer_uid"].nunique()
    if positive_people < 2 or (y == 0).sum() < 2:
        raise ValueError(
            f"training rows hold {positive_people} converting people and {(y == 0).sum()} "
            "negative rows: too few to fit and calibrate a model (need at least 2 of each); "
            "wait for more history or raise horizon_days"
        )
    folds = StratifiedGroupKFold(n_splits=min(CALIBRATION_FOLDS, positive_people))
    splits = list(folds.split(rows, y, groups))
    model = CalibratedClassifierCV(candidate(name), method="sigmoid", cv=splits)
    model.fit(rows[list(features.FEATURES)], y)
    return model


def predict(model: CalibratedClassifierCV, rows: pd.DataFrame) -> np.ndarray:
    """Calibrated probability of the label for each row (one thread, see :func:`train`)."""
    if rows.empty:
        return np.zeros(0)
    with threadpool_limits(limits=1):
        return model.predict_proba(rows[list(features.FEATURES)])[:, 1]


def evaluate(y: np.ndarray, score: np.ndarray) -> dict[str, float | int | None]:
    """ROC AUC, PR AUC (average precision), Brier score and top-decile lift (positive rate
    among the highest-scored tenth over the overall rate); AUCs and lift are None when
    ``y`` has a single class."""
    y = np.asarray(y, dtype=np.int64)
    score = np.asarray(score, dtype=np.float64)
    positives = int(y.sum())
    out: dict[str, float | int | None] = {
        "rows": len(y),
        "positives": positives,
        "brier": float(brier_score_loss(y, score, labels=[0, 1])) if len(y) else None,
        "roc_auc": None,
        "pr_auc": None,
        "top_decile_lift": None,
    }
    if 0 < positives < len(y):
        top = np.argsort(-score, kind="stable")[: math.ceil(len(y) / 10)]
        out["roc_auc"] = float(roc_auc_score(y, score))
        out["pr_auc"] = float(average_precision_score(y, score))
        out["top_decile_lift"] = float(y[top].mean() / y.mean())
    return out


@dataclass
class Trained:
    """The outcome of :func:`train`: metrics per candidate and split, the chosen candidate
    refitted on every labelled row, and the version naming it."""

    chosen: str
    chosen_reason: str
    metrics: dict[str, dict[str, dict[str, float | int | None]]]
    model: CalibratedClassifierCV
    version: str
    horizon_days: int
    split: Split
    validation_positive_people: int


def _choose(metrics: dict[str, dict[str, dict[str, float | int | None]]]) -> tuple[str, str]:
    def key(name: str) -> tuple[float, float]:
        val = metrics[name]["validation"]
        return (val[SELECTION_METRIC] or 0.0, val["roc_auc"] or 0.0)

    if all(metrics[name]["validation"][SELECTION_METRIC] is None for name in CANDIDATES):
        return CANDIDATES[0], "validation has a single class: kept the baseline"
    best = max(CANDIDATES, key=key)  # max keeps the first (the baseline) on a tie
    return best, f"highest validation {SELECTION_METRIC} (roc_auc breaks ties)"


def data_fingerprint(rows: pd.DataFrame) -> str:
    """A hash of the training rows' content (keys, label, features), order-sensitive."""
    hashed = pd.util.hash_pandas_object(rows, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def code_fingerprint() -> str:
    """A hash of the modules that define the rows and the model: a change to either is a new
    model even on the same data."""
    digest = hashlib.sha256()
    for path in (Path(features.__file__), Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def model_version(rows: pd.DataFrame, params: dict[str, object]) -> str:
    """12 hex digits tied to the code, the training data and the training parameters."""
    digest = hashlib.sha256()
    digest.update(code_fingerprint().encode())
    digest.update(data_fingerprint(rows).encode())
    digest.update(json.dumps(params, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:12]


def train(rows: pd.DataFrame, split: Split, horizon_days: int) -> Trained:
    """Fit both candidates on the training snapshots, measure them on the validation
    snapshots, pick one and refit it on all of ``rows`` (every labelled snapshot).

    One thread: the data is small, and OpenMP/BLAS threads spinning against other work on a
    busy machine made the same fits 10-30x slower (1 s vs 27 s of CPU for the booster).
    """
    with threadpool_limits(limits=1):
        return _train(rows, split, horizon_days)


def _train(rows: pd.DataFrame, split: Split, horizon_days: int) -> Trained:
    train_rows = rows[rows["scored_at"].isin(pd.to_datetime(list(split.train)))]
    val_rows = rows[rows["scored_at"].isin(pd.to_datetime(list(split.validation)))]
    metrics: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for name in CANDIDATES:
        fitted = fit(name, train_rows)
        metrics[name] = {
            "train": evaluate(train_rows["label"].to_numpy(), predict(fitted, train_rows)),
            "validation": evaluate(val_rows["label"].to_numpy(), predict(fitted, val_rows)),
        }
    chosen, reason = _choose(metrics)
    val_positive_people = val_rows.loc[val_rows["label"] == 1, "customer_uid"].nunique()
    labelled = pd.concat([train_rows, val_rows], ignore_index=True)
    params = {"horizon_days": horizon_days, "train": split.train, "validation": split.validation}
    return Trained(
        chosen=chosen,
        chosen_reason=reason,
        metrics=metrics,
        model=fit(chosen, labelled),
        version=model_version(labelled, params),
        horizon_days=horizon_days,
        split=split,
        validation_positive_people=int(val_positive_people),
    )


def save(trained: Trained, models_dir: Path) -> Path:
    """Write ``<models_dir>/<version>/model.joblib`` (the fitted model with what scoring needs
    to know) and ``metrics.json``; returns the version's folder."""
    folder = models_dir / trained.version
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {
            "model": trained.model,
            "version": trained.version,
            "chosen": trained.chosen,
            "features": features.FEATURES,
            "horizon_days": trained.horizon_days,
        },
        folder / "model.joblib",
    )
    (folder / "metrics.json").write_text(
        json.dumps(
            {
                "version": trained.version,
                "chosen": trained.chosen,
                "chosen_reason": trained.chosen_reason,
                "horizon_days": trained.horizon_days,
                "train_snapshots": [t.isoformat() for t in trained.split.train],
                "validation_snapshots": [t.isoformat() for t in trained.split.validation],
                "metrics": trained.metrics,
            },
            indent=2,
        )
    )
    return folder


def load(folder: Path) -> dict[str, object]:
    """The saved bundle of :func:`save` (keys model, version, chosen, features,
    horizon_days); fails naming the folder when it holds no model or other features."""
    path = folder / "model.joblib"
    if not path.exists():
        raise FileNotFoundError(f"no lead-scoring model at {path}; materialize the model first")
    bundle = joblib.load(path)
    if tuple(bundle["features"]) != features.FEATURES:
        raise ValueError(
            f"the model at {path} was trained on other features; retrain it with this code"
        )
    return bundle
