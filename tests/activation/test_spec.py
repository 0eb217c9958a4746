"""Sync definitions: the shipped ones load, and a wrong one names its file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_assets.activation.destinations import MODULES
from platform_assets.activation.spec import SyncDefinitionError, load_all, load_file

VALID = """
model: sync_hubspot__contacts
destination: hubspot
object: contacts
mode: upsert
primary_key: email
mapping: {email: email, roundtrip_lead_score: lead_score}
"""


def test_every_shipped_sync_loads_with_a_known_destination() -> None:
    specs = load_all()
    assert set(specs) == {
        "hubspot__contacts",
        "salesforce__leads",
        "zendesk__users",
        "google_ads__click_conversions",
        "braze__users",
        "braze__eu_recent_signups",
        "files__journey_features",
        "files__attribution",
    }
    for name, spec in specs.items():
        assert spec.destination in MODULES
        assert spec.model == f"sync_{name}"
        assert spec.asset_key_path == ["activation", spec.destination, name.split("__")[1]]
        assert spec.description and spec.owners
    assert specs["braze__eu_recent_signups"].delete_policy == "delete"
    assert specs["hubspot__contacts"].delete_policy == "ignore"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("mode: upsert", "mode: merge"), "mode 'merge': choose one of"),
        (lambda s: s.replace("primary_key: email\n", ""), "missing primary_key"),
        (lambda s: s + "batch_size: 0\n", "batch_size 0 must be a positive integer"),
        (lambda s: s + "max_delete_share: 1.5\n", "max_delete_share 1.5 must be a number"),
        (lambda s: s + "delete_polcy: delete\n", "unknown field(s) delete_polcy"),
        (
            lambda s: s.replace("mode: upsert", "mode: mirror") + "delete_policy: clear\n",
            "mode mirror deletes what left the model",
        ),
        (
            lambda s: s.replace("sync_hubspot__contacts", "contacts_for_hubspot"),
            "must be named sync_hubspot__contacts",
        ),
        (
            lambda s: s.replace(
                "mapping: {email: email, roundtrip_lead_score: lead_score}", "mapping: all"
            ),
            "mapping: all (every model column) is for",
        ),
        (lambda s: "- just\n- a list\n", "a sync definition is a YAML mapping"),
        (lambda s: s + "mapping: [\n", "not valid YAML"),
    ],
)
def test_a_wrong_definition_names_the_file_and_the_problem(
    tmp_path: Path,
    edit,
    message: str,  # noqa: ANN001 - a lambda per case
) -> None:
    path = tmp_path / "hubspot__contacts.yml"
    path.write_text(edit(VALID))
    with pytest.raises(SyncDefinitionError) as raised:
        load_file(path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_the_mapping_hash_follows_what_is_sent_not_how_it_is_batched(tmp_path: Path) -> None:
    path = tmp_path / "hubspot__contacts.yml"
    path.write_text(VALID)
    base = load_file(path).mapping_hash()
    path.write_text(VALID + "batch_size: 10\nmax_attempts: 9\n")
    assert load_file(path).mapping_hash() == base
    path.write_text(VALID.replace("roundtrip_lead_score: lead_score", "score: lead_score"))
    assert load_file(path).mapping_hash() != base
