"""The event-stream loader: hand-made landing files → raw_events, for real (DuckDB, Dagster)."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from bench.event_load import bench_event_load
from platform_assets.ingestion.events import raw_events
from platform_assets.ingestion.events_columns import TABLES
from platform_assets.ingestion.events_load import landed_days, load_days
from platform_assets.settings import load_settings
from tests.sources.harness import dbt_build

DAY = date(2026, 1, 5)


def event(kind: str, message_id: str, received: str, **fields: object) -> dict:
    """A RudderStack payload received at ``received`` (``"2026-01-05T09:00:01"``)."""
    payload: dict = {
        "type": kind,
        "messageId": message_id,
        "anonymousId": "anon-1",
        "userId": None,
        "channel": "web",
        "context": {
            "ip": "10.0.0.1",
            "library": {"name": "RudderLabs JavaScript SDK", "version": "3.7.2"},
            "userAgent": "Mozilla/5.0",
            "campaign": {"source": "google", "medium": "cpc", "name": "brand"},
            "locale": "en-US",  # a key the loader does not map is ignored
        },
        "originalTimestamp": f"{received}.000Z",
        "sentAt": f"{received}.000Z",
        "receivedAt": f"{received}.500Z",
        "timestamp": f"{received}.500Z",
    }
    payload.update(fields)
    return payload


def page(message_id: str, received: str, path: str = "/pricing") -> dict:
    url = f"https://www.roundtrip.example{path}"
    return event(
        "page",
        message_id,
        received,
        name="Pricing",
        properties={"url": url, "path": path, "title": "Pricing"},
    )


def track(message_id: str, received: str, name: str, **properties: object) -> dict:
    return event("track", message_id, received, event=name, properties=properties)


def identify(message_id: str, received: str, user_id: str, **traits: object) -> dict:
    return event("identify", message_id, received, userId=user_id, traits=traits)


def land(landing: Path, source: str, hour: str, lines: list) -> Path:
    """Write one hourly batch (``hour`` = ``"2026/01/05/09"``); str lines are written as is."""
    path = landing / source / f"{hour}.ndjson.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A day of landing files: 2 sources, a duplicated delivery, all five kinds of table."""
    landing = tmp_path / "landing"
    land(
        landing,
        "website",
        "2026/01/05/09",
        [
            page("p1", "2026-01-05T09:00:01", "/"),
            page("p2", "2026-01-05T09:05:00"),
            page("p2", "2026-01-05T09:05:03"),  # duplicated delivery
            track("t1", "2026-01-05T09:07:00", "demo_requested", form="demo", employees=50),
        ],
    )
    land(
        landing,
        "website",
        "2026/01/05/10",
        [
            identify("i1", "2026-01-05T10:16:00", "u-1", email=" Ada@Example.com"),
            identify("i2", "2026-01-05T10:30:00", "u-1", first_name="Ada"),
            track("t3", "2026-01-05T10:40:00", "nps_survey_submitted", score=9),
            track("t4", "2026-01-05T10:41:00", "Pricing Viewed"),  # no table of its own
        ],
    )
    land(
        landing,
        "backend",
        "2026/01/05/10",
        [track("t2", "2026-01-05T10:15:00", "signed_up", plan="trial")],
    )
    land(landing, "website", "2026/01/06/00", [page("p9", "2026-01-06T00:10:00")])
    return tmp_path


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from raw_events.{t}").fetchone()[0] for t in TABLES}


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'raw_events' and table_name = ? order by column_index",
            [table],
        ).fetchall()
    ]


def snapshot_by_name(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[list, list]]:
    """Every table's columns by name and its rows in that column order, without uuid_ts: equal
    when two warehouses hold the same data, whatever order their columns were added in."""
    out = {}
    for t in TABLES:
        names = sorted(set(columns(con, t)) - {"uuid_ts"})
        select = ", ".join(f'"{n}"' for n in names)
        rows = con.execute(f"select {select} from raw_events.{t} order by all").fetchall()
        out[t] = (names, rows)
    return out


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Every table's rows, without the load timestamp (uuid_ts is when the load ran)."""
    return {
        t: con.execute(f"select * exclude (uuid_ts) from raw_events.{t} order by all").fetchall()
        for t in TABLES
    }


