"""How fresh each reported table is, from the Dagster instance: its asset's last materialization
and, where the asset has a freshness policy, the policy and its state.

The state is the one the UI shows (the freshness daemon's last evaluation, stored in the
instance). Where the daemon has not evaluated an asset yet (a CLI or test materialization, no
daemon running), a time-window policy is evaluated here the way the daemon does (age of the last
materialization against the warn and fail windows), so the report never shows a blank where the
answer is plain arithmetic; a cron policy without a stored state reads "not evaluated".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg

# The policy kinds are public only through FreshnessPolicy's constructors (time_window, cron).
from dagster._core.definitions.freshness import CronFreshnessPolicy, TimeWindowFreshnessPolicy

NO_POLICY = "no policy"
NOT_EVALUATED = "not evaluated"


@dataclass(frozen=True)
class TableFreshness:
    """One reported table: its asset, rows, last materialization and freshness."""

    schema: str
    table: str
    rows: int
    last_materialized: datetime | None
    """When the asset was last materialized (UTC), ``None`` if never in this instance."""
    policy: str
    """The freshness policy in words, or ``NO_POLICY``."""
    state: str
    """``PASS``, ``WARN``, ``FAIL``, ``UNKNOWN`` (policy, never materialized), ``NOT_EVALUATED``
    or ``NO_POLICY``."""


def table_freshness(
    instance: dg.DagsterInstance,
    policies: Mapping[dg.AssetKey, dg.FreshnessPolicy],
    row_counts: Mapping[tuple[str, str], int],
    now: datetime,
) -> list[TableFreshness]:
    """The freshness of every table in ``row_counts`` (asset key ``[schema, table]``)."""
    keys = [dg.AssetKey([schema, table]) for schema, table in row_counts]
    recorded = instance.get_freshness_state_records(keys)
    events = instance.get_latest_materialization_events(keys)
    rows: list[TableFreshness] = []
    for (schema, table), count in row_counts.items():
        key = dg.AssetKey([schema, table])
        event = events.get(key)
        last = datetime.fromtimestamp(event.timestamp, UTC) if event else None
        policy = policies.get(key)
        if key in recorded:
            state = recorded[key].freshness_state.value
        else:
            state = evaluate(policy, last, now)
        rows.append(TableFreshness(schema, table, count, last, describe(policy), state))
    return rows


def evaluate(policy: dg.FreshnessPolicy | None, last: datetime | None, now: datetime) -> str:
    """A policy's state for a last materialization at ``last``, as the daemon would judge it
    (time-window policies; other kinds only the daemon evaluates)."""
    if policy is None:
        return NO_POLICY
    if not isinstance(policy, TimeWindowFreshnessPolicy):
        return NOT_EVALUATED
    if last is None:
        return "UNKNOWN"
    age = now - last
    if age >= policy.fail_window.to_timedelta():
        return "FAIL"
    if policy.warn_window and age >= policy.warn_window.to_timedelta():
        return "WARN"
    return "PASS"


def describe(policy: dg.FreshnessPolicy | None) -> str:
    """A freshness policy in words: "fail after 1d, warn after 12h" or "by cron ... (tz)"."""
    if policy is None:
        return NO_POLICY
    if isinstance(policy, TimeWindowFreshnessPolicy):
        words = f"fail after {duration(policy.fail_window.to_timedelta())}"
        if policy.warn_window:
            words += f", warn after {duration(policy.warn_window.to_timedelta())}"
        return words
    if isinstance(policy, CronFreshnessPolicy):
        return (
            f"updated within {duration(policy.lower_bound_delta)} before "
            f"cron {policy.deadline_cron} ({policy.timezone})"
        )
    return type(policy).__name__


def duration(delta: timedelta) -> str:
    """A duration in its largest whole units: ``1d 6h``, ``45m``, ``30s``."""
    seconds = int(delta.total_seconds())
    parts: Sequence[tuple[str, int]] = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    words = []
    for unit, size in parts:
        count, seconds = divmod(seconds, size)
        if count:
            words.append(f"{count}{unit}")
    return " ".join(words[:2]) or "0s"
