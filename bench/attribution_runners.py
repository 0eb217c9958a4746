"""One attribution run, in its own process: load the touchpoints, time one library's model from
the touchpoints table to per-channel credits, write the figures to a JSON file.

``python -m bench.attribution_runners SPEC.json`` is what ``bench/attribution.py`` starts for every
(library, model, size), so each run's peak RSS is its own: Linux's high-water mark (VmHWM) is reset
after the input is loaded (``/proc/self/clear_refs``), then read when the run ends, so the figure
is the peak while that library worked, input table included. Libraries are imported before the
clock starts (an import is not attribution work); anything they print goes to the worker's stdout,
which the parent discards.

Each runner gets the library its most favourable documented configuration: the conversion to the
rivals' path table is a DuckDB query (``attribution_data.path_table``); ChannelAttribution runs its
compiled Markov simulation with the banner off; MAM reads the grouped-paths format (one row per
distinct path, its cheapest input); mta skips its synthetic exposure times and loop removal,
which its Shapley value does not use.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from bench.attribution_data import PATH_SEPARATOR, path_table

Credits = pd.DataFrame
"""``channel, conversions, revenue`` (revenue NaN where a library does not compute it)."""

CA_DEFAULT = {"conv_par": 0.05, "nsim_start": 1e5}
CA_TIGHT = {"conv_par": 0.01, "nsim_start": 1e6}


def run_roundtrip(touchpoints: pd.DataFrame, model: str, **params: Any) -> Credits:
    from platform_assets.analytics.attribution import attribute

    return attribute(touchpoints, model, **params)[["channel", "conversions", "revenue"]]


def run_channelattribution(touchpoints: pd.DataFrame, order: int, tight: bool) -> Credits:
    from ChannelAttribution import markov_model

    result = markov_model(
        path_table(touchpoints),
        "path",
        "total_conversions",
        var_value="total_conversion_value",
        var_null="total_null",
        order=order,
        sep=PATH_SEPARATOR,
        verbose=False,
        flg_pro=False,
        **(CA_TIGHT if tight else CA_DEFAULT),
    )
    return result.rename(
        columns={
            "channel_name": "channel",
            "total_conversions": "conversions",
            "total_conversion_value": "revenue",
        }
    )


def _mam(touchpoints: pd.DataFrame) -> Any:
    """MAM's grouped-journey input: one row per (path, converted) with its number of journeys.
    Without a value column MAM's credits are conversions (it credits one value per run)."""
    from mam import MAM

    paths = path_table(touchpoints)
    grouped = pd.concat(
        [
            paths.loc[paths.total_conversions > 0, ["path", "total_conversions"]]
            .rename(columns={"total_conversions": "occurrences"})
            .assign(converted=True),
            paths.loc[paths.total_null > 0, ["path", "total_null"]]
            .rename(columns={"total_null": "occurrences"})
            .assign(converted=False),
        ],
        ignore_index=True,
    )
    return MAM(
        grouped,
        format_type="grouped_journey",
        channels_colname="path",
        journey_with_conv_colname="converted",
        occurrences_colname="occurrences",
        path_separator=PATH_SEPARATOR,
    )


def _mam_credits(result: Any) -> Credits:
    frame = result.to_pandas().rename(columns={"channels": "channel", "attribution": "conversions"})
    return frame.assign(revenue=float("nan"))


def run_mam_markov(touchpoints: pd.DataFrame) -> Credits:
    return _mam_credits(_mam(touchpoints).run_markov())


def run_mam_shapley(touchpoints: pd.DataFrame, max_size: int | None) -> Credits:
    return _mam_credits(_mam(touchpoints).run_shapley(max_size=max_size))


def run_mta_shapley(touchpoints: pd.DataFrame) -> Credits:
    from mta import MTA

    paths = path_table(touchpoints)[["path", "total_conversions", "total_null"]]
    model = MTA(data=paths, allow_loops=True, add_timepoints=False, sep=PATH_SEPARATOR)
    values = model.shapley(normalize=False).attribution["shapley"]
    return pd.DataFrame(
        {"channel": list(values), "conversions": list(values.values()), "revenue": float("nan")}
    )


RUNNERS: dict[str, Callable[..., Credits]] = {
    "roundtrip": run_roundtrip,
    "channelattribution": run_channelattribution,
    "mam_markov": run_mam_markov,
    "mam_shapley": run_mam_shapley,
    "mta_shapley": run_mta_shapley,
}
IMPORTS: dict[str, tuple[str, ...]] = {
    # Imported before the clock starts; roundtrip's model modules load lazily otherwise.
    "roundtrip": tuple(
        f"platform_assets.analytics.attribution.{module}"
        for module in ("api", "rule_based", "markov", "shapley")
    ),
    "channelattribution": ("ChannelAttribution",),
    "mam_markov": ("mam",),
    "mam_shapley": ("mam",),
    "mta_shapley": ("mta",),
}


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so it measures from now on; False if the
    kernel does not allow it (the figure then includes loading the input)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _status_mb(field: str) -> float:
    """A memory figure of this process from Linux's ``/proc/self/status`` (kB there), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Time ``spec["runner"]`` with ``spec["params"]`` over the parquet at ``spec["input"]``."""
    for module in IMPORTS[spec["runner"]]:
        importlib.import_module(module)
    touchpoints = pd.read_parquet(spec["input"])
    base_rss_mb = _status_mb("VmRSS")
    peak_reset = _reset_peak_rss()
    started = time.perf_counter()
    credits = RUNNERS[spec["runner"]](touchpoints, **spec["params"])
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_rss_mb": _status_mb("VmHWM"),
        "base_rss_mb": base_rss_mb,
        "peak_measured_from_start": not peak_reset,
        "credits": {
            str(row.channel): [float(row.conversions), float(row.revenue)]
            for row in credits.itertuples(index=False)
        },
    }


def main() -> None:
    spec_path = Path(sys.argv[1])
    spec = json.loads(spec_path.read_text())
    Path(spec["output"]).write_text(json.dumps(run(spec)))


if __name__ == "__main__":
    main()
