"""Lead scoring as Dagster assets: the trained model (with its validation gate) and the scores.

- ``analytics/lead_scoring_model`` builds point-in-time rows for weekly snapshots up to the
  as-of day, trains and compares the candidates (:mod:`.model`), saves the chosen one under
  ``$ROUNDTRIP_HOME/models/lead_scoring/<version>/`` and records every candidate's metrics in
  ``analytics.lead_scoring_model`` (one row per version, candidate and split; history kept).
  Its blocking check fails when the chosen model's validation ROC AUC is below the threshold,
  so scores from a worse model are never written in the same run.
- ``analytics/lead_scores`` scores everyone identified and not yet paying at the end of the
  as-of day with the latest model that did not fail its check.

The as-of day is the warehouse's "today" (``int_calendar__days``), not the wall clock, so a
warehouse loaded yesterday scores yesterday.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from platform_assets.analytics.lead_scoring import features, model
from platform_assets.settings import Settings, load_settings
from platform_assets.warehouse import DUCKDB_POOL, connect

GROUP = "analytics_lead_scoring"
OWNERS = ["team:data-platform"]
KINDS = {"python", "scikit-learn", "duckdb"}
MODEL_KEY = dg.AssetKey(["analytics", "lead_scoring_model"])
SCORES_KEY = dg.AssetKey(["analytics", "lead_scores"])
CHECK_NAME = "validation_auc_above_threshold"

_SOURCE_DEPS = [
    dg.AssetKey([schema, table])
    for schema, table in (*features.SOURCE_TABLES, ("intermediate", "int_calendar__days"))
]


class LeadScoringConfig(dg.Config):
    """How the model is trained and judged."""

    horizon_days: int = 30
    """The label: a first paid invoice within this many days after the scoring time."""
    snapshot_every_days: int = 7
    validation_snapshots: int = 4
    """The latest snapshots (label window fully elapsed) held out for validation."""
    warmup_days: int = 28
    """No snapshot earlier than this many days after the first day with data."""
    min_validation_auc: float = 0.7
    """The check fails (ERROR) when the chosen model's validation ROC AUC is below this."""
    min_validation_converters: int = 10
    """Below this many converting people in validation, AUC is too noisy to judge: the check
    warns (WARN) instead of passing or failing."""


def models_dir(settings: Settings) -> Path:
    """Where fitted lead-scoring models are saved, one folder per version."""
    return settings.home / "models" / "lead_scoring"


def as_of_bounds(con: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime]:
    """(first day with data, end of the as-of day) from the calendar dbt builds."""
    [row] = con.execute(
        "select min(date_day), max(date_day) from intermediate.int_calendar__days"
    ).fetchall()
    if row[0] is None:
        raise ValueError("intermediate.int_calendar__days is empty: build the dbt models first")
    first, last = (datetime.combine(day, datetime.min.time()) for day in row)
    return first, last + timedelta(days=1)


