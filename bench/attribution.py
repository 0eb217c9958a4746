"""``roundtrip bench attribution``: roundtrip's ``attribute()`` against ChannelAttribution,
marketing-attribution-models (MAM) and mta on the same generated journeys.

For every size, the journeys are generated once (``attribution_data``, seeded) and written to a
parquet file; every (library, model) then runs in a fresh process (``attribution_runners``) with
a time limit, so its seconds and peak RSS are its own. When all runs of a size are done, one JSON
line per run is printed (``status`` "ok", "timeout", "error" or "skipped" when a library is
not installed):

    {"bench": "attribution", "users", "library", "model", "config", "status", "seconds",
     "peak_rss_mb", "base_rss_mb", "extra_rss_mb", "ratio", "rss_ratio", "extra_rss_ratio", ...}

``peak_rss_mb`` is the process's peak while the library worked, its input table and imported
modules included; ``base_rss_mb`` the RSS just before (interpreter, libraries, input) and
``extra_rss_mb`` the difference, the memory the attribution itself took. ``ratio`` is the run's
seconds ÷ roundtrip's for the same model, ``rss_ratio`` and ``extra_rss_ratio`` the same for the
peak and the extra memory (above 1, roundtrip is faster / smaller). Markov rows carry their
distance to ChannelAttribution at tight convergence (``conv_par=0.01, nsim_start=1e6``; the
reference, as the issue asks) for the same order: ``max_abs_diff`` (conversions),
``max_rel_diff_pct`` (of the channel's reference credit) and ``l1_pct`` (Σ|difference| as % of
total conversions). Shapley rows carry the same figures against mta's exact Shapley
(``vs: "mta"``). A ``dataset`` line describes each size, and ``target`` lines at the end check
the issue's targets at the largest size.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bench.attribution_data import generate_touchpoints, path_table
from bench.attribution_runners import IMPORTS

Emit = Callable[[dict[str, Any]], None]
Progress = Callable[[str], None]

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_TIMEOUT_S = 1800.0
INSTALL = "scripts/uv sync --frozen --group bench"
RULE_BASED = ("first_touch", "last_touch", "linear", "position_based", "time_decay")
MODELS = ("markov_o1", "markov_o2", "markov_o3", "shapley", *RULE_BASED)


@dataclass(frozen=True)
class Run:
    """One library computing one model: what to start and how to label its line."""

    library: str
    model: str
    config: str
    runner: str
    params: dict[str, Any] = field(default_factory=dict)


def runs_for(models: Iterable[str], rivals: bool) -> list[Run]:
    """roundtrip's runs first, then the rivals' for the same models (only those that have the
    model: MAM's Markov is first order only)."""
    chosen = set(models)
    runs = [
        Run("roundtrip", model, "exact", "roundtrip", _roundtrip_params(model))
        for model in MODELS
        if model in chosen
    ]
    if not rivals:
        return runs
    for order in (1, 2, 3):
        model = f"markov_o{order}"
        if model in chosen:
            for config in ("default", "tight"):
                runs.append(
                    Run(
                        "channelattribution",
                        model,
                        config,
                        "channelattribution",
                        {"order": order, "tight": config == "tight"},
                    )
                )
    if "markov_o1" in chosen:
        runs.append(Run("mam", "markov_o1", "default", "mam_markov"))
    if "shapley" in chosen:
        runs.append(Run("mam", "shapley", "max_size=all", "mam_shapley", {"max_size": None}))
        runs.append(Run("mam", "shapley", "max_size=4", "mam_shapley", {"max_size": 4}))
        runs.append(Run("mta", "shapley", "exact", "mta_shapley"))
    return runs


def _roundtrip_params(model: str) -> dict[str, Any]:
    if model.startswith("markov_o"):
        return {"model": "markov", "order": int(model.removeprefix("markov_o"))}
    return {"model": model}


def select_models(names: Iterable[str]) -> list[str]:
    """Model names from the command line: exact names, or ``markov`` for orders 1–3 and
    ``rule_based`` for the five rule-based models. Raises ValueError naming an unknown one."""
    selected: list[str] = []
    for name in names:
        if name == "markov":
            expanded = [m for m in MODELS if m.startswith("markov_o")]
        elif name == "rule_based":
            expanded = list(RULE_BASED)
        elif name in MODELS:
            expanded = [name]
        else:
            choices = ", ".join(("markov", "rule_based", *MODELS))
            raise ValueError(f"unknown model {name!r}; choose from {choices}")
        selected += [m for m in expanded if m not in selected]
    return selected


def run_attribution_bench(
    sizes: Iterable[int] = DEFAULT_SIZES,
    models: Iterable[str] = MODELS,
    rivals: bool = True,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    seed: int = 42,
    emit: Emit = lambda row: print(json.dumps(row)),
    progress: Progress = lambda _: None,
) -> None:
    """Print the dataset line and one line per run for every size, then the target lines."""
    sizes = list(sizes)
    if not sizes or min(sizes) < 1:
        raise ValueError(f"sizes must be positive numbers of users, got {sizes}")
    runs = runs_for(models, rivals)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="roundtrip-bench-attribution-") as tmp:
        for users in sizes:
            data = Path(tmp) / f"touchpoints_{users}.parquet"
            progress(f"generating {users:,} journeys (seed {seed})")
            dataset = write_dataset(users, seed, data)
            emit(dataset)
            results = []
            for run in runs:
                label = f"{users:,} users: {run.library} {run.model} ({run.config})"
                progress(label)
                result = execute(run, data, Path(tmp), timeout_s)
                seconds = f" in {result['seconds']:.1f}s" if "seconds" in result else ""
                progress(f"{label}: {result['status']}{seconds}")
                results.append((run, result))
            for row in compare(users, dataset["conversions"], results):
                emit(row)
                rows.append(row)
            data.unlink()
    for row in targets(rows):
        emit(row)