def load(con: duckdb.DuckDBPyConnection, home: Path, day: date = DAY):
    return load_days(con, home / "landing", home / "quarantine", day)


def test_loads_a_day_minus_duplicates(home):
    con = duckdb.connect()
    report = load(con, home)
    assert report.files_loaded == 3 and report.rows_read == 9
    assert report.duplicates_dropped == 1 and not report.quarantined
    assert counts(con) == {
        "pages": 2,
        "tracks": 4,
        "identifies": 2,
        "users": 1,
        "signed_up": 1,
        "demo_requested": 1,
        "trial_started": 0,
        "workspace_created": 0,
        "nps_survey_submitted": 1,
    }
    # the first delivery of p2 wins; context is flattened the RudderStack way
    assert con.execute(
        "select received_at::varchar, name, path, context_campaign_source, context_library_name "
        "from raw_events.pages where id = 'p2'"
    ).fetchall() == [
        ("2026-01-05 09:05:00.5", "Pricing", "/pricing", "google", "RudderLabs JavaScript SDK")
    ]
    assert con.execute(
        "select event, event_text from raw_events.tracks order by received_at"
    ).fetchall() == [
        ("demo_requested", "demo_requested"),
        ("signed_up", "signed_up"),
        ("nps_survey_submitted", "nps_survey_submitted"),
        ("pricing_viewed", "Pricing Viewed"),
    ]
    # properties become typed columns; declared ones exist even when no row has them
    assert con.execute("select form, employees from raw_events.demo_requested").fetchall() == [
        ("demo", 50)
    ]
    assert con.execute("select score from raw_events.nps_survey_submitted").fetchall() == [(9,)]
    assert con.execute("select plan from raw_events.signed_up").fetchall() == [("trial",)]
    # users: one row per user id, each trait's latest non-null value
    assert con.execute("select id, email, first_name from raw_events.users").fetchall() == [
        ("u-1", " Ada@Example.com", "Ada")
    ]


def test_rerun_changes_nothing_and_days_do_not_duplicate(home):
    con = duckdb.connect()
    load(con, home)
    load(con, home, date(2026, 1, 6))
    before = snapshot(con)
    assert load(con, home).rows == load(con, home).rows
    assert snapshot(con) == before
    # a redelivery received the next day is already loaded: it is not loaded again
    land(home / "landing", "website", "2026/01/06/01", [page("p1", "2026-01-06T01:00:00", "/")])
    report = load(con, home, date(2026, 1, 6))
    assert report.rows_read == 2 and report.rows["pages"] == 1
    assert con.execute("select count(*) from raw_events.pages where id = 'p1'").fetchone() == (1,)
    assert landed_days(home / "landing") == [DAY, date(2026, 1, 6)]


def test_malformed_files_are_quarantined_while_the_day_loads(home):
    landing, quarantine = home / "landing", home / "quarantine"
    bad_json = land(
        landing,
        "website",
        "2026/01/05/11",
        [page("b1", "2026-01-05T11:00:00"), '{"type": "page", "messageId": ', page("b3", "x")],
    )
    missing = land(
        landing,
        "backend",
        "2026/01/05/11",
        [
            track("b4", "2026-01-05T11:01:00", "signed_up"),
            {k: v for k, v in track("b5", "2026-01-05T11:02:00", "x").items() if k != "event"},
            track("", "2026-01-05T11:03:00", "signed_up"),
            track("b7", "2026-01-07T11:03:00", "signed_up"),
        ],
    )
    truncated = landing / "website/2026/01/05/12.ndjson.gz"
    truncated.write_bytes(gzip.compress(b'{"a": 1}\n' * 5000, mtime=0)[:60])

    con = duckdb.connect()
    report = load(con, home)

    assert report.files_loaded == 3 and len(report.quarantined) == 3
    assert counts(con)["pages"] == 2 and counts(con)["tracks"] == 4  # the good files, whole
    for path in (bad_json, missing, truncated):
        assert not path.exists()
        assert (quarantine / "events" / path.relative_to(landing)).exists()
    reason = (quarantine / "events/backend/2026/01/05/11.ndjson.gz.reason.txt").read_text()
    assert reason.splitlines()[1:] == [
        "line 2: track without event",
        "line 3: missing messageId",
        "line 4: receivedAt 2026-01-07T11:03:00.500Z is not in the hour of its file",
    ]
    reason = (quarantine / "events/website/2026/01/05/11.ndjson.gz.reason.txt").read_text()
    assert reason.splitlines()[1].startswith("line 2: invalid JSON")
    reason = (quarantine / "events/website/2026/01/05/12.ndjson.gz.reason.txt").read_text()
    assert reason.splitlines()[1].startswith("not a complete gzip file")
    # the quarantined files are out of the landing folder: a re-run loads the same rows
    assert load(con, home).rows == report.rows


