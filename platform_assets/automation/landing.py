"""The landing-folder sensor: new event batch files → runs of the days that received them.

The CDP drops hourly batches under ``$ROUNDTRIP_HOME/landing/<source>/YYYY/MM/DD/``; a day's
files load into its ``raw_events`` partition. Every tick the sensor fingerprints each landed day
(file count, newest mtime, a digest of every file's path, mtime and size) and compares it with
the fingerprint its cursor kept. A day has news when its file list changed in a way a removal
alone cannot explain: more files, a newer one, or another file at the same count (a batch
replaced). The loader moving a malformed file to quarantine removes a file and adds none, so it
never relaunches the day. Consecutive days with news (days without any file between them do not
break the run) become one run over their partition range, a single day a run of its partition.
The run key is the days and the digest of their files: the same files never launch twice, even
when the cursor is lost.

A day the cursor has never seen (the first tick, or a cursor reset) is launched only when a file
is newer than the start of the run that last loaded its partition, so starting the sensor over a
warehouse the demo already filled launches nothing. Days that are not partitions yet (after the
last complete day) wait, out of the cursor, until they are.

While a run of the job is queued or in progress the sensor launches nothing and keeps its cursor:
files landing meanwhile are still news at the first tick after that run ends, and go out
together in one run. A run loads a day and builds its staging models (tens of seconds); in a
live world a batch lands every few seconds, and a run per tick would queue up behind the one
DuckDB writer faster than they drain.
"""

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import dagster as dg

from platform_assets.automation.backfill import EVENT_DAYS, partition_range_tags
from platform_assets.automation.schedules import runs_in_progress
from platform_assets.ingestion.events import events_partitions, raw_events
from platform_assets.ingestion.events_load import landed_files
from platform_assets.settings import load_settings

events_job = dg.define_asset_job(
    "load_event_days",
    selection=EVENT_DAYS,  # daily-partitioned, like the assets it selects
    description="Load the landing files of event days into raw_events and rebuild those days "
    "of the event staging models (launched by landing_sensor when files arrive; one run per "
    "range of days). Backfill days from here.",
)

PROBE = sorted(raw_events.keys, key=lambda key: key.to_user_string())[0]
"""One of the event tables: they are materialized together, so one says when a day was loaded."""


class DayFiles(NamedTuple):
    """A landed day's fingerprint, as the cursor keeps it."""

    count: int
    newest_ns: int
    digest: str

    def has_news_since(self, seen: "DayFiles") -> bool:
        """Whether a file arrived since ``seen``; files only removed (quarantined) are no news."""
        if self.digest == seen.digest:
            return False
        return self.count >= seen.count or self.newest_ns > seen.newest_ns


def fingerprint(landing_dir: Path, files: list[Path]) -> DayFiles | None:
    """The day's fingerprint over ``files``, skipping a file that vanished since it was listed
    (moved to quarantine by a running load); None when none is left."""
    stats = []
    for file in files:
        try:
            stat = file.stat()
        except FileNotFoundError:
            continue
        stats.append((file.relative_to(landing_dir).as_posix(), stat.st_mtime_ns, stat.st_size))
    if not stats:
        return None
    digest = hashlib.sha1(json.dumps(stats).encode()).hexdigest()[:12]
    return DayFiles(len(stats), max(mtime for _, mtime, _ in stats), digest)


def scan(landing_dir: Path) -> dict[str, DayFiles]:
    """Every landed day (partition key) with its fingerprint, in day order."""
    days = {}
    for day, day_files in landed_files(landing_dir).items():
        files = fingerprint(landing_dir, day_files)
        if files:
            days[day.isoformat()] = files
    return days


def read_cursor(cursor: str | None) -> dict[str, DayFiles]:
    return {day: DayFiles(*files) for day, files in json.loads(cursor or "{}").items()}


