"""Salesforce as a destination: one Bulk API 2.0 ingest job per batch.

Bulk API 2.0 is Salesforce's way to write many records: create a job, upload one CSV, close the
job, poll until Salesforce has processed it, then read which rows succeeded and which failed (with
Salesforce's ``sf__Error``). A batch is one job of at most 10,000 records, which keeps a job's
results small and a failed job cheap to split; the Bulk API itself takes up to 150 MB per upload.

Values go into the CSV as Salesforce reads them: ``true``/``false``, datetimes as ISO 8601 in UTC
with ``Z``, numbers without exponents, and ``#N/A`` for a null (in a Bulk API CSV an empty value
means "leave the field as it is", so a score that became null would otherwise never be cleared).

The results files do not keep the upload's order, so every row is matched back to its record by
a column it carries: the external id (``Roundtrip_Id__c`` unless the ``external_id_field`` option
says otherwise) for upserts and inserts (a record whose mapping leaves it out sends its sync key
there), the Salesforce ``Id`` for updates and deletes (the id the last sync returned, or looked up
by external id). A job that fails as a whole (``InvalidBatch``: a column the object does not have)
is :class:`BatchRejected`; a job still running after ``max_wait_seconds`` (option, default 600)
raises :class:`DestinationUnavailable` naming it: nothing counts, and the next run sends the
records again (an upsert of the same values changes nothing).

Salesforce counts requests per 24 hours rather than per second; the client keeps to 100 requests
a second (the sandbox's stand-in limit), which a batch of 10,000 records (seven requests) never
comes near.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import requests

from platform_assets.activation.destinations.base import (
    BatchRejected,
    Destination,
    DestinationConfigError,
    Operation,
    Outcome,
    Record,
)
from platform_assets.activation.http import (
    Clock,
    DestinationUnavailable,
    HttpClient,
    RateLimit,
)
from platform_assets.settings import Settings

API_VERSION = "v62.0"
DEFAULT_EXTERNAL_ID = "Roundtrip_Id__c"
DEFAULT_MAX_WAIT_SECONDS = 600.0
FIRST_POLL_SECONDS = 1.0
MAX_POLL_SECONDS = 30.0
NULL_TEXT = "#N/A"
LOOKUP_CHUNK = 200  # external ids per SOQL query (keeps the URL short)
FINISHED_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
RETRIABLE_ERRORS = frozenset({"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE"})
"""``sf__Error`` codes that a later attempt can get past (lock contention, load); every other
record error (REQUIRED_FIELD_MISSING, INVALID_EMAIL_ADDRESS, a value that does not parse) needs
the data fixed first."""
OPTIONS = frozenset({"external_id_field", "max_wait_seconds"})


def csv_value(value: Any) -> str:
    """One field value as Bulk API CSV text (see the module docstring)."""
    if value is None or value == "":
        return NULL_TEXT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isfinite(value):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    return str(value)


def error_is_retriable(sf_error: str) -> bool:
    """Whether a row's ``sf__Error`` (``CODE:message:fields --``) may pass on a later try."""
    return sf_error.split(":", 1)[0].strip() in RETRIABLE_ERRORS


def _to_csv(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row.get(column, "") for column in columns] for row in rows)
    return out.getvalue().encode("utf-8")


def _error_text(response: requests.Response) -> str:
    """Salesforce's ``[{"errorCode", "message"}]`` as one line (the raw text otherwise)."""
    try:
        errors = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    if isinstance(errors, list):
        return "; ".join(f"{e.get('errorCode')}: {e.get('message')}" for e in errors)
    return f"HTTP {response.status_code}: {errors}"