def test_materialize_a_partition(home, monkeypatch):
    monkeypatch.setenv("ROUNDTRIP_HOME", str(home))
    result = dg.materialize([raw_events], partition_key="2026-01-05")
    assert result.success
    by_key = {
        m.asset_key.path[-1]: m.metadata
        for m in result.asset_materializations_for_node("raw_events")
    }
    assert set(by_key) == set(TABLES)
    assert by_key["pages"]["dagster/row_count"].value == 2
    assert by_key["tracks"]["files_loaded"].value == 3
    assert by_key["tracks"]["duplicates_dropped"].value == 1
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert counts(con)["tracks"] == 4
    # a day with no landing files is reported, and what is loaded stays
    result = dg.materialize([raw_events], partition_key="2026-01-07")
    metadata = result.asset_materializations_for_node("raw_events")[0].metadata
    assert metadata["days_without_files"].value == ["2026-01-07"]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert counts(con)["tracks"] == 4


def test_a_range_in_one_load_equals_day_by_day(home, tmp_path):
    """A single-run backfill loads days 5-6 at once: the same rows as two daily runs."""
    daily, ranged = duckdb.connect(), duckdb.connect()
    load(daily, home)
    load(daily, home, date(2026, 1, 6))
    report = load_days(ranged, home / "landing", home / "quarantine", DAY, date(2026, 1, 6))
    assert report.files_loaded == 4 and report.rows["pages"] == 3
    assert snapshot(ranged) == snapshot(daily)


def test_odd_property_keys_get_distinct_columns_that_they_keep(home):
    """Keys are data (quotes, slashes, case): each lands in its own snake_case column, a taken
    name gets a suffix, and the key keeps that column on later loads."""
    landing = home / "landing"
    odd = {"Plan": "Team", "it's": "x", 'a"b/c~d': 1, "firstName": "Ada", "id": "prop-id"}
    land(
        landing,
        "backend",
        "2026/01/05/11",
        [
            track("s1", "2026-01-05T11:00:00", "signed_up", plan="pro", **odd),
            identify("i3", "2026-01-05T11:01:00", "u-2", **{"e'mail": "x@y.z", "Email": "X@Y.Z"}),
        ],
    )
    con = duckdb.connect()
    report = load(con, home)
    assert not report.quarantined
    assert con.execute(
        "select plan, plan_1, it_s, a_b_c_d, first_name, id_1 "
        "from raw_events.signed_up where id = 's1'"
    ).fetchall() == [("pro", "Team", "x", 1, "Ada", "prop-id")]
    assert con.execute(
        "select email, email_1, e_mail from raw_events.users where id = 'u-2'"
    ).fetchall() == [(None, "X@Y.Z", "x@y.z")]
    assert dict(
        con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = 'raw_events' "
            "and table_name = 'signed_up' and column_name in ('plan_1', 'a_b_c_d')"
        ).fetchall()
    ) == {"plan_1": 'source key: "Plan"', "a_b_c_d": 'source key: "a\\"b/c~d"'}

    # the next day brings "Plan" alone: it goes on landing in plan_1, not in plan
    land(
        landing,
        "backend",
        "2026/01/06/08",
        [track("s2", "2026-01-06T08:00:00", "signed_up", Plan="Solo")],
    )
    load(con, home, date(2026, 1, 6))
    assert con.execute(
        "select id, plan, plan_1 from raw_events.signed_up order by id"
    ).fetchall() == [("s1", "pro", "Team"), ("s2", None, "Solo"), ("t2", "trial", None)]