def loaded_after_files(instance: dg.DagsterInstance, days: Mapping[str, DayFiles]) -> set[str]:
    """The ``days`` whose partition was last loaded by a run started after their newest file."""
    storage_ids = instance.get_latest_storage_id_by_partition(
        PROBE, dg.DagsterEventType.ASSET_MATERIALIZATION, partitions=set(days)
    )
    if not storage_ids:
        return set()
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=PROBE, storage_ids=list(storage_ids.values())),
        limit=len(storage_ids),
    ).records
    runs = instance.get_run_records(dg.RunsFilter(run_ids=list({r.run_id for r in records})))
    started = {run.dagster_run.run_id: run.start_time for run in runs if run.start_time}
    return {
        record.partition_key
        for record in records
        if record.partition_key
        and record.run_id in started
        and days[record.partition_key].newest_ns / 1e9 < started[record.run_id]
    }


def news(
    landed: Mapping[str, DayFiles], seen: Mapping[str, DayFiles], instance: dg.DagsterInstance
) -> list[str]:
    """The landed days with files the cursor has not seen and no run has loaded, in order."""
    unseen = {day: files for day, files in landed.items() if day not in seen}
    loaded = loaded_after_files(instance, unseen) if unseen else set()
    return [
        day
        for day, files in landed.items()
        if (day in unseen and day not in loaded)
        or (day in seen and files.has_news_since(seen[day]))
    ]


def runs_of(days: list[str], landed: Mapping[str, DayFiles]) -> Iterator[list[str]]:
    """``days`` in groups of consecutive landed days (one run each)."""
    order = {day: n for n, day in enumerate(landed)}
    group: list[str] = []
    for day in days:
        if group and order[day] != order[group[-1]] + 1:
            yield group
            group = []
        group.append(day)
    if group:
        yield group


def run_request(days: list[str], landed: Mapping[str, DayFiles]) -> dg.RunRequest:
    """One run loading ``days``, keyed by them and their files."""
    if len(days) == 1:
        return dg.RunRequest(run_key=f"{days[0]}:{landed[days[0]].digest}", partition_key=days[0])
    first, last = days[0], days[-1]
    digests = " ".join(f"{day}:{landed[day].digest}" for day in days)
    digest = hashlib.sha1(digests.encode()).hexdigest()[:12]
    tags = partition_range_tags(first, last)
    return dg.RunRequest(run_key=f"{first}..{last}:{digest}", tags=tags)


@dataclass(frozen=True)
class Evaluation:
    """What one tick decided: the runs to launch and the cursor to keep."""

    run_requests: list[dg.RunRequest]
    cursor: dict[str, DayFiles]
    waiting: list[str]
    """Landed days that are not partitions yet."""


def evaluate(landing_dir: Path, cursor: str | None, instance: dg.DagsterInstance) -> Evaluation:
    """One tick over ``landing_dir``: the sensor's decision, apart from its context."""
    keys = set(events_partitions.get_partition_keys())
    landed_all = scan(landing_dir)
    landed = {day: files for day, files in landed_all.items() if day in keys}
    waiting = [day for day in landed_all if day not in keys]
    new = news(landed, read_cursor(cursor), instance)
    requests = [run_request(days, landed) for days in runs_of(new, landed)]
    return Evaluation(requests, landed, waiting)


@dg.sensor(
    job=events_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Launches load_event_days for the days that received new landing files (one "
    "run at a time: files landing meanwhile go out together in the next).",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Watch ``$ROUNDTRIP_HOME/landing`` and load the days that received files (module doc)."""
    running = runs_in_progress(context.instance, events_job.name)
    if running:
        return dg.SensorResult(
            skip_reason=f"run {running[0]} of {events_job.name} is still queued or in progress: "
            "new files wait for it",
            cursor=context.cursor,
        )
    landing_dir = load_settings().landing_dir
    result = evaluate(landing_dir, context.cursor, context.instance)
    if result.waiting:
        context.log.info(f"not partitions yet, waiting: {', '.join(result.waiting)}")
    cursor = json.dumps({day: list(files) for day, files in result.cursor.items()})
    if not result.run_requests:
        return dg.SensorResult(skip_reason=f"no new files in {landing_dir}", cursor=cursor)
    return dg.SensorResult(run_requests=result.run_requests, cursor=cursor)


defs = dg.Definitions(jobs=[events_job], sensors=[landing_sensor])
