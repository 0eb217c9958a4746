"""A fake Salesforce org that takes Leads through Bulk API 2.0 ingest jobs, in Salesforce's shapes.

Reverse ETL writes Leads here; nothing is read from the world. Endpoints (below
``/services/data/v62.0``, any ``vNN.N`` is accepted; ``Authorization: Bearer <session id>``):

- ``POST /jobs/ingest`` ``{"object": "Lead", "operation": "insert"|"update"|"upsert"|"delete",
  "externalIdFieldName", "contentType": "CSV", "lineEnding": "LF"|"CRLF"}`` → the job, ``Open``.
- ``PUT /jobs/ingest/{id}/batches`` (``Content-Type: text/csv``, at most 150,000,000 bytes) → 201;
  while the job is Open, a second upload replaces the first (a retried upload stores nothing twice).
- ``PATCH /jobs/ingest/{id}`` ``{"state": "UploadComplete"|"Aborted"}``.
- ``GET /jobs/ingest/{id}``: a closed job moves ``UploadComplete`` → ``InProgress`` on the first
  poll and is processed on the second, which answers ``JobComplete`` (or ``Failed`` with its
  ``errorMessage``) and carries the request log's ``written`` (the external ids of the Leads it
  stored or deleted). Deterministic, nothing sleeps.
- ``GET /jobs/ingest/{id}/successfulResults/`` (``"sf__Id","sf__Created",<uploaded columns>``) and
  ``.../failedResults/`` (``"sf__Id","sf__Error",<uploaded columns>``). As the real API does not
  keep the upload's order, the fake answers in reverse order: clients must match rows by a column.
- ``GET /sobjects/Lead/describe`` → ``{"name": "Lead", "fields": [{"name", "type", "externalId",
  "createable", "updateable", "nillable", "unique", "length", "label"}]}``.
- ``GET /query?q=`` for ``SELECT COUNT() FROM Lead`` and ``SELECT Id, <fields> FROM Lead [WHERE
  <field> IN ('a', ...) | <field> = 'a'] [LIMIT n]`` (one page, ``done: true``).

Lead rules as a real org applies them: a column that is not a writable Lead field fails the whole
job (``InvalidBatch : Field name not found : X``); per record, a create without LastName or
Company is ``REQUIRED_FIELD_MISSING``, a bad Email ``INVALID_EMAIL_ADDRESS``, a number or checkbox
that does not parse ``INVALID_FIELD``, a too-long text ``STRING_TOO_LONG``. An empty CSV value
leaves the field as it is and ``#N/A`` sets it to null (Bulk API's own convention). Upserts match
on the external id ``Roundtrip_Id__c``; deletes move a Lead to the recycle bin (``IsDeleted``).
Leads live in ``destinations.salesforce_leads``, jobs in ``destinations.salesforce_jobs``.

Errors are Salesforce's list ``[{"errorCode", "message"}]``. Salesforce has no per-second
window: it counts API requests per 24 hours (an Enterprise org starts at 100,000) and answers
``REQUEST_LIMIT_EXCEEDED`` once they are spent. The sandbox stands in with 100 requests a second,
so a runaway client is still caught.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from platform_assets.sandbox.fakeapi import (
    ApiRequest,
    ApiResponse,
    FakeApi,
    Handler,
    RateLimit,
    Route,
    bearer_token,
    guarded,
)
from platform_assets.sandbox.store import WorldStore

OBJECT = "Lead"
EXTERNAL_ID = "Roundtrip_Id__c"
MAX_UPLOAD_BYTES = 150_000_000
NULL_TEXT = "#N/A"
DEFAULT_STATUS = "Open - Not Contacted"
OPERATIONS = ("insert", "update", "upsert", "delete")
TERMINAL_STATES = ("JobComplete", "Failed", "Aborted")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ID_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_STATUS_CODES = {
    400: "INVALID_REQUEST",
    401: "INVALID_SESSION_ID",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    429: "REQUEST_LIMIT_EXCEEDED",
}


class SalesforceError(Exception):
    """A request Salesforce refuses: HTTP status, its ``errorCode`` and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> ApiResponse:
        return ApiResponse(
            status=self.status, body=[{"errorCode": self.code, "message": self.message}]
        )


