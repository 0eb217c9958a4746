"""What every destination is to the sync engine: records in, one outcome per record out.

The engine (``activation/engine.py``) decides *what* to send (the diff) and *when* it counts
(checkpoints); a destination only knows *how* its API takes a batch and what the API answered.
So a destination client:

- sends one batch of :class:`Record` for one :class:`Operation` and returns one :class:`Outcome`
  per record, in the same order, built only from what the API's response says (a record the API
  did not confirm is not a success);
- raises :class:`BatchRejected` when the API refused the whole batch because of its content (a
  HubSpot 400 naming one bad input): the engine splits the batch to isolate the bad record;
- lets :class:`~platform_assets.activation.http.DestinationUnavailable` (from the HTTP client:
  rate limits, 5xx and timeouts that outlasted the retries) and :class:`DestinationConfigError`
  (credentials, unknown fields or objects) propagate: the run stops and nothing in flight counts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from platform_assets.activation.http import RateLimit


class Operation(StrEnum):
    """What a batch asks of the destination."""

    UPSERT = "upsert"  # create or update, matched on the destination's id field
    UPDATE = "update"  # update existing records only; a missing one is rejected
    INSERT = "insert"  # create only
    DELETE = "delete"  # remove (mirror mode), or leave an audience


@dataclass(frozen=True)
class Record:
    """One row of a sync model, as the destination should receive it.

    ``key`` is the sync's primary-key value as text (what the engine tracks); ``fields`` maps
    destination field names to values (the sync's mapping applied; a key field the destination
    matches on is in it when mapped). ``destination_id`` is the id the destination gave this
    record when it was last synced, if it returned one (deletes by id use it).
    """

    key: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    destination_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """The destination's verdict on one record: accepted (with the id it has there, when the
    API says), or rejected with the API's own message and whether trying again can help."""

    key: str
    ok: bool
    destination_id: str | None = None
    error: str | None = None
    retriable: bool = False

    @classmethod
    def accepted(cls, key: str, destination_id: str | None = None) -> Outcome:
        return cls(key=key, ok=True, destination_id=destination_id)

    @classmethod
    def rejected(cls, key: str, error: str, retriable: bool = False) -> Outcome:
        return cls(key=key, ok=False, error=error, retriable=retriable)


class BatchRejected(Exception):
    """The destination refused a whole batch because of what is in it (one bad record spoils
    the request). The engine splits the batch until the bad record is alone."""

    def __init__(self, message: str, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


class DestinationConfigError(Exception):
    """The destination cannot be used as configured (credentials refused, unknown object or
    field, unsupported operation): nothing is sent, and the message says what to fix."""


class Destination(ABC):
    """A client for one object of one destination API (HubSpot contacts, Braze users...)."""

    name: str = ""
    """The destination's name in sync definitions (``hubspot``)."""
    max_batch_size: int = 100
    """The most records one request may carry (the API's published limit)."""
    rate_limit: RateLimit | None = None
    """The API's published rate limit; the client keeps under it."""
    operations: frozenset[Operation] = frozenset({Operation.UPSERT})
    """The operations this object supports."""

    def __init__(self, object_name: str) -> None:
        self.object_name = object_name

    @abstractmethod
    def send(self, operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        """Write one batch (at most :attr:`max_batch_size` records); one outcome per record,
        in order. Raise :class:`BatchRejected` when the API refused the batch as a whole."""

    def validate(self, operation: Operation, records: Sequence[Record]) -> list[Outcome] | None:
        """What :meth:`send` would answer, without writing (for dry runs), when the API can
        validate without writing (Google Ads' ``validateOnly``); None when it cannot."""
        return None

    def count(self) -> int | None:
        """How many records the object holds at the destination (the base of the mirror delete
        cap), or None when the API cannot say cheaply."""
        return None

    def check_fields(self, fields: Sequence[str]) -> None:
        """Raise :class:`DestinationConfigError` naming any mapped field the object does not
        have (called before anything is sent); the default trusts the mapping."""
        return None

    def close(self) -> None:
        """Release connections (and finish anything the API needs finishing)."""
        return None

    def describe(self) -> dict[str, Any]:
        """A short description for run metadata."""
        return {
            "destination": self.name,
            "object": self.object_name,
            "max_batch_size": self.max_batch_size,
            "rate_limit": None
            if self.rate_limit is None
            else f"{self.rate_limit.requests} per {self.rate_limit.per_seconds:g} s",
        }