def write_dataset(users: int, seed: int, path: Path) -> dict[str, Any]:
    """Generate the journeys, save them for the runs, describe them."""
    started = time.perf_counter()
    touchpoints = generate_touchpoints(users, seed)
    seconds = time.perf_counter() - started
    touchpoints.to_parquet(path)
    journeys = touchpoints.drop_duplicates("user_id")
    converted = journeys.conversion_time.notna()
    return {
        "bench": "attribution",
        "users": users,
        "dataset": "generated",
        "seed": seed,
        "touches": len(touchpoints),
        "channels": int(touchpoints.channel.nunique()),
        "max_path_length": int(touchpoints.groupby("user_id").size().max()),
        "distinct_paths": len(path_table(touchpoints)),
        "conversions": int(converted.sum()),
        "conversion_rate": round(float(converted.mean()), 4),
        "revenue": round(float(journeys.revenue.sum()), 2),
        "generate_seconds": round(seconds, 2),
    }


def execute(run: Run, data: Path, scratch: Path, timeout_s: float) -> dict[str, Any]:
    """Run in a fresh interpreter; ``{"status": "ok", ...figures}``, or a timeout or error."""
    library = IMPORTS[run.runner][0].split(".")[0]
    if importlib.util.find_spec(library) is None:
        return {"status": "skipped", "reason": f"{library} is not installed ({INSTALL})"}
    spec = scratch / "spec.json"
    output = scratch / "result.json"
    output.unlink(missing_ok=True)
    spec.write_text(
        json.dumps(
            {"runner": run.runner, "params": run.params, "input": str(data), "output": str(output)}
        )
    )
    command = [sys.executable, "-m", "bench.attribution_runners", str(spec)]
    started = time.perf_counter()
    try:
        finished = subprocess.run(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout_s,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "timeout_s": timeout_s}
    if finished.returncode != 0 or not output.exists():
        lines = finished.stderr.strip().splitlines() or [f"exit code {finished.returncode}"]
        return {
            "status": "error",
            "error": lines[-1][:300],
            "wall_s": time.perf_counter() - started,
        }
    return {"status": "ok", **json.loads(output.read_text())}