class SalesforceObject(Destination):
    """One sObject (``Lead``) written through Bulk API 2.0 jobs."""

    name = "salesforce"
    max_batch_size = 10_000
    rate_limit = RateLimit(requests=100, per_seconds=1)
    operations = frozenset(Operation)

    def __init__(
        self,
        object_name: str,
        http: HttpClient,
        external_id_field: str = DEFAULT_EXTERNAL_ID,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
    ) -> None:
        super().__init__(object_name)
        self.http = http
        self.external_id_field = external_id_field
        self.max_wait_seconds = max_wait_seconds
        self.jobs = f"/services/data/{API_VERSION}/jobs/ingest"

    # --- writing ----------------------------------------------------------------------------
    def send(self, operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        if operation not in self.operations:
            raise DestinationConfigError(f"salesforce {self.object_name}: cannot {operation}")
        if not records:
            return []
        outcomes: dict[int, Outcome] = {}
        rows: dict[int, dict[str, str]] = {}
        if operation in (Operation.UPDATE, Operation.DELETE):
            match = "Id"
            ids = self._salesforce_ids(records)
            for n, record in enumerate(records):
                if n not in ids:
                    outcomes[n] = Outcome.rejected(
                        record.key,
                        f"no {self.object_name} with {self.external_id_field} {record.key} "
                        "at Salesforce",
                    )
                elif operation is Operation.DELETE:
                    rows[n] = {"Id": ids[n]}
                else:
                    rows[n] = {**self._values(record.fields), "Id": ids[n]}
        else:
            match = self.external_id_field
            for n, record in enumerate(records):
                row = {match: record.key, **self._values(record.fields)}
                if row[match] == NULL_TEXT:
                    outcomes[n] = Outcome.rejected(record.key, f"{match} is empty")
                else:
                    rows[n] = row
        if rows:
            outcomes |= self._run_job(operation, match, records, rows)
        return [outcomes[n] for n in range(len(records))]

    @staticmethod
    def _values(fields: Mapping[str, Any]) -> dict[str, str]:
        return {name: csv_value(value) for name, value in fields.items()}

    def _run_job(
        self,
        operation: Operation,
        match: str,
        records: Sequence[Record],
        rows: dict[int, dict[str, str]],
    ) -> dict[int, Outcome]:
        """One job for ``rows`` (record index → CSV values); outcomes by record index."""
        columns = list(dict.fromkeys(name for row in rows.values() for name in row))
        job: dict[str, Any] = {
            "object": self.object_name,
            "operation": str(operation),
            "contentType": "CSV",
            "lineEnding": "LF",
        }
        if operation is Operation.UPSERT:
            job["externalIdFieldName"] = self.external_id_field
        created = self.http.request("POST", self.jobs, json=job)
        if created.status_code != 200:
            raise self._refusal(created, "creating a job", config=True)
        job_id = created.json()["id"]
        uploaded = self.http.request(
            "PUT",
            f"{self.jobs}/{job_id}/batches",
            data=_to_csv(columns, list(rows.values())),
            headers={"Content-Type": "text/csv"},
        )
        if uploaded.status_code != 201:
            raise BatchRejected(f"Salesforce refused job {job_id}'s data: {_error_text(uploaded)}")
        closed = self.http.request(
            "PATCH", f"{self.jobs}/{job_id}", json={"state": "UploadComplete"}
        )
        # A close whose answer was lost and retried finds the job already closed: poll on.
        if closed.status_code != 200 and "INVALIDJOBSTATE" not in closed.text:
            raise self._refusal(closed, f"closing job {job_id}")
        info = self._wait(job_id)
        if info["state"] == "Failed":
            raise BatchRejected(f"Salesforce job {job_id} failed: {info.get('errorMessage')}")
        if info["state"] == "Aborted":
            raise DestinationUnavailable(f"Salesforce job {job_id} was aborted")
        index = {rows[n][match]: n for n in rows}
        outcomes: dict[int, Outcome] = {}
        for row in self._results(job_id, "successfulResults"):
            n = index.get(row.get(match, ""))
            if n is not None:
                outcomes[n] = Outcome.accepted(records[n].key, row["sf__Id"] or None)
        for row in self._results(job_id, "failedResults"):
            n = index.get(row.get(match, ""))
            if n is not None:
                error = row["sf__Error"]
                outcomes[n] = Outcome.rejected(records[n].key, error, error_is_retriable(error))
        for n in rows:
            if n not in outcomes:
                outcomes[n] = Outcome.rejected(
                    records[n].key, f"Salesforce job {job_id} did not process this record", True
                )
        return outcomes

    def _wait(self, job_id: str) -> dict[str, Any]:
        """Poll the job until it is finished, pausing longer each time, at most
        ``max_wait_seconds`` in all."""
        clock = self.http.clock
        deadline = clock.now() + self.max_wait_seconds
        pause = FIRST_POLL_SECONDS
        while True:
            polled = self.http.request("GET", f"{self.jobs}/{job_id}")
            if polled.status_code != 200:
                raise self._refusal(polled, f"polling job {job_id}")
            info = polled.json()
            if info["state"] in FINISHED_STATES:
                return info
            if clock.now() + pause > deadline:
                raise DestinationUnavailable(
                    f"Salesforce job {job_id} is still {info['state']} after "
                    f"{self.max_wait_seconds:g} s; it may yet complete, and the next run sends "
                    "its records again"
                )
            clock.sleep(pause)
            pause = min(pause * 2, MAX_POLL_SECONDS)

    def _results(self, job_id: str, kind: str) -> list[dict[str, str]]:
        response = self.http.request("GET", f"{self.jobs}/{job_id}/{kind}/")
        if response.status_code != 200:
            raise self._refusal(response, f"reading job {job_id}'s {kind}")
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))

    def _salesforce_ids(self, records: Sequence[Record]) -> dict[int, str]:
        """Record index → Salesforce Id: the one the last sync returned, else looked up by the
        sync key in the external id field (records found in neither are left out)."""
        ids = {n: r.destination_id for n, r in enumerate(records) if r.destination_id}
        missing = [r.key for n, r in enumerate(records) if n not in ids]
        found: dict[str, str] = {}
        for start in range(0, len(missing), LOOKUP_CHUNK):
            quoted = ", ".join(
                "'" + key.replace("\\", "\\\\").replace("'", "\\'") + "'"
                for key in missing[start : start + LOOKUP_CHUNK]
            )
            for row in self._query(
                f"SELECT Id, {self.external_id_field} FROM {self.object_name} "
                f"WHERE {self.external_id_field} IN ({quoted})"
            )["records"]:
                found[str(row[self.external_id_field])] = row["Id"]
        for n, record in enumerate(records):
            if n not in ids and record.key in found:
                ids[n] = found[record.key]
        return ids

    # --- reading ----------------------------------------------------------------------------
    def _query(self, soql: str) -> dict[str, Any]:
        response = self.http.request(
            "GET", f"/services/data/{API_VERSION}/query", params={"q": soql}
        )
        if response.status_code != 200:
            raise self._refusal(response, "querying", config=response.status_code == 400)
        return response.json()

    def count(self) -> int | None:
        return int(self._query(f"SELECT COUNT() FROM {self.object_name}")["totalSize"])

    def check_fields(self, fields: Sequence[str]) -> None:
        """Every mapped field must be a writable field of the object, and the external id
        field an External ID field (``sobjects/<object>/describe``)."""
        response = self.http.request(
            "GET", f"/services/data/{API_VERSION}/sobjects/{self.object_name}/describe"
        )
        if response.status_code != 200:
            raise self._refusal(response, f"describing {self.object_name}", config=True)
        described = {field["name"]: field for field in response.json()["fields"]}
        writable = {n for n, f in described.items() if f.get("createable") or f.get("updateable")}
        unknown = [name for name in fields if name not in writable]
        if unknown:
            raise DestinationConfigError(
                f"salesforce {self.object_name} has no writable field {', '.join(unknown)}; "
                f"writable fields: {', '.join(sorted(writable))}"
            )
        if not described.get(self.external_id_field, {}).get("externalId"):
            raise DestinationConfigError(
                f"salesforce {self.object_name}: external_id_field {self.external_id_field!r} is "
                "not an External ID field"
            )

    def _refusal(self, response: requests.Response, doing: str, config: bool = False) -> Exception:
        """The exception for an answer that stops the batch: credentials and, when ``config``,
        any 4xx are configuration errors; anything else leaves the destination unavailable."""
        message = f"Salesforce refused {doing} on {self.object_name}: {_error_text(response)}"
        if response.status_code in (401, 403) or (config and 400 <= response.status_code < 500):
            return DestinationConfigError(message)
        return DestinationUnavailable(message)

    def close(self) -> None:
        self.http.close()