@dataclass(frozen=True)
class LeadField:
    """One Lead field: its describe type, column type, and the rules a write must follow."""

    name: str
    type: str
    sql: str
    length: int = 0
    external_id: bool = False
    writable: bool = True
    required: bool = False  # on create; a required field cannot be set to null either


LEAD_FIELDS = {
    f.name: f
    for f in (
        LeadField("Id", "id", "varchar", 18, writable=False),
        LeadField(EXTERNAL_ID, "string", "varchar", 255, external_id=True),
        LeadField("Email", "email", "varchar", 80),
        LeadField("FirstName", "string", "varchar", 40),
        LeadField("LastName", "string", "varchar", 80, required=True),
        LeadField("Company", "string", "varchar", 255, required=True),
        LeadField("Industry", "picklist", "varchar", 255),
        LeadField("Status", "picklist", "varchar", 255),
        LeadField("Lead_Score__c", "double", "double"),
        LeadField("Lead_Decile__c", "double", "double"),
        LeadField("Is_MQL__c", "boolean", "boolean"),
        LeadField("GCLID__c", "string", "varchar", 255),
        LeadField("Lifetime_Value__c", "currency", "decimal(18, 2)"),
        LeadField("CreatedDate", "datetime", "timestamp", writable=False),
        LeadField("LastModifiedDate", "datetime", "timestamp", writable=False),
    )
}
_COLUMNS = ("seq", *LEAD_FIELDS, "IsDeleted")
_COLUMN_TYPES = {"seq": "integer", "IsDeleted": "boolean"} | {
    f.name: f.sql for f in LEAD_FIELDS.values()
}

_DDL = f"""
create table if not exists destinations.salesforce_leads (
    {", ".join(f'"{c}" {t}' for c, t in _COLUMN_TYPES.items())},
    primary key ("Id")
);
create table if not exists destinations.salesforce_jobs (
    seq integer, id varchar primary key, object varchar, operation varchar,
    external_id_field varchar, line_ending varchar, state varchar, created_at timestamp,
    modified_at timestamp, data varchar, processed integer, failed integer,
    error_message varchar, successful_results varchar, failed_results varchar
);
"""


# --- ids, times and values as Salesforce writes them ----------------------------------------
def salesforce_id(prefix: str, number: int) -> str:
    """An 18-character id: key prefix, pod, base-62 number, and the case-safe checksum suffix
    Salesforce appends (one letter per 5 characters, from which of them are upper case)."""
    digits = ""
    while number:
        number, digit = divmod(number, 62)
        digits = _BASE62[digit] + digits
    short = prefix + "Dn" + digits.rjust(10, "0")
    suffix = "".join(
        _ID_CHECKSUM[sum(1 << i for i, c in enumerate(short[n : n + 5]) if c.isupper())]
        for n in range(0, 15, 5)
    )
    return short + suffix


def salesforce_time(value: datetime | None) -> str | None:
    """``2026-01-08T10:00:00.000+0000``, the format of Salesforce's JSON datetimes."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return salesforce_time(value)
    return value


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return out.getvalue()


# --- one record of a job --------------------------------------------------------------------
class RecordError(Exception):
    """One record's ``sf__Error``: ``CODE:message:fields --``."""

    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(f"{code}:{message}:{' '.join(fields)} --")


