"""Backfill a range of event days: ``roundtrip backfill --from DAY --to DAY``.

One run reloads the ``raw_events`` partitions of the range as a single-run backfill (one read of
the landing files, one transaction: the asset's ``BackfillPolicy.single_run()``), and the same
run rebuilds the same days of the incremental event staging models (one dbt build), so the
warehouse's models show the backfill when it ends. Reloading a day replaces it, in raw and in
staging, so running a backfill again changes nothing.

Runs execute in this process and are recorded in the Dagster instance given, so the UI lists
them beside the daemon's. The partition-range tags and the in-process run helper here are also
what ``roundtrip demo`` and the landing sensor launch runs with.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

import dagster as dg

from platform_assets.ingestion.events import events_partitions
from platform_assets.settings import Settings

PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"

EVENT_DAYS = dg.AssetSelection.groups("raw_events", "staging_events")
"""What an event day is made of: the ``raw_events`` tables and the event staging models built
from them (dbt multi-asset ``dbt_event_day_models``), both daily-partitioned by received day, so
a run of some days loads and stages them."""


QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
"""Run config of in-process runs started from a terminal: event-level detail (every step output
and check) stays in the UI; the terminal shows progress."""


class BackfillError(ValueError):
    """A backfill range that cannot run; the message names the day and the valid range."""


@dataclass(frozen=True)
class BackfillResult:
    """What a backfill did: its days, the run that did it and whether it succeeded."""

    first: date
    last: date
    run_id: str
    success: bool

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """Tags that make one run materialize partitions ``first``..``last`` of a partitioned
    selection (a single-run backfill)."""
    return {PARTITION_RANGE_START: first, PARTITION_RANGE_END: last}


def run_in_process(
    defs: dg.Definitions,
    selection: dg.AssetSelection,
    instance: dg.DagsterInstance,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialize ``selection`` of ``defs`` in this process, recorded in ``instance``, with the
    code location's resources; a failed step fails the result, never raises."""
    return dg.materialize(
        [*(defs.assets or []), *(defs.asset_checks or [])],  # checks defined apart run too
        selection=selection,
        instance=instance,
        resources=defs.resources or {},
        tags=tags,
        run_config=QUIET_LOGS,
        raise_on_error=False,
    )


def check_range(first_day: date, last_day: date) -> tuple[str, str]:
    """The partition keys of ``first_day`` and ``last_day``, or a :class:`BackfillError` saying
    why the range cannot be backfilled (reversed, or a day that is not a partition yet)."""
    if first_day > last_day:
        raise BackfillError(f"the first day {first_day} is after the last day {last_day}")
    keys = events_partitions.get_partition_keys()
    for day in (first_day, last_day):
        if day.isoformat() not in keys:
            raise BackfillError(
                f"{day} is not a day of the event stream: its daily partitions run from "
                f"{keys[0]} to {keys[-1]} (the last complete day)"
            )
    return first_day.isoformat(), last_day.isoformat()


def backfill(
    settings: Settings, first_day: date, last_day: date, instance: dg.DagsterInstance
) -> BackfillResult:
    """Reload the event days ``first_day``..``last_day`` (inclusive) and rebuild those days of
    the event staging models, in one run recorded in ``instance``.

    Raises :class:`BackfillError` before any work when the range is not one of partitions.
    """
    first, last = check_range(first_day, last_day)
    # Assets read their settings from the environment: make it say what the caller was told.
    os.environ.update(settings.to_env())
    from platform_assets.transform.project import prepare_manifest

    prepare_manifest()  # the dbt assets are defined from the manifest when definitions import
    from platform_assets.definitions import defs

    result = run_in_process(defs, EVENT_DAYS, instance, tags=partition_range_tags(first, last))
    return BackfillResult(first_day, last_day, result.run_id, result.success)