def _metrics_table(trained: model.Trained, path: Path, check: str) -> pd.DataFrame:
    rows = []
    trained_at = datetime.now(UTC).replace(tzinfo=None)
    for name, by_split in trained.metrics.items():
        for split_name, m in by_split.items():
            rows.append(
                {
                    "model_version": trained.version,
                    "candidate": name,
                    "split": split_name,
                    "is_chosen": name == trained.chosen,
                    "rows": m["rows"],
                    "positives": m["positives"],
                    "roc_auc": m["roc_auc"],
                    "pr_auc": m["pr_auc"],
                    "brier": m["brier"],
                    "top_decile_lift": m["top_decile_lift"],
                    "horizon_days": trained.horizon_days,
                    "first_train_snapshot": trained.split.train[0],
                    "last_train_snapshot": trained.split.train[-1],
                    "first_validation_snapshot": trained.split.validation[0],
                    "last_validation_snapshot": trained.split.validation[-1],
                    "validation_check": check,
                    "artifact_path": str(path / "model.joblib"),
                    "trained_at": trained_at,
                }
            )
    return pd.DataFrame(rows)


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _markdown(trained: model.Trained) -> str:
    lines = [
        "| candidate | split | rows | positives | ROC AUC | PR AUC | Brier | top-decile lift |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, by_split in trained.metrics.items():
        label = f"**{name}** (chosen)" if name == trained.chosen else name
        for split_name, m in by_split.items():
            cells = [m[k] for k in ("rows", "positives", "roc_auc", "pr_auc", "brier")]
            cells.append(m["top_decile_lift"])
            lines.append(f"| {label} | {split_name} | " + " | ".join(map(_fmt, cells)) + " |")
    return "\n".join(lines)


def validation_check(
    trained: model.Trained, min_auc: float, min_converters: int
) -> dg.AssetCheckResult:
    """The gate: ERROR-fail below ``min_auc``; WARN, never a silent pass, when validation has
    too few converting people for an AUC to mean anything."""
    auc = trained.metrics[trained.chosen]["validation"]["roc_auc"]
    converters = trained.validation_positive_people
    metadata = {
        "validation_roc_auc": auc if auc is not None else "n/a",
        "threshold": min_auc,
        "validation_converting_people": converters,
        "min_validation_converting_people": min_converters,
        "model": trained.chosen,
        "model_version": trained.version,
    }
    if auc is None or converters < min_converters:
        return dg.AssetCheckResult(
            check_name=CHECK_NAME,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"Not measurable: the validation snapshots hold {converters} converting "
                f"people (fewer than {min_converters}), too few for a ROC AUC to judge the "
                "model. Scores are still written, but their quality is unknown; this is not "
                "a pass (expected at scale tiny)."
            ),
            metadata=metadata,
        )
    passed = auc >= min_auc
    return dg.AssetCheckResult(
        check_name=CHECK_NAME,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"Validation ROC AUC {auc:.4f} {'≥' if passed else '<'} {min_auc} ({trained.chosen},"
            f" {converters} converting people in validation)."
        ),
        metadata=metadata,
    )


@dg.asset(
    key=MODEL_KEY,
    deps=_SOURCE_DEPS,
    group_name=GROUP,
    owners=OWNERS,
    kinds=KINDS,
    pool=DUCKDB_POOL,
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=MODEL_KEY,
            blocking=True,
            description=(
                "The chosen model's ROC AUC on the validation snapshots is at least "
                "min_validation_auc; WARN when validation has too few converting people to "
                "measure it."
            ),
        )
    ],
    description=(
        "Lead-scoring model: P(first paid invoice within horizon_days) for identified people "
        "not yet paying. Point-in-time features from weekly snapshots, time-based "
        "train/validation split, calibrated logistic regression vs gradient boosting (chosen by "
        "validation PR AUC), saved under $ROUNDTRIP_HOME/models/lead_scoring/<version>/; "
        "metrics per candidate and split in analytics.lead_scoring_model."
    ),
)
def lead_scoring_model(
    context: dg.AssetExecutionContext, config: LeadScoringConfig
) -> dg.MaterializeResult:
    settings = load_settings()
    with connect(settings) as con:
        first_day, as_of_end = as_of_bounds(con)
        split = model.snapshot_split(
            first_day,
            as_of_end,
            config.horizon_days,
            config.snapshot_every_days,
            config.validation_snapshots,
            config.warmup_days,
        )
        rows = features.build_rows(con, [*split.train, *split.validation], config.horizon_days)
    snapshots = len(split.train) + len(split.validation)
    context.log.info(f"{len(rows)} labelled rows from {snapshots} snapshots")
    trained = model.train(rows, split, config.horizon_days)
    folder = model.save(trained, models_dir(settings))
    check = validation_check(trained, config.min_validation_auc, config.min_validation_converters)
    outcome = (
        "not_measurable"
        if check.severity == dg.AssetCheckSeverity.WARN
        else ("passed" if check.passed else "failed")
    )
    table = _metrics_table(trained, folder, outcome)
    with connect(settings) as con:
        con.execute("create schema if not exists analytics")
        con.register("_metrics", table)
        con.execute(
            "create table if not exists analytics.lead_scoring_model as "
            "select * from _metrics limit 0"
        )
        con.execute(
            "delete from analytics.lead_scoring_model where model_version = ?", [trained.version]
        )
        con.execute("insert into analytics.lead_scoring_model by name select * from _metrics")
    chosen = trained.metrics[trained.chosen]["validation"]
    metadata: dict[str, object] = {
        "model_version": trained.version,
        "chosen_model": trained.chosen,
        "chosen_by": trained.chosen_reason,
        "model_path": dg.MetadataValue.path(str(folder / "model.joblib")),
        "metrics": dg.MetadataValue.md(_markdown(trained)),
        "horizon_days": config.horizon_days,
        "as_of_end": as_of_end.isoformat(),
        "train_snapshots": f"{split.train[0]:%Y-%m-%d} … {split.train[-1]:%Y-%m-%d} "
        f"({len(split.train)})",
        "validation_snapshots": f"{split.validation[0]:%Y-%m-%d} … "
        f"{split.validation[-1]:%Y-%m-%d} ({len(split.validation)})",
        "validation_converting_people": trained.validation_positive_people,
    }
    for name, by_split in trained.metrics.items():
        for metric in ("roc_auc", "pr_auc", "brier", "top_decile_lift"):
            value = by_split["validation"][metric]
            if value is not None:
                metadata[f"{name}/validation_{metric}"] = value
    for metric in ("roc_auc", "pr_auc", "brier", "top_decile_lift"):
        if chosen[metric] is not None:
            metadata[f"validation_{metric}"] = chosen[metric]
    return dg.MaterializeResult(metadata=metadata, check_results=[check])