def _parse(field: LeadField, text: str, column: int) -> Any:
    """One CSV value of ``field`` as stored, or :class:`RecordError`."""
    if field.type in ("double", "currency"):
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise RecordError(
                "INVALID_FIELD",
                f"Failed to deserialize field at col {column}. Due to, '{text}' is not a valid "
                "value for the type xsd:double",
            )
        return number if field.type == "currency" else float(number)
    if field.type == "boolean":
        if text.lower() not in ("true", "false", "1", "0"):
            raise RecordError(
                "INVALID_FIELD",
                f"Failed to deserialize field at col {column}. Due to, '{text}' is not a valid "
                "value for the type xsd:boolean",
            )
        return text.lower() in ("true", "1")
    if field.length and len(text) > field.length:
        raise RecordError(
            "STRING_TOO_LONG",
            f"{field.name}: data value too large: {text[:40]} (max length={field.length})",
            (field.name,),
        )
    if field.type == "email" and not EMAIL_PATTERN.fullmatch(text):
        raise RecordError(
            "INVALID_EMAIL_ADDRESS", f"Email: invalid email address: {text}", ("Email",)
        )
    return text


def _changes(header: list[str], row: list[str]) -> dict[str, Any]:
    """The fields a row sets: empty leaves a field alone, ``#N/A`` sets it to null."""
    changes: dict[str, Any] = {}
    for column, (name, text) in enumerate(zip(header, row, strict=True), start=1):
        if name == "Id" or text == "":
            continue
        changes[name] = None if text == NULL_TEXT else _parse(LEAD_FIELDS[name], text, column)
    return changes


def _check_required(lead: dict[str, Any]) -> None:
    missing = [f.name for f in LEAD_FIELDS.values() if f.required and lead.get(f.name) is None]
    if missing:
        raise RecordError(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            tuple(missing),
        )


@dataclass
class JobRun:
    """Processing one job: the org's Leads it touches, and what each row came to."""

    operation: str
    external_id_field: str | None
    now: datetime
    next_seq: int
    by_id: dict[str, dict[str, Any]]
    by_external_id: dict[str, dict[str, Any]]

    def __post_init__(self) -> None:
        self.changed: dict[str, dict[str, Any]] = {}
        self.successful: list[list[str]] = []
        self.failed: list[list[str]] = []
        self.written: list[str] = []

    def apply(self, header: list[str], row: list[str]) -> None:
        values = dict(zip(header, row, strict=True))
        lead_id = values.get("Id") or ""
        try:
            changes = _changes(header, row)
            lead, created = self._write(values, changes)
        except RecordError as exc:
            self.failed.append([lead_id, str(exc), *row])
            return
        self.successful.append([lead["Id"], str(created).lower(), *row])
        if lead.get(EXTERNAL_ID):
            self.written.append(lead[EXTERNAL_ID])

    def _write(self, values: dict[str, str], changes: dict[str, Any]) -> tuple[dict, bool]:
        if self.operation in ("update", "delete"):
            lead = self.by_id.get(values.get("Id") or "")
            if lead is None:
                raise RecordError("ENTITY_IS_DELETED", "entity is deleted")
            if self.operation == "delete":
                return self._store({**lead, "IsDeleted": True}), False
            return self._store(self._updated(lead, changes)), False
        if self.operation == "upsert":
            key = values.get(self.external_id_field or "") or ""
            if not key:
                raise RecordError("MISSING_ARGUMENT", f"{self.external_id_field} not specified")
            existing = self.by_external_id.get(key)
            if existing is not None:
                return self._store(self._updated(existing, changes)), False
        elif changes.get(EXTERNAL_ID) in self.by_external_id:
            duplicate = self.by_external_id[changes[EXTERNAL_ID]]
            raise RecordError(
                "DUPLICATE_VALUE",
                f"duplicate value found: {EXTERNAL_ID} duplicates value on record with id: "
                f"{duplicate['Id']}",
                (EXTERNAL_ID,),
            )
        return self._store(self._created(changes)), True

    def _created(self, changes: dict[str, Any]) -> dict[str, Any]:
        lead = dict.fromkeys(_COLUMNS) | {"Status": DEFAULT_STATUS} | changes
        _check_required(lead)
        self.next_seq += 1
        return lead | {
            "seq": self.next_seq,
            "Id": salesforce_id("00Q", self.next_seq),
            "CreatedDate": self.now,
            "LastModifiedDate": self.now,
            "IsDeleted": False,
        }

    def _updated(self, lead: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        updated = {**lead, **changes, "LastModifiedDate": self.now}
        _check_required(updated)
        return updated

    def _store(self, lead: dict[str, Any]) -> dict[str, Any]:
        self.changed[lead["Id"]] = lead
        if lead[EXTERNAL_ID]:
            if lead["IsDeleted"]:
                self.by_external_id.pop(lead[EXTERNAL_ID], None)
            else:
                self.by_external_id[lead[EXTERNAL_ID]] = lead
        return lead


# --- jobs -----------------------------------------------------------------------------------
def _ready(store: WorldStore) -> None:
    with store.writing() as cur:
        cur.execute(_DDL)


def _job(store: WorldStore, job_id: str) -> dict[str, Any]:
    _ready(store)
    rows = store.query("select * from destinations.salesforce_jobs where id = ?", [job_id])
    if not rows:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    return rows[0]


def _job_info(job: dict[str, Any], version: str) -> dict[str, Any]:
    info = {
        "id": job["id"],
        "operation": job["operation"],
        "object": job["object"],
        "createdById": salesforce_id("005", 1),
        "createdDate": salesforce_time(job["created_at"]),
        "systemModstamp": salesforce_time(job["modified_at"]),
        "state": job["state"],
        "externalIdFieldName": job["external_id_field"],
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(version),
        "jobType": "V2Ingest",
        "contentUrl": f"services/data/v{version}/jobs/ingest/{job['id']}/batches",
        "lineEnding": job["line_ending"],
        "columnDelimiter": "COMMA",
        "numberRecordsProcessed": job["processed"],
        "numberRecordsFailed": job["failed"],
        "retries": 0,
        "totalProcessingTime": 0,
        "apiActiveProcessingTime": 0,
        "apexProcessingTime": 0,
    }
    if job["error_message"]:
        info["errorMessage"] = job["error_message"]
    return info


def _json_object(request: ApiRequest) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError as exc:
        raise SalesforceError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None
    if not isinstance(body, dict):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "the request body must be a JSON object")
    return body


