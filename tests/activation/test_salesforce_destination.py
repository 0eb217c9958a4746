"""The Salesforce destination against the sandbox's Bulk API 2.0 fake, over real HTTP.

Polling runs on an injected clock, so no test sleeps; what arrived is read back through the fake's
SOQL endpoint and counted in the sandbox's request log.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from platform_assets.activation.destinations import connect
from platform_assets.activation.destinations.base import (
    BatchRejected,
    DestinationConfigError,
    Operation,
    Record,
)
from platform_assets.activation.destinations.salesforce import (
    SalesforceObject,
    csv_value,
    error_is_retriable,
)
from platform_assets.activation.http import Clock, DestinationUnavailable
from platform_assets.sandbox.server import clear_faults, request_log, set_faults
from platform_assets.settings import Settings

JOBS = "/services/data/v62.0/jobs/ingest"


class FakeClock(Clock):
    """Time that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += max(0.0, seconds)


def lead(key: str, **fields: Any) -> Record:
    values = {
        "Roundtrip_Id__c": key,
        "Email": f"{key}@example.com",
        "LastName": f"Last {key}",
        "Company": "Acme",
    }
    return Record(key=key, fields={**values, **fields})


def leads_client(sandbox: Settings, clock: FakeClock, **options: Any) -> SalesforceObject:
    client = connect("salesforce", "Lead", sandbox, options, clock)
    assert isinstance(client, SalesforceObject)
    return client


def read_back(client: SalesforceObject, fields: str) -> dict[str, dict[str, Any]]:
    """Leads by external id, through the fake's SOQL endpoint."""
    records = client._query(f"SELECT {fields}, Roundtrip_Id__c FROM Lead")["records"]
    return {r["Roundtrip_Id__c"]: r for r in records}


def raw(sandbox: Settings, method: str, path: str, **kwargs: Any) -> requests.Response:
    token = sandbox.credential("salesforce")
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(
        method, sandbox.api_url("salesforce") + path, headers=headers, timeout=10, **kwargs
    )


def test_upsert_creates_then_updates_the_same_leads(sandbox: Settings) -> None:
    clock = FakeClock()
    client = leads_client(sandbox, clock)
    records = [lead("r1", Lead_Score__c=0.5), lead("r2", Is_MQL__c=True), lead("r3")]

    first = client.send(Operation.UPSERT, records)
    assert [o.key for o in first] == ["r1", "r2", "r3"] and all(o.ok for o in first)
    ids = [o.destination_id for o in first]
    assert all(i and len(i) == 18 and i.startswith("00Q") for i in ids)
    assert len(set(ids)) == 3
    assert clock.slept, "the job was polled on the injected clock"

    changed = [lead("r1", Lead_Score__c=0.9), records[1], records[2]]
    second = client.send(Operation.UPSERT, changed)
    assert [o.destination_id for o in second] == ids and all(o.ok for o in second)
    assert client.count() == 3
    stored = read_back(client, "Id, Lead_Score__c, Is_MQL__c")
    assert stored["r1"]["Lead_Score__c"] == 0.9 and stored["r1"]["Id"] == ids[0]
    assert stored["r2"]["Is_MQL__c"] is True

    log = request_log(sandbox.sandbox_url, "salesforce")
    written = [key for entry in log["entries"] for key in entry["written"]]
    assert sorted(written) == ["r1", "r1", "r2", "r2", "r3", "r3"]


def test_a_record_missing_last_name_is_rejected_and_the_rest_accepted(sandbox: Settings) -> None:
    """The fake answers results in reverse upload order: outcomes still match by external id."""
    client = leads_client(sandbox, FakeClock())
    records = [
        lead("a1"),
        lead("a2", LastName=None),
        lead("a3"),
        lead("a4", Email="not-an-email"),
        lead("a5", Roundtrip_Id__c=None),
    ]

    outcomes = client.send(Operation.UPSERT, records)

    assert [o.key for o in outcomes] == ["a1", "a2", "a3", "a4", "a5"]
    assert [o.ok for o in outcomes] == [True, False, True, False, False]
    assert outcomes[4].error == "Roundtrip_Id__c is empty"
    assert outcomes[1].error is not None and outcomes[1].error.startswith(
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]"
    )
    assert outcomes[3].error is not None and "INVALID_EMAIL_ADDRESS" in outcomes[3].error
    assert not outcomes[1].retriable and not outcomes[3].retriable
    stored = read_back(client, "Id")
    assert {k: v["Id"] for k, v in stored.items()} == {
        "a1": outcomes[0].destination_id,
        "a3": outcomes[2].destination_id,
    }


