"""Sync definitions: one YAML file per sync in ``activation/syncs/``, read and checked here.

A sync sends the rows of one dbt model (``sync_<destination>__<object>``, which states exactly the
rows and columns to send) to one object of one destination::

    model: sync_hubspot__contacts          # dbt model (schema activation unless relation)
    description: Lead scores onto HubSpot contacts, matched by email.
    destination: hubspot
    object: contacts
    mode: upsert                           # upsert | update | insert | mirror
    primary_key: email                     # a model column, unique and not null
    mapping:                               # destination field: model column (files: all)
      email: email
      roundtrip_lead_score: lead_score
    destination_options: {}                # destination-specific (Google Ads conversion action...)
    batch_size: 100                        # optional; at most the destination's limit
    delete_policy: ignore                  # ignore | clear | delete (mirror: delete)
    max_delete_share: 0.1                  # delete at most this share of the destination per run
    max_attempts: 3                        # permanently rejected records: attempts before giving up
    max_rejected_share: 0.05               # the asset check fails above this share of sent records
    paused: false
    cron: "0 * * * *"                      # optional; without it the sync follows its model
    owners: [team:growth]

The sync's name is the file name (``hubspot__contacts.yml``), which must be the model's name
without ``sync_``: one name from the model to the asset ``["activation", "hubspot", "contacts"]``.
A wrong definition fails at load with the file and the field named.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

MODES = ("upsert", "update", "insert", "mirror")
DELETE_POLICIES = ("ignore", "clear", "delete")
ALL_COLUMNS = {"*": "*"}
"""``mapping: all`` — every column of the model under its own name (file exports)."""
SYNCS_DIR = Path(__file__).parent / "syncs"
"""Where the shipped sync definitions live."""


class SyncDefinitionError(ValueError):
    """A sync definition cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class SyncSpec:
    name: str
    model: str
    destination: str
    object: str
    mode: str
    primary_key: str
    mapping: Mapping[str, str]
    description: str = ""
    relation: str = ""
    destination_options: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    delete_policy: str = "ignore"
    max_delete_share: float = 0.1
    max_attempts: int = 3
    max_rejected_share: float = 0.05
    paused: bool = False
    cron: str | None = None
    owners: tuple[str, ...] = ()

    @property
    def model_relation(self) -> str:
        """The relation the engine reads: ``relation`` if set, else ``activation.<model>``."""
        return self.relation or f"activation.{self.model}"

    @property
    def asset_key_path(self) -> list[str]:
        """``["activation", <destination>, <object part of the name>]``."""
        return ["activation", self.destination, self.name.split("__", 1)[-1]]

    def with_columns(self, columns: list[str]) -> SyncSpec:
        """This spec with ``mapping: all`` resolved to ``columns`` (others unchanged)."""
        if dict(self.mapping) != ALL_COLUMNS:
            return self
        return replace(self, mapping={column: column for column in columns})

    @property
    def columns(self) -> list[str]:
        """The model columns the sync reads: the key, then every mapped column once."""
        seen = [self.primary_key]
        for column in self.mapping.values():
            if column not in seen:
                seen.append(column)
        return seen

    def mapping_hash(self) -> str:
        """Identifies what is sent and how: a change here makes the next run a full resync."""
        identity = {
            "destination": self.destination,
            "object": self.object,
            "mode": self.mode,
            "primary_key": self.primary_key,
            "mapping": dict(sorted(self.mapping.items())),
            "destination_options": dict(sorted(self.destination_options.items())),
        }
        return hashlib.md5(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mapping"] = dict(self.mapping)
        data["destination_options"] = dict(self.destination_options)
        data["owners"] = list(self.owners)
        return data


_REQUIRED = ("model", "destination", "object", "mode", "primary_key", "mapping")
_OPTIONAL = {
    "description",
    "relation",
    "destination_options",
    "batch_size",
    "delete_policy",
    "max_delete_share",
    "max_attempts",
    "max_rejected_share",
    "paused",
    "cron",
    "owners",
}


def parse(name: str, data: Any, where: str) -> SyncSpec:
    """Check one definition (``where`` names its file in errors) and build the spec."""

    def fail(message: str) -> SyncDefinitionError:
        return SyncDefinitionError(f"{where}: {message}")

    if not isinstance(data, dict):
        raise fail("a sync definition is a YAML mapping")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise fail(f"missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(_REQUIRED) - _OPTIONAL)
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}")
    if data["model"] != f"sync_{name}" and not data.get("relation"):
        raise fail(f"model {data['model']!r} must be named sync_{name} (the file is {name})")
    if data["mode"] not in MODES:
        raise fail(f"mode {data['mode']!r}: choose one of {', '.join(MODES)}")
    mapping = data["mapping"]
    if mapping == "all":
        if data["destination"] != "files":
            raise fail("mapping: all (every model column) is for the files destination only")
        mapping = dict(ALL_COLUMNS)
    if not isinstance(mapping, dict) or not mapping:
        raise fail("mapping must map destination fields to model columns")
    if not all(isinstance(k, str) and isinstance(v, str) and v for k, v in mapping.items()):
        raise fail("mapping must map destination field names to model column names (text)")
    policy = data.get("delete_policy", "delete" if data["mode"] == "mirror" else "ignore")
    if policy not in DELETE_POLICIES:
        raise fail(f"delete_policy {policy!r}: choose one of {', '.join(DELETE_POLICIES)}")
    if data["mode"] == "mirror" and policy != "delete":
        raise fail("mode mirror deletes what left the model: delete_policy must be delete")
    batch_size = data.get("batch_size")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise fail(f"batch_size {batch_size!r} must be a positive integer")
    for share in ("max_delete_share", "max_rejected_share"):
        value = data.get(share, 0.0)
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise fail(f"{share} {value!r} must be a number between 0 and 1")
    attempts = data.get("max_attempts", 3)
    if not isinstance(attempts, int) or attempts < 1:
        raise fail(f"max_attempts {attempts!r} must be a positive integer")
    options = data.get("destination_options") or {}
    if not isinstance(options, dict):
        raise fail("destination_options must be a mapping")
    owners = data.get("owners") or []
    if not isinstance(owners, list):
        raise fail("owners must be a list (e.g. [team:growth])")
    return SyncSpec(
        name=name,
        model=data["model"],
        destination=data["destination"],
        object=str(data["object"]),
        mode=data["mode"],
        primary_key=data["primary_key"],
        mapping=dict(mapping),
        description=str(data.get("description") or ""),
        relation=str(data.get("relation") or ""),
        destination_options=dict(options),
        batch_size=batch_size,
        delete_policy=policy,
        max_delete_share=float(data.get("max_delete_share", 0.1)),
        max_attempts=attempts,
        max_rejected_share=float(data.get("max_rejected_share", 0.05)),
        paused=bool(data.get("paused", False)),
        cron=data.get("cron"),
        owners=tuple(str(owner) for owner in owners),
    )


def load_file(path: Path) -> SyncSpec:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise SyncDefinitionError(f"{path}: not valid YAML: {exc}") from None
    return parse(path.stem, data, str(path))


def load_all(folder: Path = SYNCS_DIR) -> dict[str, SyncSpec]:
    """Every ``*.yml`` in ``folder``, by name."""
    return {path.stem: load_file(path) for path in sorted(folder.glob("*.yml"))}