def create_job(request: ApiRequest, store: WorldStore) -> ApiResponse:
    body = _json_object(request)
    operation = body.get("operation")
    if body.get("object") != OBJECT:
        raise SalesforceError(400, "INVALIDJOB", f"Unable to find object: {body.get('object')}")
    if operation not in OPERATIONS:
        raise SalesforceError(
            400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}; use {OPERATIONS}"
        )
    if body.get("contentType", "CSV") != "CSV" or body.get("columnDelimiter", "COMMA") != "COMMA":
        raise SalesforceError(400, "INVALIDJOB", "Only CSV with a COMMA delimiter is supported")
    line_ending = body.get("lineEnding", "LF")
    if line_ending not in ("LF", "CRLF"):
        raise SalesforceError(400, "INVALIDJOB", f"Invalid lineEnding: {line_ending}")
    external_id = body.get("externalIdFieldName")
    if operation == "upsert":
        field = LEAD_FIELDS.get(external_id or "")
        if field is None or not field.external_id:
            raise SalesforceError(
                400,
                "INVALIDJOB",
                f"InvalidJob : Field name provided, {external_id} does not match an External ID, "
                "Salesforce Id, or indexed field for Lead",
            )
    now = store.clock()
    _ready(store)
    with store.writing() as cur:
        seq = cur.execute("select count(*) + 1 from destinations.salesforce_jobs").fetchall()[0][0]
        job_id = salesforce_id("750", seq)
        cur.execute(
            "insert into destinations.salesforce_jobs values "
            "(?, ?, ?, ?, ?, ?, 'Open', ?, ?, null, 0, 0, null, null, null)",
            [seq, job_id, OBJECT, operation, external_id, line_ending, now, now],
        )
    return ApiResponse(body=_job_info(_job(store, job_id), request.path_params["version"]))