def test_values_are_written_as_salesforce_reads_them(sandbox: Settings) -> None:
    client = leads_client(sandbox, FakeClock())
    client.send(
        Operation.UPSERT,
        [lead("v1", Lead_Score__c=0.25, Lifetime_Value__c=Decimal("1234.50"), GCLID__c="g-1")],
    )
    client.send(Operation.UPSERT, [lead("v1", Lead_Score__c=None, Industry="")])

    stored = read_back(client, "Lead_Score__c, Lifetime_Value__c, GCLID__c, Industry")["v1"]
    assert stored["Lead_Score__c"] is None  # null is sent as #N/A and clears the field
    assert stored["Lifetime_Value__c"] == 1234.5 and stored["GCLID__c"] == "g-1"
    assert csv_value(datetime(2026, 1, 8, 10, 0, 0, 123456)) == "2026-01-08T10:00:00.123Z"
    assert csv_value(datetime(2026, 1, 8, 11, 0, tzinfo=UTC)) == "2026-01-08T11:00:00.000Z"
    assert csv_value(False) == "false" and csv_value(1e-05) == "0.00001"
    assert csv_value(None) == csv_value("") == "#N/A"


def test_an_unknown_field_fails_the_check_and_the_job(sandbox: Settings) -> None:
    client = leads_client(sandbox, FakeClock())
    client.check_fields(["Roundtrip_Id__c", "Email", "Lead_Score__c", "Is_MQL__c"])
    with pytest.raises(DestinationConfigError, match="Favourite_Colour__c"):
        client.check_fields(["Email", "Favourite_Colour__c"])
    with pytest.raises(DestinationConfigError, match="CreatedDate"):
        client.check_fields(["CreatedDate"])  # there, but not writable

    with pytest.raises(BatchRejected, match="Field name not found : Favourite_Colour__c"):
        client.send(Operation.UPSERT, [lead("u1", Favourite_Colour__c="teal")])
    assert client.count() == 0


def test_update_and_delete_by_salesforce_id(sandbox: Settings) -> None:
    client = leads_client(sandbox, FakeClock())
    created = client.send(Operation.INSERT, [lead("d1"), lead("d2"), lead("d3")])
    d1, d2, _ = (o.destination_id for o in created)

    updated = client.send(
        Operation.UPDATE,
        [
            Record("d1", {"Industry": "Retail"}, destination_id=d1),
            Record("d2", {"Industry": "Media"}),  # no id known: looked up by external id
            Record("nope", {"Industry": "Media"}),
        ],
    )
    assert [(o.ok, o.destination_id) for o in updated[:2]] == [(True, d1), (True, d2)]
    assert not updated[2].ok and "nope" in (updated[2].error or "")
    assert read_back(client, "Industry")["d2"]["Industry"] == "Media"

    deleted = client.send(Operation.DELETE, [Record("d1", destination_id=d1), Record("d2")])
    assert all(o.ok for o in deleted)
    assert client.count() == 1

    again = client.send(Operation.INSERT, [lead("d3")])
    assert not again[0].ok and (again[0].error or "").startswith("DUPLICATE_VALUE")


def test_a_job_that_does_not_finish_in_time_is_unavailable(sandbox: Settings) -> None:
    clock = FakeClock()
    client = leads_client(sandbox, clock, max_wait_seconds=0.5)
    with pytest.raises(DestinationUnavailable, match=r"job 750\w+ is still InProgress"):
        client.send(Operation.UPSERT, [lead("t1")])
    assert clock.slept == []


