"""The Zendesk users destination against the sandbox's Zendesk fake, over real HTTP.

The client polls Zendesk's job status between submits; an injected clock makes those waits
instant, and the sandbox's request log counts what the fake stored.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests

from platform_assets.activation.destinations import connect
from platform_assets.activation.destinations import zendesk as zendesk_destination
from platform_assets.activation.destinations.base import (
    BatchRejected,
    DestinationConfigError,
    Operation,
    Record,
)
from platform_assets.activation.http import Clock, DestinationUnavailable
from platform_assets.sandbox.server import clear_faults, request_log, set_faults
from platform_assets.settings import Settings

NEW_USER_ID_BASE = 390_000_000_000


class FakeClock(Clock):
    """Time that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)


def _auth(settings: Settings) -> dict[str, str]:
    token = base64.b64encode(settings.credential("zendesk").encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _get(settings: Settings, path: str, **params: str) -> dict:
    response = requests.get(
        f"{settings.api_url('zendesk')}{path}", params=params, headers=_auth(settings), timeout=10
    )
    response.raise_for_status()
    return response.json()


def _world_end_users(settings: Settings, n: int) -> list[dict]:
    users = _get(settings, "/api/v2/incremental/users.json", start_time="0")["users"]
    return [u for u in users if u["role"] == "end-user"][:n]


def _search(settings: Settings, email: str) -> list[dict]:
    return _get(settings, "/api/v2/users/search.json", query=f"email:{email}")["users"]


def _record(email: str, name: str, **user_fields: object) -> Record:
    fields = {"email": email, "name": name}
    fields |= {f"user_fields.{key}": value for key, value in user_fields.items()}
    return Record(key=email, fields=fields)


def _written(settings: Settings) -> int:
    return request_log(settings.sandbox_url, "zendesk")["written"]


def test_create_then_update_keeps_ids_and_a_resend_creates_no_duplicates(sandbox: Settings):
    clock = FakeClock()
    users = connect("zendesk", "users", sandbox, clock=clock)
    known = _world_end_users(sandbox, 2)
    batch = [
        # a world user, matched on email whatever its case
        _record(
            known[0]["email"].upper(), known[0]["name"], industry="Fintech", mrr=Decimal("99.50")
        ),
        _record(known[1]["email"], known[1]["name"], plan="growth"),
        _record("new.lead@example.org", "New Lead", industry="Retail", plan="starter", mrr=0),
    ]
    first = users.send(Operation.UPSERT, batch)
    assert [o.ok for o in first] == [True, True, True]
    assert [o.destination_id for o in first[:2]] == [str(known[0]["id"]), str(known[1]["id"])]
    assert int(first[2].destination_id) > NEW_USER_ID_BASE
    assert clock.sleeps and clock.t < zendesk_destination.MAX_JOB_SECONDS  # polled, no real wait

    [merged] = _search(sandbox, known[0]["email"])
    assert merged["id"] == known[0]["id"]
    assert merged["user_fields"] == {"industry": "Fintech", "mrr": 99.5}
    assert merged["organization_id"] == known[0]["organization_id"]  # the world's, kept

    changed = [
        _record(known[0]["email"], known[0]["name"], industry="Insurance"),
        batch[1],
        _record("NEW.LEAD@example.org", "New Lead", plan="enterprise"),
    ]
    second = users.send(Operation.UPSERT, changed)
    assert [o.destination_id for o in second] == [o.destination_id for o in first]
    assert _written(sandbox) == 6  # every record stored once per send
    [created] = _search(sandbox, "new.lead@example.org")
    assert created["user_fields"] == {"industry": "Retail", "plan": "enterprise", "mrr": 0}
    assert _search(sandbox, known[0]["email"])[0]["user_fields"]["industry"] == "Insurance"
    users.close()


def test_written_users_come_back_in_the_incremental_export(sandbox: Settings):
    """The round trip: what the sync wrote is what the next incremental users sync reads."""
    clock = requests.get(f"{sandbox.sandbox_url}/_sandbox/health", timeout=10).json()["clock"]
    since = int(datetime.fromisoformat(clock).replace(tzinfo=UTC).timestamp())
    assert _get(sandbox, "/api/v2/incremental/users.json", start_time=str(since))["users"] == []
    [known] = _world_end_users(sandbox, 1)
    users = connect("zendesk", "users", sandbox, clock=FakeClock())
    batch = [
        _record(known["email"], known["name"], industry="Media"),
        _record("fresh@example.net", "Fresh Face", plan="pro"),
    ]
    ids = [o.destination_id for o in users.send(Operation.UPSERT, batch)]
    exported = _get(sandbox, "/api/v2/incremental/users.json", start_time=str(since))["users"]
    assert [str(u["id"]) for u in exported] == sorted(ids)
    by_email = {u["email"]: u for u in exported}
    assert by_email[known["email"]]["user_fields"] == {"industry": "Media"}
    assert by_email[known["email"]]["created_at"] == known["created_at"]
    assert by_email["fresh@example.net"]["name"] == "Fresh Face"
    everyone = _get(sandbox, "/api/v2/incremental/users.json", start_time="0")["users"]
    assert len({u["id"] for u in everyone}) == len(everyone)  # merged, not repeated


def test_the_next_zendesk_ingestion_lands_the_written_users(sandbox: Settings):
    """Through the real connector: a created user lands in raw_zendesk.user, an updated one
    is read again (its updated_at moves to the clock of the write)."""
    from platform_assets.ingestion import dlt_support
    from platform_assets.ingestion.zendesk import zendesk_source
    from platform_assets.warehouse import connect as warehouse

    [known] = _world_end_users(sandbox, 1)
    users = connect("zendesk", "users", sandbox, clock=FakeClock())
    batch = [_record(known["email"], known["name"], industry="Media"), _record("n@ex.io", "N N")]
    created = users.send(Operation.UPSERT, batch)[1].destination_id
    dlt_support.run_source(sandbox, "zendesk", zendesk_source)
    clock = requests.get(f"{sandbox.sandbox_url}/_sandbox/health", timeout=10).json()["clock"]
    with warehouse(sandbox, read_only=True) as con:
        landed = con.execute(
            "select id, email, name, updated_at from raw_zendesk.user where id in (?, ?) "
            "order by id",
            [known["id"], int(created)],
        ).fetchall()
    stamp = datetime.fromisoformat(clock)
    assert landed == [
        (known["id"], known["email"], known["name"], stamp),
        (int(created), "n@ex.io", "N N", stamp),
    ]


def test_a_bad_email_is_rejected_alone_with_zendesks_error(sandbox: Settings):
    users = connect("zendesk", "users", sandbox, clock=FakeClock())
    batch = [_record(f"person{i}@example.com", f"Person {i}") for i in range(5)]
    batch[2] = _record("not-an-email@", "Broken")
    outcomes = users.send(Operation.UPSERT, batch)
    assert [o.ok for o in outcomes] == [True, True, False, True, True]
    assert outcomes[2].key == "not-an-email@"
    assert "EmailInvalid" in outcomes[2].error and "not-an-email@" in outcomes[2].error
    assert not outcomes[2].retriable
    assert _written(sandbox) == 4


def test_an_undefined_user_field_is_rejected_per_user_and_by_check_fields(sandbox: Settings):
    users = connect("zendesk", "users", sandbox, clock=FakeClock())
    users.check_fields(
        ["email", "name", "user_fields.industry", "user_fields.plan", "user_fields.mrr"]
    )
    with pytest.raises(DestinationConfigError, match="user_fields.favourite_colour"):
        users.check_fields(["email", "user_fields.favourite_colour"])
    with pytest.raises(DestinationConfigError, match="emial"):
        users.check_fields(["emial", "name"])
    [outcome] = users.send(
        Operation.UPSERT, [_record("a@example.com", "A", favourite_colour="red")]
    )
    assert (
        not outcome.ok and "InvalidValue" in outcome.error and "favourite_colour" in outcome.error
    )


def test_more_than_100_users_are_refused_whole(sandbox: Settings):
    response = requests.post(
        f"{sandbox.api_url('zendesk')}/api/v2/users/create_or_update_many.json",
        json={"users": [{"email": f"u{i}@example.com", "name": "U"} for i in range(101)]},
        headers=_auth(sandbox),
        timeout=10,
    )
    assert response.status_code == 400 and response.json()["error"] == "TooManyUsers"
    users = connect("zendesk", "users", sandbox, clock=FakeClock())
    assert users.max_batch_size == 100
    with pytest.raises(BatchRejected, match="TooManyUsers"):
        users.send(Operation.UPSERT, [_record(f"u{i}@example.com", "U") for i in range(101)])
    assert _written(sandbox) == 0


def test_a_lost_answer_then_a_resend_updates_the_same_users(sandbox: Settings):
    """The fake commits a submit before its answer is lost; the resend must not duplicate."""
    users = connect("zendesk", "users", sandbox, clock=FakeClock())
    batch = [_record(f"lost{i}@example.com", f"Lost {i}", plan="pro") for i in range(3)]
    set_faults(sandbox.sandbox_url, {"probability": 1.0, "kinds": ["lost_response"]})
    with pytest.raises(DestinationUnavailable):
        users.send(Operation.UPSERT, batch)
    assert _written(sandbox) >= 3  # stored, though no answer came back
    clear_faults(sandbox.sandbox_url)
    outcomes = users.send(Operation.UPSERT, batch)
    assert all(o.ok for o in outcomes)
    for record, outcome in zip(batch, outcomes, strict=True):
        [user] = _search(sandbox, record.key)
        assert str(user["id"]) == outcome.destination_id


def test_a_job_that_never_completes_names_the_job(
    sandbox: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(zendesk_destination, "MAX_JOB_SECONDS", 0.1)
    users = connect("zendesk", "users", sandbox, clock=FakeClock())
    with pytest.raises(DestinationUnavailable, match=r"Zendesk job \w+ still working"):
        users.send(Operation.UPSERT, [_record("slow@example.com", "Slow")])


def test_payload_nests_user_fields_and_converts_values():
    payload = zendesk_destination.user_payload(
        {
            "email": "a@example.com",
            "user_fields.mrr": Decimal("12.30"),
            "user_fields.signed_up": datetime(2026, 5, 1, 8, 30),
        }
    )
    assert payload == {
        "email": "a@example.com",
        "user_fields": {"mrr": 12.3, "signed_up": "2026-05-01T08:30:00Z"},
    }


def test_connect_refuses_unknown_objects_and_options(sandbox: Settings):
    with pytest.raises(DestinationConfigError, match="tickets"):
        connect("zendesk", "tickets", sandbox)
    with pytest.raises(DestinationConfigError, match="audience"):
        connect("zendesk", "users", sandbox, {"audience": "x"})