def upload_job_data(request: ApiRequest, store: WorldStore) -> ApiResponse:
    job = _job(store, request.path_params["job_id"])
    if job["state"] != "Open":
        raise SalesforceError(
            409,
            "INVALIDJOBSTATE",
            f"Job {job['id']} is {job['state']}; data can be uploaded to an Open job only",
        )
    if not request.headers.get("content-type", "").startswith("text/csv"):
        raise SalesforceError(400, "INVALIDCONTENTTYPE", "Content-Type must be text/csv")
    if len(request.body) > MAX_UPLOAD_BYTES:
        raise SalesforceError(400, "INVALIDBATCH", f"upload exceeds {MAX_UPLOAD_BYTES} bytes")
    try:
        data = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise SalesforceError(400, "INVALIDBATCH", "the data is not UTF-8") from None
    with store.writing() as cur:
        cur.execute(
            "update destinations.salesforce_jobs set data = ?, modified_at = ? where id = ?",
            [data, store.clock(), job["id"]],
        )
    return ApiResponse(status=201, body=None)


def change_job_state(request: ApiRequest, store: WorldStore) -> ApiResponse:
    job = _job(store, request.path_params["job_id"])
    wanted = _json_object(request).get("state")
    allowed = {"UploadComplete": ("Open",), "Aborted": ("Open", "UploadComplete")}
    if wanted not in allowed:
        raise SalesforceError(400, "INVALIDJOBSTATE", f"Invalid state: {wanted}")
    if job["state"] not in allowed[wanted]:
        raise SalesforceError(
            409, "INVALIDJOBSTATE", f"Job {job['id']} is {job['state']}; cannot move to {wanted}"
        )
    with store.writing() as cur:
        cur.execute(
            "update destinations.salesforce_jobs set state = ?, modified_at = ? where id = ?",
            [wanted, store.clock(), job["id"]],
        )
    return ApiResponse(body=_job_info(_job(store, job["id"]), request.path_params["version"]))


def get_job(request: ApiRequest, store: WorldStore) -> ApiResponse:
    """Job info; a poll moves a closed job on one state (see the module docstring)."""
    job = _job(store, request.path_params["job_id"])
    written: tuple[str, ...] = ()
    if job["state"] == "UploadComplete":
        with store.writing() as cur:
            cur.execute(
                "update destinations.salesforce_jobs set state = 'InProgress' where id = ?",
                [job["id"]],
            )
    elif job["state"] == "InProgress":
        written = _process(store, job)
    return ApiResponse(
        body=_job_info(_job(store, job["id"]), request.path_params["version"]), written=written
    )


def _failed_job(cur: Any, job: dict[str, Any], message: str) -> tuple[str, ...]:
    cur.execute(
        "update destinations.salesforce_jobs set state = 'Failed', error_message = ? where id = ?",
        [message, job["id"]],
    )
    return ()


def _header_problem(job: dict[str, Any], rows: list[list[str]]) -> str | None:
    """Why the uploaded data fails the whole job, or None."""
    if not rows:
        return "InvalidBatch : No data uploaded"
    header, operation = rows[0], job["operation"]
    for name in header:
        field = LEAD_FIELDS.get(name)
        id_allowed = name == "Id" and operation in ("update", "delete")
        if field is None or not (field.writable or id_allowed):
            return f"InvalidBatch : Field name not found : {name}"
    if operation in ("update", "delete") and "Id" not in header:
        return "InvalidBatch : Field name not found : Id (required for update and delete)"
    if operation == "upsert" and job["external_id_field"] not in header:
        return f"InvalidBatch : External ID field {job['external_id_field']} is not in the data"
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            return f"ClientInputError : LineNumber: {line}, wrong number of columns"
    return None


