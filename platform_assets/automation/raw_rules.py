"""The rules the raw-table checks apply, as plain functions over numbers and column lists.

Kept free of Dagster and DuckDB so each rule can be read and tested on its own;
:mod:`platform_assets.automation.raw_checks` feeds them the warehouse and the check history.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

ROW_COUNT_WINDOW = 20
"""Growths judged against: the most recent ones, so a table's pace may change over time."""
ROW_COUNT_MIN_GROWTHS = 5
"""Growths (count differences between consecutive evaluations) needed before a jump is judged."""
ROW_COUNT_K = 5.0
"""How many robust deviations from the median growth a growth may stray."""
ROW_COUNT_MIN_SPREAD_ROWS = 10
ROW_COUNT_MIN_SPREAD_SHARE = 0.01
"""The spread never drops below 10 rows or 1% of the table: a table that grew by exactly the same
amount every time (MAD 0) must not fail on one extra row."""


@dataclass(frozen=True)
class Verdict:
    passed: bool
    description: str


def row_count_verdict(history: Sequence[int], count: int) -> Verdict:
    """Judge a raw table's row count against the counts of its previous evaluations (oldest
    first). A raw table only grows, so any drop fails. Once there are
    :data:`ROW_COUNT_MIN_GROWTHS` growths, the growth since the last count must lie within
    ``median ± k · spread`` of the past growths, with spread = 1.4826 · MAD (the standard
    deviation for normal data, robust to outliers) floored at 10 rows or 1% of the table."""
    if not history:
        return Verdict(True, f"{count} rows; first count recorded")
    previous = history[-1]
    if count < previous:
        return Verdict(False, f"shrank from {previous} to {count} rows (a raw table only grows)")
    growths = [after - before for before, after in zip(history, history[1:], strict=False)]
    growths = growths[-ROW_COUNT_WINDOW:]
    growth = count - previous
    if len(growths) < ROW_COUNT_MIN_GROWTHS:
        return Verdict(True, f"grew by {growth} to {count} rows; too little history to judge")
    median = statistics.median(growths)
    mad = statistics.median(abs(g - median) for g in growths)
    spread = max(1.4826 * mad, ROW_COUNT_MIN_SPREAD_ROWS, ROW_COUNT_MIN_SPREAD_SHARE * previous)
    low, high = median - ROW_COUNT_K * spread, median + ROW_COUNT_K * spread
    within = low <= growth <= high
    return Verdict(
        within,
        f"grew by {growth} to {count} rows; expected {max(low, 0):.0f} to {high:.0f} "
        f"(median growth {median:g} over the last {len(growths)} counts)",
    )


def schema_verdict(previous: Mapping[str, str] | None, current: Mapping[str, str]) -> Verdict:
    """Judge a raw table's columns (name → type) against the last recorded ones: a removed or
    retyped column fails (staging reads it); an added one passes with a note (EL tools add
    columns as sources grow them)."""
    if previous is None:
        return Verdict(True, f"{len(current)} columns; first schema recorded")
    removed = sorted(set(previous) - set(current))
    retyped = sorted(
        f"{name} {previous[name]} → {current[name]}"
        for name in set(previous) & set(current)
        if previous[name] != current[name]
    )
    added = sorted(set(current) - set(previous))
    changes = [
        f"{what}: {', '.join(names)}"
        for what, names in (("removed", removed), ("retyped", retyped), ("added", added))
        if names
    ]
    if removed or retyped:
        return Verdict(False, "; ".join(changes))
    return Verdict(True, f"{len(current)} columns; {'; '.join(changes) or 'unchanged'}")


@dataclass(frozen=True)
class SourceFreshness:
    """A dbt source's ``loaded_at_field`` and ``freshness`` thresholds."""

    loaded_at_field: str
    warn_after: timedelta | None
    error_after: timedelta | None


_PERIODS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def dbt_threshold(rule: Mapping[str, object] | None) -> timedelta | None:
    """``{count: 2, period: day}`` → 2 days; None when dbt's rule is unset."""
    if not rule or rule.get("count") is None or rule.get("period") is None:
        return None
    return int(rule["count"]) * _PERIODS[str(rule["period"])]  # type: ignore[call-overload]


def source_freshness_rules(
    manifest: Mapping[str, object],
) -> dict[tuple[str, str], SourceFreshness]:
    """(source, table) → its freshness rule, for every dbt source table with a
    ``loaded_at_field`` and at least one threshold (dbt's own ``source freshness`` skips the
    others too)."""
    rules = {}
    for source in manifest["sources"].values():  # type: ignore[attr-defined]
        freshness = source.get("freshness") or {}
        rule = SourceFreshness(
            loaded_at_field=source.get("loaded_at_field") or "",
            warn_after=dbt_threshold(freshness.get("warn_after")),
            error_after=dbt_threshold(freshness.get("error_after")),
        )
        if rule.loaded_at_field and (rule.warn_after or rule.error_after):
            rules[(source["source_name"], source["name"])] = rule
    return rules


@dataclass(frozen=True)
class FreshnessVerdict(Verdict):
    error: bool
    """True past ``error_after`` (an ERROR), False within it (passed, or a WARN)."""


def freshness_verdict(age: timedelta | None, rule: SourceFreshness) -> FreshnessVerdict:
    """dbt's rule on the newest row's age: past ``error_after`` is an error, past ``warn_after``
    a warning, else fresh. A table without rows has no age to judge and passes with a note (its
    pipeline's own freshness policy catches a load that stopped)."""
    if age is None:
        return FreshnessVerdict(True, "no loaded rows to judge", error=False)
    hours = f"newest row loaded {age.total_seconds() / 3600:.1f} h ago"
    if rule.error_after is not None and age >= rule.error_after:
        return FreshnessVerdict(False, f"{hours}; error after {rule.error_after}", error=True)
    if rule.warn_after is not None and age >= rule.warn_after:
        return FreshnessVerdict(False, f"{hours}; warn after {rule.warn_after}", error=False)
    return FreshnessVerdict(True, hours, error=False)
