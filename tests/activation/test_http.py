"""The destination HTTP client against the real sandbox server, in virtual time.

The server's rate limiter and the client share one injected clock, so a 429 storm, Retry-After
waits and the sliding-window budget play out exactly, with no sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from platform_assets.activation import destinations, engine
from platform_assets.activation.http import (
    DestinationUnavailable,
    HttpClient,
    RateLimit,
    SentRequest,
)
from platform_assets.sandbox.ratelimit import SlidingWindowLimiter
from platform_assets.sandbox.server import SandboxServer, request_log, set_faults, start_server
from platform_assets.settings import Settings
from tests.activation.conftest import FakeClock, contacts_spec, write_contacts
from tests.conftest import settings_for

HUBSPOT_LIMIT = RateLimit(requests=100, per_seconds=10)
VirtualSandbox = tuple[SandboxServer, Settings, FakeClock]


@pytest.fixture()
def virtual_sandbox(world_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VirtualSandbox]:
    """The sandbox with its rate limiter on a fake clock the test's client shares."""
    clock = FakeClock()
    server = start_server(settings_for(world_home), port=0)
    server.sandbox.limiter = SlidingWindowLimiter(clock=clock.now)
    monkeypatch.setenv("ROUNDTRIP_SANDBOX_PORT", str(server.port))
    try:
        yield server, settings_for(world_home, ROUNDTRIP_SANDBOX_PORT=str(server.port)), clock
    finally:
        server.stop()


def _client(settings: Settings, clock: FakeClock, **kwargs: object) -> HttpClient:
    return HttpClient(
        base_url=settings.api_url("hubspot"),
        headers={"Authorization": f"Bearer {settings.credential('hubspot')}"},
        rate_limit=HUBSPOT_LIMIT,
        clock=clock,
        trace=[],
        **kwargs,
    )


def _max_in_any_window(trace: list[SentRequest], seconds: float) -> int:
    times = sorted(t.at for t in trace)
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_the_budget_keeps_under_the_published_limit(
    virtual_sandbox: VirtualSandbox,
) -> None:
    server, settings, clock = virtual_sandbox
    client = _client(settings, clock)
    for _ in range(250):
        assert client.request("GET", "/crm/v3/owners").status_code == 200
    served = request_log(server.url, "hubspot")["apis"]["hubspot"]
    assert served["requests"] == 250
    assert served["rate_limited"] == 0
    assert _max_in_any_window(client.trace, HUBSPOT_LIMIT.per_seconds) <= 100
    # 250 requests need at least two full windows after the first hundred.
    assert clock.t - 1_000.0 >= 20.0


def test_a_429_storm_completes_and_never_sends_before_retry_after(
    virtual_sandbox: VirtualSandbox,
) -> None:
    server, settings, clock = virtual_sandbox
    set_faults(
        server.url,
        {"probability": 0.4, "kinds": ["429", "503"], "retry_after": 7, "apis": ["hubspot"]},
    )
    client = _client(settings, clock)
    for _ in range(60):
        assert client.request("GET", "/crm/v3/owners").status_code == 200
    refused = [n for n, sent in enumerate(client.trace) if sent.status in (429, 503)]
    assert len(refused) > 10  # a storm, not a drizzle
    for n in refused:
        assert client.trace[n + 1].at >= client.trace[n].at + 7
    assert _max_in_any_window(client.trace, HUBSPOT_LIMIT.per_seconds) <= 100
    served = request_log(server.url, "hubspot")["apis"]["hubspot"]
    assert served["by_status"]["200"] == 60
    assert served["requests"] == len(client.trace)


def test_server_errors_and_timeouts_are_retried_with_backoff(
    virtual_sandbox: VirtualSandbox,
) -> None:
    server, settings, clock = virtual_sandbox
    set_faults(
        server.url,
        {
            "probability": 0.3,
            "kinds": ["500", "502", "timeout"],
            "timeout_seconds": 0.2,
            "timeout_mode": "close",
            "apis": ["hubspot"],
        },
    )
    client = _client(settings, clock, timeout=5.0)
    for _ in range(30):
        assert client.request("GET", "/crm/v3/owners").status_code == 200
    failures = [t for t in client.trace if t.status != 200]
    assert failures
    assert client.retries == len(failures)
    assert min(clock.slept) >= 1.0  # backoff starts at a second


def test_a_destination_that_stays_down_is_reported_after_the_attempts(
    virtual_sandbox: VirtualSandbox,
) -> None:
    server, settings, clock = virtual_sandbox
    set_faults(server.url, {"probability": 1.0, "kinds": ["500"], "apis": ["hubspot"]})
    client = _client(settings, clock, max_attempts=4)
    with pytest.raises(DestinationUnavailable, match="failed 4 times; last: HTTP 500"):
        client.request("GET", "/crm/v3/owners")
    assert [t.status for t in client.trace] == [500] * 4
    assert clock.slept == [1.0, 2.0, 4.0]


def test_a_sync_run_through_a_storm_completes_within_the_budget(
    virtual_sandbox: VirtualSandbox,
) -> None:
    """The engine over the same client: 429s with Retry-After, 503s and 500s on a third of the
    requests; every contact arrives once, and the budget and Retry-After hold throughout."""
    server, settings, clock = virtual_sandbox
    write_contacts(
        settings.warehouse_path, [(f"storm{i}@example.com", 0.5, "Retail") for i in range(500)]
    )
    destination = destinations.connect("hubspot", "contacts", settings, {}, clock)
    destination.http.trace = []
    set_faults(
        server.url,
        {
            "probability": 0.35,
            "kinds": ["429", "503", "500"],
            "retry_after": 5,
            "apis": ["hubspot"],
        },
    )
    con = duckdb.connect(str(settings.warehouse_path))
    result = engine.run(con, contacts_spec(batch_size=20), destination)
    con.close()
    assert (result.succeeded, result.rejected, result.batches) == (500, 0, 25)
    trace = destination.http.trace
    throttled = [n for n, sent in enumerate(trace) if sent.status in (429, 503)]
    assert throttled
    for n in throttled:
        assert trace[n + 1].at >= trace[n].at + 5
    assert _max_in_any_window(trace, HUBSPOT_LIMIT.per_seconds) <= 100
    stored = [
        key
        for entry in request_log(server.url, "hubspot")["entries"]
        if entry["path"].endswith("/batch/upsert")
        for key in entry["written"]
    ]
    assert sorted(stored) == sorted(f"storm{i}@example.com" for i in range(500))