def _process(store: WorldStore, job: dict[str, Any]) -> tuple[str, ...]:
    """Apply the job's data to the org's Leads in one transaction; store the results files."""
    rows = [row for row in csv.reader(io.StringIO(job["data"] or "")) if row]
    now = store.clock()
    with store.writing() as cur:
        problem = _header_problem(job, rows)
        if problem is not None:
            return _failed_job(cur, job, problem)
        header, data = rows[0], rows[1:]
        ids = [row[header.index("Id")] for row in data] if "Id" in header else []
        keys = [row[header.index(EXTERNAL_ID)] for row in data] if EXTERNAL_ID in header else []
        names = ", ".join(f'"{c}"' for c in _COLUMNS)
        result = cur.execute(
            f"""
            select {names} from destinations.salesforce_leads
            where not "IsDeleted" and ("Id" in (select unnest($ids::varchar[]))
                or "{EXTERNAL_ID}" in (select unnest($keys::varchar[])))
            """,
            {"ids": ids, "keys": keys},
        )
        leads = [dict(zip(_COLUMNS, row, strict=True)) for row in result.fetchall()]
        count = cur.execute("select count(*) from destinations.salesforce_leads").fetchall()
        run = JobRun(
            operation=job["operation"],
            external_id_field=job["external_id_field"],
            now=now,
            next_seq=count[0][0],
            by_id={lead["Id"]: lead for lead in leads},
            by_external_id={lead[EXTERNAL_ID]: lead for lead in leads if lead[EXTERNAL_ID]},
        )
        for row in data:
            run.apply(header, row)
        if run.changed:
            casts = ", ".join('r."{0}"::{1} as "{0}"'.format(*ct) for ct in _COLUMN_TYPES.items())
            cur.execute(
                f"insert or replace into destinations.salesforce_leads "
                f"select {casts} from (select unnest($rows) as r)",
                {"rows": [_storable(lead) for lead in run.changed.values()]},
            )
        cur.execute(
            """
            update destinations.salesforce_jobs set state = 'JobComplete', processed = ?,
                failed = ?, successful_results = ?, failed_results = ?, modified_at = ?
            where id = ?
            """,
            [
                len(data),
                len(run.failed),
                _csv([["sf__Id", "sf__Created", *header], *reversed(run.successful)]),
                _csv([["sf__Id", "sf__Error", *header], *reversed(run.failed)]),
                now,
                job["id"],
            ],
        )
    return tuple(run.written)


def _storable(lead: dict[str, Any]) -> dict[str, Any]:
    """A Lead as one struct of text and plain values (every row the same shape for unnest)."""
    return {c: None if lead[c] is None else str(lead[c]) for c in _COLUMNS}


def job_results(request: ApiRequest, store: WorldStore) -> ApiResponse:
    job = _job(store, request.path_params["job_id"])
    kind = request.path_params["kind"]
    if job["state"] not in ("JobComplete", "Failed"):
        raise SalesforceError(
            409, "INVALIDJOBSTATE", f"Job {job['id']} is {job['state']}; results are not ready"
        )
    column = "sf__Created" if kind == "successfulResults" else "sf__Error"
    stored = job["successful_results" if kind == "successfulResults" else "failed_results"]
    text = stored or _csv([["sf__Id", column]])
    rows = max(0, text.count("\n") - 1)
    return ApiResponse(body=text, content_type="text/csv", rows=rows)


# --- reading back ---------------------------------------------------------------------------
def describe(request: ApiRequest, store: WorldStore) -> ApiResponse:
    if request.path_params["object"] != OBJECT:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    fields = [
        {
            "name": f.name,
            "label": f.name.removesuffix("__c").replace("_", " "),
            "type": f.type,
            "length": f.length,
            "externalId": f.external_id,
            "unique": f.external_id,
            "createable": f.writable,
            "updateable": f.writable,
            "nillable": not f.required and f.name != "Id",
        }
        for f in LEAD_FIELDS.values()
    ]
    return ApiResponse(body={"name": OBJECT, "label": OBJECT, "fields": fields}, rows=len(fields))


