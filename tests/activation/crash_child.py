"""A sync run that kills itself with SIGKILL at a chosen point (for ``test_crash_safety``).

    python -m tests.activation.crash_child <ROUNDTRIP_HOME> <sandbox port> <point> <n>

``point`` is ``checkpoint`` (die right after the n-th checkpoint commits: a clean boundary) or
``in_batch`` (die after the n-th batch reached HubSpot and before its checkpoint: the batch in
flight). Nothing is cleaned up, exactly as when the machine dies.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

import duckdb

from platform_assets.activation import destinations, engine
from platform_assets.activation.destinations.base import Operation, Outcome, Record
from platform_assets.settings import load_settings
from tests.activation.conftest import FakeClock, contacts_spec

BATCH_SIZE = 25


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(home: str, port: str, point: str, n: int) -> None:
    settings = load_settings(
        env={"ROUNDTRIP_HOME": home, "ROUNDTRIP_SANDBOX_PORT": port, "ROUNDTRIP_SCALE": "tiny"}
    )
    destination = destinations.connect("hubspot", "contacts", settings, {}, FakeClock())
    sent = destination.send

    def send_then_die(operation: Operation, records: Sequence[Record]) -> list[Outcome]:
        outcomes = sent(operation, records)
        if point == "in_batch" and send_then_die.calls == n - 1:
            die()
        send_then_die.calls += 1
        return outcomes

    send_then_die.calls = 0  # type: ignore[attr-defined]
    destination.send = send_then_die  # type: ignore[method-assign]
    con = duckdb.connect(str(settings.warehouse_path))
    engine.run(
        con,
        contacts_spec(batch_size=BATCH_SIZE),
        destination,
        on_checkpoint=lambda k: die() if point == "checkpoint" and k == n else None,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
