"""The HubSpot contacts destination against the sandbox's fake HubSpot over real HTTP.

Upserts create and update by email (ids stable, a re-send duplicates nothing), a 207 maps to one
outcome per record, a batch HubSpot refuses whole raises BatchRejected, a mapping naming a
property the portal lacks is refused before anything is sent, deletes archive, and the client
keeps under HubSpot's 100 requests per 10 s (counted in the sandbox's request log, not timed).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
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
from platform_assets.activation.destinations.hubspot import (
    NOT_CONFIRMED,
    HubSpotContacts,
    property_text,
)
from platform_assets.activation.http import HttpClient
from platform_assets.sandbox.apis.hubspot_writes import NEW_CONTACT_ID_BASE
from platform_assets.sandbox.server import request_log, reset_request_log
from platform_assets.settings import Settings

# The sync's mapping (hubspot__contacts): destination fields as the engine hands them over.
MAPPED = (
    "email",
    "roundtrip_lead_score",
    "roundtrip_lead_decile",
    "roundtrip_is_mql",
    "hs_google_click_id",
    "industry",
    "roundtrip_lifetime_value",
)


@pytest.fixture()
def hubspot(sandbox: Settings) -> Iterator[HubSpotContacts]:
    destination = connect("hubspot", "contacts", sandbox)
    assert isinstance(destination, HubSpotContacts)
    try:
        yield destination
    finally:
        destination.close()


def api(settings: Settings, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """A direct call to the fake, to read back what the client wrote."""
    response = requests.request(
        method,
        settings.api_url("hubspot") + path,
        headers={"Authorization": f"Bearer {settings.credential('hubspot')}"},
        timeout=10,
        **kwargs,
    )
    response.raise_for_status()
    return response.json() if response.content else {}


def world_emails(settings: Settings, n: int) -> list[tuple[str, str]]:
    """``(id, email)`` of the first ``n`` live contacts of the tiny world."""
    body = api(settings, "GET", "/crm/v3/objects/contacts", params={"limit": n})
    return [(c["id"], c["properties"]["email"]) for c in body["results"]]


def contact(settings: Settings, contact_id: str) -> dict[str, Any]:
    body = {"inputs": [{"id": contact_id}], "properties": list(MAPPED)}
    return api(settings, "POST", "/crm/v3/objects/contacts/batch/read", json=body)["results"][0]


def record(email: str, **fields: Any) -> Record:
    return Record(key=email, fields={"email": email, **fields})


def written(settings: Settings) -> int:
    return request_log(settings.sandbox_url, "hubspot")["written"]


def test_upsert_creates_and_updates_by_email_and_a_resend_duplicates_nothing(
    sandbox: Settings, hubspot: HubSpotContacts
) -> None:
    (alice_id, alice), (bob_id, bob) = world_emails(sandbox, 2)
    before = hubspot.count()
    reset_request_log(sandbox.sandbox_url)
    batch = [
        record(alice.upper(), roundtrip_lead_score=87.5, roundtrip_is_mql=True),
        record(bob, roundtrip_lead_score=Decimal("12.30"), roundtrip_lead_decile=2),
        record("new.lead@example.com", roundtrip_lead_score=55, industry="retail"),
        record("Other.Lead@Example.com", roundtrip_lifetime_value=None, hs_google_click_id="g1"),
    ]
    first = hubspot.send(Operation.UPSERT, batch)
    assert [(o.key, o.ok) for o in first] == [(r.key, True) for r in batch]
    ids = [o.destination_id for o in first]
    assert ids[:2] == [alice_id, bob_id]  # matched case-insensitively: the world's contacts
    assert all(int(i) >= NEW_CONTACT_ID_BASE for i in ids[2:]) and ids[2] != ids[3]
    assert hubspot.count() == before + 2

    again = hubspot.send(Operation.UPSERT, batch)
    assert [o.destination_id for o in again] == ids
    assert hubspot.count() == before + 2
    assert written(sandbox) == 8  # both sends stored every record, and created nothing twice

    alice_now = contact(sandbox, alice_id)["properties"]
    assert alice_now["roundtrip_lead_score"] == "87.5"
    assert alice_now["roundtrip_is_mql"] == "true"
    assert alice_now["email"] == alice.lower()  # HubSpot stores the written email lower-cased
    bob_now = contact(sandbox, bob_id)["properties"]
    assert (bob_now["roundtrip_lead_score"], bob_now["roundtrip_lead_decile"]) == ("12.3", "2")
    created = contact(sandbox, ids[3])["properties"]
    assert created["email"] == "other.lead@example.com"  # HubSpot stores emails lower-cased
    assert (created["hs_google_click_id"], created["roundtrip_lifetime_value"]) == ("g1", None)

    # A null clears the property (HubSpot takes an empty string for that).
    hubspot.send(Operation.UPSERT, [record(alice, roundtrip_lead_score=None)])
    assert contact(sandbox, alice_id)["properties"]["roundtrip_lead_score"] is None


def test_a_207_maps_each_input_to_its_own_outcome(
    sandbox: Settings, hubspot: HubSpotContacts
) -> None:
    (_, alice), (_, bob), (_, cleo) = world_emails(sandbox, 3)
    reset_request_log(sandbox.sandbox_url)
    outcomes = hubspot.send(
        Operation.UPSERT,
        [
            record(alice, roundtrip_lead_score=1),
            record(bob, roundtrip_lead_score="high"),
            record("fresh@example.com", no_such_property="x"),
            record(cleo, roundtrip_is_mql="maybe"),
            record("also.fresh@example.com", lifecyclestage="lead"),
        ],
    )
    assert [o.ok for o in outcomes] == [True, False, False, False, True]
    errors = {o.key: o.error or "" for o in outcomes if not o.ok}
    assert "INVALID_INTEGER" in errors[bob] and "roundtrip_lead_score" in errors[bob]
    assert "PROPERTY_DOESNT_EXIST" in errors["fresh@example.com"]
    assert "INVALID_OPTION" in errors[cleo]
    assert not any(o.retriable for o in outcomes if not o.ok)  # the same data fails again
    log = request_log(sandbox.sandbox_url, "hubspot")
    assert [e["status"] for e in log["entries"]] == [207]
    assert log["written"] == 2


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        (["ok@example.com", "not-an-email"], "not-an-email"),
        (["dup@example.com", "ok@example.com", "DUP@example.com"], "dup@example.com"),
    ],
)
def test_a_batch_hubspot_refuses_whole_raises_batch_rejected(
    sandbox: Settings, hubspot: HubSpotContacts, keys: list[str], named: str
) -> None:
    reset_request_log(sandbox.sandbox_url)
    with pytest.raises(BatchRejected, match="VALIDATION_ERROR") as refused:
        hubspot.send(Operation.UPSERT, [record(k, industry="x") for k in keys])
    assert named in str(refused.value)
    assert written(sandbox) == 0


def test_check_fields_names_properties_the_portal_lacks_or_will_not_let_a_client_set(
    hubspot: HubSpotContacts,
) -> None:
    hubspot.check_fields(MAPPED)
    with pytest.raises(DestinationConfigError, match="roundtrip_lead_scroe"):
        hubspot.check_fields([*MAPPED, "roundtrip_lead_scroe"])
    with pytest.raises(DestinationConfigError, match="read-only contact properties createdate"):
        hubspot.check_fields(["email", "createdate"])


def test_update_touches_existing_contacts_only(sandbox: Settings, hubspot: HubSpotContacts) -> None:
    (alice_id, alice), *_ = world_emails(sandbox, 1)
    before = hubspot.count()
    outcomes = hubspot.send(
        Operation.UPDATE,
        [record(alice, industry="software"), record("nobody@example.com", industry="x")],
    )
    assert (outcomes[0].ok, outcomes[0].destination_id) == (True, alice_id)
    assert not outcomes[1].ok and "OBJECT_NOT_FOUND" in (outcomes[1].error or "")
    assert hubspot.count() == before
    assert contact(sandbox, alice_id)["properties"]["industry"] == "software"


def test_delete_archives_by_hubspot_id(sandbox: Settings, hubspot: HubSpotContacts) -> None:
    (alice_id, alice), *_ = world_emails(sandbox, 1)
    created = hubspot.send(Operation.UPSERT, [record("gone.soon@example.com", industry="x")])
    before = hubspot.count()
    outcomes = hubspot.send(
        Operation.DELETE,
        [
            Record("gone.soon@example.com", destination_id=created[0].destination_id),
            Record(alice, destination_id=alice_id),
            Record("never.synced@example.com"),
        ],
    )
    assert [o.ok for o in outcomes] == [True, True, False]
    assert hubspot.count() == before - 2
    archived = api(sandbox, "GET", "/crm/v3/objects/contacts", params={"archived": "true"})
    assert {created[0].destination_id, alice_id} <= {c["id"] for c in archived["results"]}
    # Upserting an archived contact's email creates a new contact, as HubSpot does.
    back = hubspot.send(Operation.UPSERT, [record(alice, industry="x")])
    assert back[0].ok and back[0].destination_id not in (alice_id, None)


def test_a_wrong_token_is_a_configuration_error(sandbox: Settings) -> None:
    http = HttpClient(sandbox.api_url("hubspot"), headers={"Authorization": "Bearer pat-wrong"})
    with pytest.raises(DestinationConfigError, match="HTTP 401"):
        HubSpotContacts(http).send(Operation.UPSERT, [record("a@example.com")])


def test_the_client_keeps_under_hubspots_rate_limit(
    sandbox: Settings, hubspot: HubSpotContacts
) -> None:
    reset_request_log(sandbox.sandbox_url)
    for n in range(150):
        hubspot.send(Operation.UPSERT, [record(f"burst{n}@example.com", industry="x")])
    totals = request_log(sandbox.sandbox_url, "hubspot")["apis"]["hubspot"]
    assert (totals["requests"], totals["rate_limited"], totals["written"]) == (150, 0, 150)


def test_a_record_hubspot_neither_confirms_nor_refuses_is_retried() -> None:
    hubspot = HubSpotContacts(HttpClient("http://unused.invalid"))
    body = {
        "results": [{"id": "7", "properties": {"email": "a@example.com"}}],
        "errors": [
            {"category": "VALIDATION_ERROR", "message": "bad", "context": {"id": ["b@x.io"]}}
        ],
    }
    a, b, c = hubspot._outcomes(body, [record("A@example.com"), record("b@x.io"), record("c@x.io")])
    assert (a.ok, a.destination_id, b.ok, b.retriable) == (True, "7", False, False)
    assert (c.ok, c.error, c.retriable) == (False, NOT_CONFIRMED, True)


def test_values_are_sent_as_hubspot_text() -> None:
    assert [
        property_text(v)
        for v in (None, True, False, 3, 2.0, 0.25, Decimal("1.50"), datetime(2026, 1, 2), "x")
    ] == ["", "true", "false", "3", "2", "0.25", "1.5", "1767312000000", "x"]
