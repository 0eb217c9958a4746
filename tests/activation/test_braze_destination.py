"""The Braze destination against the sandbox's ``/users/track`` fake, over real HTTP.

What arrived is read back through the fake's ``/users/export/ids`` and counted in the sandbox's
request log.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from platform_assets.activation.destinations import connect
from platform_assets.activation.destinations.base import (
    DestinationConfigError,
    Operation,
    Record,
)
from platform_assets.activation.destinations.braze import BrazeUsers, braze_value
from platform_assets.sandbox.server import request_log
from platform_assets.settings import Settings


def braze(sandbox: Settings, path: str, body: Any) -> requests.Response:
    return requests.post(
        sandbox.api_url("braze") + path,
        json=body,
        headers={"Authorization": f"Bearer {sandbox.credential('braze')}"},
        timeout=10,
    )


def exported(sandbox: Settings, *external_ids: str) -> dict[str, dict[str, Any]]:
    answer = braze(sandbox, "/users/export/ids", {"external_ids": list(external_ids)}).json()
    return {user["external_id"]: user for user in answer["users"]}


def user(key: str, **fields: Any) -> Record:
    return Record(key=key, fields={"external_id": key, **fields})


def users_client(sandbox: Settings, object_name: str = "users", **options: Any) -> BrazeUsers:
    client = connect("braze", object_name, sandbox, options)
    assert isinstance(client, BrazeUsers)
    return client


def test_attributes_upsert_and_read_back(sandbox: Settings) -> None:
    client = users_client(sandbox)
    signed_up = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    records = [
        user("u1", email="u1@example.com", plan="pro", lead_score=0.82, signed_up_at=signed_up),
        user("u2", email="u2@example.com", plan="free", lead_score=Decimal("0.10")),
    ]
    outcomes = client.send(Operation.UPSERT, records)
    assert [(o.key, o.ok, o.destination_id) for o in outcomes] == [
        ("u1", True, "u1"),
        ("u2", True, "u2"),
    ]
    client.send(Operation.UPSERT, [user("u2", plan="pro", lead_score=None)])

    profiles = exported(sandbox, "u1", "u2", "ghost")
    assert profiles["u1"]["email"] == "u1@example.com"
    assert profiles["u1"]["custom_attributes"] == {
        "plan": "pro",
        "lead_score": 0.82,
        "signed_up_at": "2026-03-01T09:30:00.000Z",
    }
    assert profiles["u2"]["custom_attributes"] == {"plan": "pro"}  # null unset the score
    log = request_log(sandbox.sandbox_url, "braze")
    assert sorted(k for e in log["entries"] for k in e["written"]) == ["u1", "u2", "u2"]


def test_a_bad_object_is_rejected_with_brazes_message_and_the_rest_accepted(
    sandbox: Settings,
) -> None:
    client = users_client(sandbox)
    records = [
        user("b1", plan="pro"),
        Record("b2", {"external_id": None, "plan": "pro"}),
        user("b3", plan="pro"),
        user("b4", plan={"tier": "gold"}),
        user("b5", plan="pro"),
    ]
    outcomes = client.send(Operation.UPSERT, records)

    assert [o.ok for o in outcomes] == [True, False, True, False, True]
    assert outcomes[1].error == (
        "Braze: Received object with no external_id, braze_id, user_alias or email"
    )
    assert "nested custom attributes are not enabled" in (outcomes[3].error or "")
    assert not outcomes[1].retriable
    assert set(exported(sandbox, "b1", "b3", "b4", "b5")) == {"b1", "b3", "b5"}


def test_no_request_carries_more_than_75_objects(sandbox: Settings) -> None:
    client = users_client(sandbox)
    assert client.max_batch_size == 75
    records = [user(f"m{n:03d}", plan="pro") for n in range(76)]

    assert all(o.ok for o in client.send(Operation.UPSERT, records))

    entries = request_log(sandbox.sandbox_url, "braze")["entries"]
    assert [len(e["written"]) for e in entries] == [75, 1]
    refused = braze(sandbox, "/users/track", {"attributes": [{"external_id": "x"}] * 76})
    assert refused.status_code == 400 and "at most 75" in refused.json()["message"]


def test_audience_add_then_delete_leaves_the_other_audiences(sandbox: Settings) -> None:
    eu = users_client(sandbox, "audience", audience="eu_signups_last_5_days")
    vip = users_client(sandbox, "audience", audience="vip")
    members = [user("a1"), user("a2")]
    assert all(o.ok for o in eu.send(Operation.UPSERT, members))
    assert all(o.ok for o in vip.send(Operation.INSERT, members[:1]))
    assert exported(sandbox, "a1")["a1"]["custom_attributes"]["roundtrip_audiences"] == [
        "eu_signups_last_5_days",
        "vip",
    ]

    assert all(o.ok for o in eu.send(Operation.DELETE, members))

    profiles = exported(sandbox, "a1", "a2")
    assert profiles["a1"]["custom_attributes"]["roundtrip_audiences"] == ["vip"]
    assert profiles["a2"]["custom_attributes"]["roundtrip_audiences"] == []
    assert eu.count() is None


def test_configuration_errors_name_what_to_fix(sandbox: Settings) -> None:
    with pytest.raises(DestinationConfigError, match="audience"):
        connect("braze", "audience", sandbox, {})
    with pytest.raises(DestinationConfigError, match="segments"):
        connect("braze", "segments", sandbox, {})
    with pytest.raises(DestinationConfigError, match="colour"):
        connect("braze", "users", sandbox, {"colour": "teal"})
    with pytest.raises(DestinationConfigError, match=r"\$plan"):
        users_client(sandbox).check_fields(["external_id", "$plan"])
    with pytest.raises(DestinationConfigError, match="email"):
        users_client(sandbox, "audience", audience="eu").check_fields(["external_id", "email"])
    with pytest.raises(DestinationConfigError, match="delete"):
        users_client(sandbox).send(Operation.DELETE, [user("x")])
    wrong = replace(sandbox, credentials={"braze": "revoked"})
    with pytest.raises(DestinationConfigError, match="Invalid API key"):
        connect("braze", "users", wrong, {}).send(Operation.UPSERT, [user("x")])


def test_values_go_as_braze_reads_them() -> None:
    assert braze_value(datetime(2026, 1, 8, 10, 0, 0, 5000)) == "2026-01-08T10:00:00.005Z"
    assert braze_value(date(2026, 1, 8)) == "2026-01-08T00:00:00.000Z"
    assert braze_value(Decimal("12.00")) == 12 and braze_value(Decimal("0.25")) == 0.25
    assert braze_value(float("nan")) is None and braze_value(True) is True


def test_track_answers_per_object_like_braze(sandbox: Settings) -> None:
    """The fake skips bad objects of any array and keeps the rest; ``_update_existing_only``
    creates no one; export returns only the fields asked for."""
    answer = braze(
        sandbox,
        "/users/track",
        {
            "attributes": [
                {"external_id": "t1", "$plan": "pro"},
                {"external_id": "t2", "plan": "pro", "tags": {"add": ["a", "b"]}},
                {"external_id": "t3", "plan": "pro", "_update_existing_only": True},
            ],
            "events": [{"external_id": "t2", "time": "2026-01-01T00:00:00Z"}],
        },
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["message"] == "success" and body["attributes_processed"] == 2
    assert [(e["input_array"], e["index"]) for e in body["errors"]] == [
        ("attributes", 0),
        ("events", 0),
    ]
    assert "'$plan'" in body["errors"][0]["type"] and "name" in body["errors"][1]["type"]
    export = braze(
        sandbox,
        "/users/export/ids",
        {
            "external_ids": ["t1", "t2", "t3"],
            "fields_to_export": ["external_id", "custom_attributes"],
        },
    ).json()
    assert export["users"] == [
        {"external_id": "t2", "custom_attributes": {"plan": "pro", "tags": ["a", "b"]}}
    ]
    assert export["invalid_user_ids"] == ["t1", "t3"]