def test_lost_answers_and_5xx_cost_retries_not_duplicates(sandbox: Settings) -> None:
    """A create, upload, close or poll whose answer is lost is sent again; the records still
    arrive once each."""
    set_faults(
        sandbox.sandbox_url,
        {"probability": 0.4, "kinds": ["500", "503", "lost_response"], "seed": 5},
    )
    client = leads_client(sandbox, FakeClock())
    records = [lead(f"f{n}") for n in range(20)]

    outcomes = client.send(Operation.UPSERT, records)

    assert all(o.ok for o in outcomes) and client.http.retries > 0
    clear_faults(sandbox.sandbox_url)
    assert client.count() == 20
    log = request_log(sandbox.sandbox_url, "salesforce")
    assert sorted(k for e in log["entries"] for k in e["written"]) == sorted(r.key for r in records)


def test_the_job_lifecycle_in_salesforce_shapes(sandbox: Settings) -> None:
    job = raw(
        sandbox,
        "POST",
        JOBS,
        json={"object": "Lead", "operation": "insert", "contentType": "CSV", "lineEnding": "LF"},
    ).json()
    assert job["state"] == "Open" and job["id"].startswith("750")
    upload = raw(
        sandbox,
        "PUT",
        f"{JOBS}/{job['id']}/batches",
        data=b"Roundtrip_Id__c,LastName,Company,Lead_Score__c\nx1,X,Acme,abc\nx2,Y,Acme,3\n",
        headers={"Content-Type": "text/csv"},
    )
    assert upload.status_code == 201
    closed = raw(sandbox, "PATCH", f"{JOBS}/{job['id']}", json={"state": "UploadComplete"})
    assert closed.json()["state"] == "UploadComplete"
    states = [raw(sandbox, "GET", f"{JOBS}/{job['id']}").json() for _ in range(3)]
    assert [s["state"] for s in states] == ["InProgress", "JobComplete", "JobComplete"]
    assert states[1]["numberRecordsProcessed"] == 2 and states[1]["numberRecordsFailed"] == 1

    failed = raw(sandbox, "GET", f"{JOBS}/{job['id']}/failedResults/").text.splitlines()
    assert (
        failed[0] == '"sf__Id","sf__Error","Roundtrip_Id__c","LastName","Company","Lead_Score__c"'
    )
    assert "INVALID_FIELD" in failed[1] and "'abc' is not a valid value" in failed[1]
    succeeded = raw(sandbox, "GET", f"{JOBS}/{job['id']}/successfulResults/").text.splitlines()
    assert succeeded[0].startswith('"sf__Id","sf__Created"') and '"true","x2"' in succeeded[1]

    missing = raw(sandbox, "GET", f"{JOBS}/750Dn0000000zzzAAA")
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"
    other = raw(sandbox, "POST", JOBS, json={"object": "Account", "operation": "insert"})
    assert other.status_code == 400 and other.json()[0]["errorCode"] == "INVALIDJOB"
    fresh = raw(sandbox, "POST", JOBS, json={"object": "Lead", "operation": "insert"}).json()
    aborted = raw(sandbox, "PATCH", f"{JOBS}/{fresh['id']}", json={"state": "Aborted"})
    assert aborted.json()["state"] == "Aborted"


def test_configuration_errors_name_what_to_fix(sandbox: Settings) -> None:
    with pytest.raises(DestinationConfigError, match="colour"):
        connect("salesforce", "Lead", sandbox, {"colour": "teal"})
    with pytest.raises(DestinationConfigError, match="max_wait_seconds"):
        connect("salesforce", "Lead", sandbox, {"max_wait_seconds": 0})
    with pytest.raises(DestinationConfigError, match="Account"):
        connect("salesforce", "Account", sandbox).check_fields(["Name"])
    wrong = replace(sandbox, credentials={"salesforce": "expired"})
    with pytest.raises(DestinationConfigError, match="INVALID_SESSION_ID"):
        connect("salesforce", "Lead", wrong).send(Operation.UPSERT, [lead("c1")])


def test_lock_contention_is_the_retriable_kind_of_record_error() -> None:
    assert error_is_retriable("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access:--")
    assert not error_is_retriable("REQUIRED_FIELD_MISSING:Required fields are missing: [X]:X --")