def test_a_value_its_column_cannot_hold_quarantines_its_file(home):
    """score is BIGINT: "nine" would load as null, so its file goes, naming line and field."""
    landing, quarantine = home / "landing", home / "quarantine"
    bad = land(
        landing,
        "website",
        "2026/01/05/11",
        [
            track("n1", "2026-01-05T11:00:00", "nps_survey_submitted", score=7),
            track("n2", "2026-01-05T11:01:00", "nps_survey_submitted", score="nine"),
        ],
    )
    con = duckdb.connect()
    report = load(con, home)
    assert list(report.quarantined) == [str(bad)]
    reason = (quarantine / "events/website/2026/01/05/11.ndjson.gz.reason.txt").read_text()
    assert reason.splitlines()[1:] == ['line 2: property "score" = nine is not BIGINT (score)']
    assert report.files_loaded == 3
    assert con.execute("select id, score from raw_events.nps_survey_submitted").fetchall() == [
        ("t3", 9)
    ]


def test_a_day_without_files_is_left_as_it_was(home, tmp_path):
    """Landing files gone (expired, moved): re-running their day must not empty it."""
    con = duckdb.connect()
    load_days(con, home / "landing", home / "quarantine", DAY, date(2026, 1, 6))
    before = snapshot(con)
    gone = tmp_path / "gone"
    (home / "landing" / "website" / "2026" / "01" / "05").rename(gone)
    (home / "landing" / "backend" / "2026" / "01" / "05").rename(tmp_path / "gone-backend")

    report = load_days(con, home / "landing", home / "quarantine", DAY, date(2026, 1, 7))
    assert snapshot(con) == before
    assert report.days_without_files == [DAY, date(2026, 1, 7)]
    assert report.files_loaded == 1 and report.rows["pages"] == 1


def test_dedupe_keeps_the_earliest_receipt_whatever_the_load_order(home):
    """A message received on day 5 and again on day 6: loading day 6 first must end the same
    as loading day 5 first (the day-5 receipt kept, in every table it belongs to)."""
    landing = home / "landing"
    land(
        landing,
        "website",
        "2026/01/06/01",
        [
            page("p1", "2026-01-06T01:00:00", "/"),
            track("t1", "2026-01-06T01:00:05", "demo_requested", form="demo", employees=50),
            track("t5", "2026-01-06T01:02:00", "demo_requested", form="demo", seats=3),
        ],
    )
    forward, backward = duckdb.connect(), duckdb.connect()
    load(forward, home)
    assert load(forward, home, date(2026, 1, 6)).duplicates_dropped == 2
    load(backward, home, date(2026, 1, 6))
    report = load(backward, home)

    assert snapshot_by_name(backward) == snapshot_by_name(forward)
    assert report.later_receipts_replaced == 2 and report.duplicates_dropped == 1
    assert backward.execute(
        "select id, received_at::date::varchar from raw_events.demo_requested order by id"
    ).fetchall() == [("t1", "2026-01-05"), ("t5", "2026-01-06")]
    assert backward.execute(
        "select received_at::varchar from raw_events.pages where id = 'p1'"
    ).fetchall() == [("2026-01-05 09:00:01.5",)]
    # and re-running the later day now changes nothing
    before = snapshot(backward)
    load(backward, home, date(2026, 1, 6))
    assert snapshot(backward) == before


def test_staging_pages_carry_the_page_name(home):
    """RudderStack's pages.name lands and staging names it page_name."""
    warehouse = home / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load(con, home)
    result = dbt_build(["stg_events__pages"], warehouse, home)
    assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select message_id, page_name from staging.stg_events__pages order by all"
        ).fetchall() == [("p1", "Pricing"), ("p2", "Pricing")]


def test_the_bench_compares_both_readers_over_the_same_files(home):
    """Each rate counts the rows its own run read, over the same four files, named by scale."""
    settings = load_settings(env={"ROUNDTRIP_HOME": str(home), "ROUNDTRIP_SCALE": "tiny"})
    rate, seconds = bench_event_load(settings)
    assert rate["name"] == "event_load_tiny_rows_per_s" and rate["unit"] == "rows/s"
    assert (rate["files"], rate["days"], rate["rows"], rate["peer_rows"]) == (4, 2, 10, 10)
    # the ratio is rounded to three decimals (±0.0005) from the unrounded rates, and the rates
    # are printed rounded too: recomputed from those, it may differ by up to one last decimal
    assert rate["ratio"] == pytest.approx(rate["value"] / rate["peer"], rel=5e-3, abs=1e-3)
    assert seconds["name"] == "event_load_tiny_seconds"
