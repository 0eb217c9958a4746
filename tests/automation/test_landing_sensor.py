"""The landing sensor over real landing files (copied from the tiny world) and a real instance."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from platform_assets.automation.backfill import PARTITION_RANGE_END, PARTITION_RANGE_START
from platform_assets.automation.landing import events_job, landing_sensor
from platform_assets.ingestion.events import raw_events


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty landing folder under a fresh ROUNDTRIP_HOME."""
    monkeypatch.setenv("ROUNDTRIP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ROUNDTRIP_SCALE", "tiny")
    return tmp_path / "home" / "landing"


@pytest.fixture
def instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()


def world_files(world: Path, day: str) -> list[Path]:
    """The tiny world's batch files of ``day`` (``"2026/03/01"``), in a stable order."""
    return sorted((world / "landing").glob(f"*/{day}/*.ndjson.gz"))


def land(world: Path, landing: Path, day: str, files: slice = slice(None)) -> list[Path]:
    """Copy (some of) the world's files of ``day`` into ``landing``, as the CDP delivers them
    (a fresh mtime); returns the copies."""
    copies = []
    for file in world_files(world, day)[files]:
        copy = landing / file.relative_to(world / "landing")
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(file, copy)
        copies.append(copy)
    return copies


def tick(instance: dg.DagsterInstance, cursor: str | None) -> tuple[list[dg.RunRequest], str]:
    result = landing_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert isinstance(result, dg.SensorResult) and result.cursor is not None
    return list(result.run_requests or []), result.cursor


def days(requests: list[dg.RunRequest]) -> list[str | tuple[str, str]]:
    """Each request's partition, or its (first, last) range."""
    return [
        r.partition_key or (r.tags[PARTITION_RANGE_START], r.tags[PARTITION_RANGE_END])
        for r in requests
    ]


def test_new_days_launch_once_and_again_when_a_file_arrives(tiny_world_template, landing, instance):
    world = tiny_world_template
    land(world, landing, "2026/03/02")
    first, cursor = tick(instance, None)
    assert days(first) == ["2026-03-02"]

    # two days arrive around the loaded one: a run for each, keyed by day and files
    land(world, landing, "2026/03/01")
    land(world, landing, "2026/03/03", slice(0, -1))
    requests, cursor = tick(instance, cursor)
    assert days(requests) == ["2026-03-01", "2026-03-03"]
    keys = [r.run_key for r in requests]
    assert [key.split(":")[0] for key in keys] == ["2026-03-01", "2026-03-03"]
    assert all(r.job_name in (None, events_job.name) for r in requests)

    # the same files again: nothing
    again, same_cursor = tick(instance, cursor)
    assert again == [] and same_cursor == cursor

    # the last hourly batch of 03-03 arrives: that day again, under a new run key
    land(world, landing, "2026/03/03", slice(-1, None))
    later, cursor = tick(instance, cursor)
    assert days(later) == ["2026-03-03"] and later[0].run_key not in keys


def test_files_landing_while_a_run_is_unfinished_wait_for_it(
    tiny_world_template, landing, instance
):
    world = tiny_world_template
    land(world, landing, "2026/03/01")
    _, cursor = tick(instance, None)
    loading = dg.DagsterRun(job_name=events_job.name, status=dg.DagsterRunStatus.STARTED)
    instance.add_run(loading)

    # 03-02 lands while that run goes on: nothing is launched and the cursor stays
    land(world, landing, "2026/03/02")
    result = landing_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert isinstance(result, dg.SensorResult) and not result.run_requests
    assert result.cursor == cursor
    assert loading.run_id in (result.skip_reason.skip_message or "")

    # 03-03 lands too; once the run has ended (here: failed) both days go out in one run
    land(world, landing, "2026/03/03")
    instance.report_run_failed(loading)
    requests, _ = tick(instance, cursor)
    assert days(requests) == [("2026-03-02", "2026-03-03")]


def test_consecutive_new_days_are_one_range_run_that_loads_them(
    tiny_world_template, landing, instance
):
    """03-01, 03-02 and 03-04 arrive together: one single-run backfill over 03-01..03-04 (03-03
    has no files, so it does not split the run), and the run loads those days."""
    for day in ("2026/03/01", "2026/03/02", "2026/03/04"):
        land(tiny_world_template, landing, day)
    requests, _ = tick(instance, None)
    assert days(requests) == [("2026-03-01", "2026-03-04")]
    assert requests[0].run_key.startswith("2026-03-01..2026-03-04:")

    from platform_assets.definitions import defs  # the job also stages the days (dbt): not here

    job = defs.resolve_job_def(events_job.name)
    result = job.execute_in_process(
        instance=instance, tags=requests[0].tags, asset_selection=list(raw_events.keys)
    )
    assert result.success
    probe = sorted(raw_events.keys, key=lambda key: key.to_user_string())[0]
    assert instance.get_materialized_partitions(probe) == {
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
    }
    # the run started after the files arrived: a sensor that lost its cursor launches nothing
    assert tick(instance, None)[0] == []


def test_quarantined_files_do_not_relaunch_a_day(tiny_world_template, landing, instance):
    """The loader moves a malformed batch away: the day lost a file and gained none."""
    files = land(tiny_world_template, landing, "2026/03/05")
    _, cursor = tick(instance, None)
    quarantined = landing.parent / "quarantine" / "events" / files[0].relative_to(landing)
    quarantined.parent.mkdir(parents=True)
    files[0].rename(quarantined)
    assert tick(instance, cursor)[0] == []
    # a day whose every file went to quarantine is no news either
    for file in files[1:]:
        file.unlink()
    assert tick(instance, cursor)[0] == []


def test_files_loaded_before_the_sensor_started_launch_nothing(
    tiny_world_template, landing, instance
):
    """No cursor yet (a fresh sensor over a loaded warehouse): only files newer than the run
    that loaded their day are news."""
    land(tiny_world_template, landing, "2026/03/01")
    assert dg.materialize([raw_events], partition_key="2026-03-01", instance=instance).success
    land(tiny_world_template, landing, "2026/03/05")
    requests, _ = tick(instance, None)
    assert days(requests) == ["2026-03-05"]


def test_days_that_are_not_partitions_yet_wait(landing, instance, tiny_world_template):
    """A batch dated after the last complete day is left for a later tick, out of the cursor."""
    (file,) = world_files(tiny_world_template, "2026/03/01")[:1]
    future = landing / "website" / "2099" / "01" / "01" / file.name
    future.parent.mkdir(parents=True)
    shutil.copy(file, future)
    requests, cursor = tick(instance, None)
    assert requests == [] and cursor == "{}"