@dg.asset(
    key=SCORES_KEY,
    deps=[MODEL_KEY, dg.AssetKey(["intermediate", "int_customers__identifiers"]), *_SOURCE_DEPS],
    group_name=GROUP,
    owners=OWNERS,
    kinds=KINDS,
    pool=DUCKDB_POOL,
    description=(
        "Lead scores: one row per person identified and not yet paying at the end of the as-of "
        "day (customer_uid, hubspot_contact_id, score = calibrated P(first paid invoice within "
        "the model's horizon), decile 1 = the highest tenth, model_version, scored_at = the "
        "point in time the features are taken at)."
    ),
)
def lead_scores(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    with connect(settings) as con:
        latest = con.execute(
            """
            select model_version, artifact_path
            from analytics.lead_scoring_model
            where is_chosen and split = 'validation' and validation_check != 'failed'
            order by trained_at desc
            limit 1
            """
        ).fetchall()
        if not latest:
            raise ValueError(
                "analytics.lead_scoring_model has no model that passed its check: "
                "materialize analytics/lead_scoring_model first"
            )
        bundle = model.load(Path(latest[0][1]).parent)
        _, as_of_end = as_of_bounds(con)
        rows = features.build_rows(con, [as_of_end])
        scores = rows[["customer_uid", "scored_at"]].assign(
            score=model.predict(bundle["model"], rows), model_version=bundle["version"]
        )
        con.register("_scores", scores)
        con.execute("create schema if not exists analytics")
        con.execute(
            """
            create or replace table analytics.lead_scores as
            select
                s.customer_uid,
                ids.hubspot_contact_id,
                s.score,
                ntile(10) over (order by s.score desc, s.customer_uid) as decile,
                s.model_version,
                s.scored_at,
            from _scores as s
            left join intermediate.int_customers__identifiers as ids using (customer_uid)
            order by s.score desc, s.customer_uid
            """
        )
        by_decile = con.execute(
            """
            select decile, count(*), avg(score), min(score), max(score)
            from analytics.lead_scores group by decile order by decile
            """
        ).fetchall()
    table = ["| decile | people | mean score | min | max |", "|---:|---:|---:|---:|---:|"]
    table += [f"| {d} | {n} | {m:.4f} | {lo:.4f} | {hi:.4f} |" for d, n, m, lo, hi in by_decile]
    context.log.info(f"scored {len(scores)} people with model {bundle['version']}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(scores),
            "model_version": bundle["version"],
            "scored_at": as_of_end.isoformat(),
            "expected_converters": float(scores["score"].sum()),
            "by_decile": dg.MetadataValue.md("\n".join(table)),
        }
    )