def connect(
    object_name: str, settings: Settings, options: dict[str, Any], clock: Clock
) -> SalesforceObject:
    """The Bulk API 2.0 client for ``object_name`` (an sObject API name such as ``Lead``)."""
    if not object_name.replace("_", "").isalnum() or not object_name[:1].isalpha():
        raise DestinationConfigError(f"salesforce: {object_name!r} is not an sObject API name")
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise DestinationConfigError(
            f"salesforce: unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(OPTIONS))}"
        )
    external_id = options.get("external_id_field", DEFAULT_EXTERNAL_ID)
    if not isinstance(external_id, str) or not external_id:
        raise DestinationConfigError(f"salesforce: external_id_field {external_id!r} is not a name")
    max_wait = options.get("max_wait_seconds", DEFAULT_MAX_WAIT_SECONDS)
    if isinstance(max_wait, bool) or not isinstance(max_wait, int | float) or max_wait <= 0:
        raise DestinationConfigError(
            f"salesforce: max_wait_seconds {max_wait!r} must be a positive number"
        )
    http = HttpClient(
        base_url=settings.api_url("salesforce"),
        headers={
            "Authorization": f"Bearer {settings.credential('salesforce')}",
            "Accept": "application/json",
        },
        rate_limit=SalesforceObject.rate_limit,
        clock=clock,
    )
    return SalesforceObject(object_name, http, external_id, float(max_wait))