_SOQL = re.compile(
    r"select\s+(?P<fields>.+?)\s+from\s+(?P<object>\w+)"
    r"(?:\s+where\s+(?P<field>\w+)\s*"
    r"(?:in\s*\((?P<values>[^)]*)\)|=\s*(?P<value>'(?:[^'\\]|\\.)*')))?"
    r"(?:\s+limit\s+(?P<limit>\d+))?\s*",
    re.IGNORECASE | re.DOTALL,
)


def query(request: ApiRequest, store: WorldStore) -> ApiResponse:
    """The two SOQL shapes the module docstring names; anything else is MALFORMED_QUERY."""
    soql = request.arg("q") or ""
    match = _SOQL.fullmatch(soql.strip())
    if match is None:
        raise SalesforceError(400, "MALFORMED_QUERY", f"unsupported query: {soql}")
    if match["object"] != OBJECT:
        raise SalesforceError(
            400, "INVALID_TYPE", f"sObject type '{match['object']}' is not supported."
        )
    wanted = [name.strip() for name in match["fields"].split(",")]
    count_only = [w.upper() for w in wanted] == ["COUNT()"]
    fields = [] if count_only else wanted
    for name in [*fields, *([match["field"]] if match["field"] else [])]:
        if name not in LEAD_FIELDS:
            raise SalesforceError(400, "INVALID_FIELD", f"No such column '{name}' on entity 'Lead'")
    where, params = 'not "IsDeleted"', {}
    if match["field"]:
        quoted = re.findall(r"'((?:[^'\\]|\\.)*)'", match["values"] or match["value"])
        values = [re.sub(r"\\(.)", r"\1", value) for value in quoted]
        where += f' and "{match["field"]}"::varchar in (select unnest($values::varchar[]))'
        params["values"] = values
    limit = f" limit {int(match['limit'])}" if match["limit"] else ""
    _ready(store)
    if count_only:
        total = store.query(
            f"select count(*) as n from destinations.salesforce_leads where {where}", params
        )[0]["n"]
        return ApiResponse(body={"totalSize": total, "done": True, "records": []})
    names = ", ".join(f'"{name}"' for name in ["Id", *fields])
    rows = store.query(
        f"select {names} from destinations.salesforce_leads where {where} order by seq{limit}",
        params,
    )
    url = f"/services/data/v{request.path_params['version']}/sobjects/{OBJECT}/"
    records = [
        {
            "attributes": {"type": OBJECT, "url": url + row["Id"]},
            **{name: _json_value(row[name]) for name in fields},
        }
        for row in rows
    ]
    body = {"totalSize": len(records), "done": True, "records": records}
    return ApiResponse(body=body, rows=len(records))


# --- the API --------------------------------------------------------------------------------
def _salesforce(handler: Handler) -> Handler:
    return guarded(handler, SalesforceError, lambda exc: exc.response())


class SalesforceApi(FakeApi):
    name = "salesforce"
    rate_limit = RateLimit(requests=100, per_seconds=1)

    def routes(self) -> list[Route]:
        base = r"/services/data/v(?P<version>\d+\.\d+)"
        job = base + r"/jobs/ingest/(?P<job_id>\w+)"
        table = [
            ("POST", base + "/jobs/ingest/?", create_job),
            ("PUT", job + "/batches/?", upload_job_data),
            ("PATCH", job + "/?", change_job_state),
            ("GET", job + "/?", get_job),
            ("GET", job + "/(?P<kind>successfulResults|failedResults)/?", job_results),
            ("GET", base + r"/sobjects/(?P<object>\w+)/describe/?", describe),
            ("GET", base + "/query/?", query),
        ]
        return [Route(method, pattern, _salesforce(handler)) for method, pattern, handler in table]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        """An OAuth access token (session id), sent as ``Authorization: Bearer <token>``."""
        return bearer_token(request) == credential

    def error(self, status: int, message: str) -> ApiResponse:
        code = _STATUS_CODES.get(status, "UNKNOWN_EXCEPTION")
        if status == 401:
            message = "Session expired or invalid"
        return SalesforceError(status, code, message).response()


API = SalesforceApi()