def compare(
    users: int, conversions: int, results: list[tuple[Run, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """One output line per run: figures, ratios against roundtrip, distance to the reference."""
    ok = {(run.library, run.model, run.config): result for run, result in results}
    rows = []
    for run, result in results:
        row: dict[str, Any] = {
            "bench": "attribution",
            "users": users,
            "library": run.library,
            "model": run.model,
            "config": run.config,
            "status": result["status"],
        }
        if result["status"] != "ok":
            rows.append({**row, **{k: v for k, v in result.items() if k != "status"}})
            continue
        row |= {
            "seconds": round(result["seconds"], 3),
            "peak_rss_mb": round(result["peak_rss_mb"], 1),
            "base_rss_mb": round(result["base_rss_mb"], 1),
            "extra_rss_mb": round(result["peak_rss_mb"] - result["base_rss_mb"], 1),
        }
        if result["peak_measured_from_start"]:
            row["peak_includes_loading"] = True
        ours = ok.get(("roundtrip", run.model, "exact"), {})
        if run.library != "roundtrip" and ours.get("status") == "ok":
            row["ratio"] = round(result["seconds"] / ours["seconds"], 2)
            row["rss_ratio"] = round(result["peak_rss_mb"] / ours["peak_rss_mb"], 2)
            ours_extra = ours["peak_rss_mb"] - ours["base_rss_mb"]
            if ours_extra > 0:
                row["extra_rss_ratio"] = round(row["extra_rss_mb"] / ours_extra, 2)
        reference = _reference(run, ok)
        if reference is not None:
            row |= distance(result["credits"], reference[1]["credits"], conversions)
            row["vs"] = reference[0]
        rows.append(row)
    return rows


def _reference(run: Run, ok: dict) -> tuple[str, dict[str, Any]] | None:
    """The result a run is measured against: ChannelAttribution at tight convergence for Markov,
    mta's exact Shapley for Shapley; None for the reference itself or when it did not finish."""
    if run.model.startswith("markov_o"):
        key, label = ("channelattribution", run.model, "tight"), "channelattribution_tight"
    elif run.model == "shapley":
        key, label = ("mta", "shapley", "exact"), "mta"
    else:
        return None
    found = ok.get(key)
    if (run.library, run.model, run.config) == key or not found or found["status"] != "ok":
        return None
    return label, found


def distance(
    credits: dict[str, list[float]], reference: dict[str, list[float]], conversions: int
) -> dict[str, float]:
    """Per-channel conversion credit against the reference (a channel missing on one side
    counts as 0 there)."""
    channels = sorted(set(credits) | set(reference))
    ours = pd.Series({c: credits.get(c, [0.0])[0] for c in channels})
    theirs = pd.Series({c: reference.get(c, [0.0])[0] for c in channels})
    difference = (ours - theirs).abs()
    relative = difference / theirs.abs().where(theirs.abs() > 0)
    return {
        "max_abs_diff": round(float(difference.max()), 3),
        "max_rel_diff_pct": round(float(relative.max() * 100), 2),
        "l1_pct": round(float(difference.sum() / conversions * 100), 3),
    }


# The targets: (what, figure, sense, threshold, the row that carries the figure). Memory
# is checked on the peak (the words) and on the extra memory the run took, since the
# peak of both sides also holds the same input table.
_MAM_ALL, _MAM_4 = ("mam", "shapley", "max_size=all"), ("mam", "shapley", "max_size=4")
TARGETS: list[tuple[str, str, str, float, tuple[str, str, str]]] = [
    *(
        (f"markov_o{k} speed vs ChannelAttribution (default convergence)", "ratio", ">=", 2.0,
         ("channelattribution", f"markov_o{k}", "default"))
        for k in (1, 2, 3)
    ),
    *(
        (f"markov_o{k} L1 vs ChannelAttribution (tight), % of conversions", "l1_pct", "<=", 1.5,
         ("roundtrip", f"markov_o{k}", "exact"))
        for k in (1, 2, 3)
    ),
    ("shapley speed vs MAM (max_size=all)", "ratio", ">=", 5.0, _MAM_ALL),
    ("shapley speed vs MAM (max_size=4, its default)", "ratio", ">=", 5.0, _MAM_4),
    ("shapley speed vs mta exact Shapley", "ratio", ">=", 20.0, ("mta", "shapley", "exact")),
    ("shapley peak RSS vs MAM (max_size=all)", "rss_ratio", ">=", 2.0, _MAM_ALL),
    ("shapley peak RSS vs MAM (max_size=4)", "rss_ratio", ">=", 2.0, _MAM_4),
    ("shapley extra RSS vs MAM (max_size=all)", "extra_rss_ratio", ">=", 2.0, _MAM_ALL),
    ("shapley extra RSS vs MAM (max_size=4)", "extra_rss_ratio", ">=", 2.0, _MAM_4),
]  # fmt: skip


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, checked at the largest size that has the figures."""
    found = {
        (row["library"], row["model"], row["config"], row["users"]): row
        for row in rows
        if row["status"] == "ok"
    }
    if not found:
        return []
    users = max(key[3] for key in found)
    lines = []
    for name, figure, sense, threshold, key in TARGETS:
        row = found.get((*key, users))
        if row is None or figure not in row:
            continue
        value = row[figure]
        lines.append(
            {
                "bench": "attribution",
                "users": users,
                "target": name,
                "figure": figure,
                "value": value,
                "threshold": f"{sense} {threshold:g}",
                "met": value >= threshold if sense == ">=" else value <= threshold,
            }
        )
    return lines
