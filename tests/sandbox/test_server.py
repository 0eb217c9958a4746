"""The sandbox server over real HTTP on 127.0.0.1, with toy fake APIs over a temporary world.

The toy APIs keep their items in the world file (schema ``toy``) and count their handler calls,
so a test can see from both sides what reached a handler and what the request log says.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from platform_assets.sandbox import apis as api_package
from platform_assets.sandbox import server as server_module
from platform_assets.sandbox.fakeapi import (
    ApiRequest,
    ApiResponse,
    FakeApi,
    RateLimit,
    Route,
    bearer_token,
)
from platform_assets.sandbox.faults import FaultConfig
from platform_assets.sandbox.server import (
    SandboxServer,
    clear_faults,
    faults_path,
    request_log,
    reset_request_log,
    set_faults,
    start_server,
)
from platform_assets.sandbox.store import WorldStore
from platform_assets.settings import API_NAMES, Settings, SettingsError

CLOCK = datetime(2026, 3, 1, 12, 0)
ITEMS = 10  # item i is created i days before the clock, i = -2..7
TOKEN = "secret-toy"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class ToyApi(FakeApi):
    """A fake API in miniature: list/get/create items, echo, a trivial ping, a broken route."""

    def __init__(self, name: str, rate_limit: RateLimit | None = None) -> None:
        self.name = name
        self.rate_limit = rate_limit
        self.calls: Counter[str] = Counter()
        self.created: list[str] = []  # the sandbox holds the world read-only; writes stay here
        self._lock = threading.Lock()

    def routes(self) -> list[Route]:
        return [
            Route("GET", r"/items", self._list),
            Route("GET", r"/items/(?P<item_id>-?\d+)", self._get),
            Route("POST", r"/items", self._create),
            Route("POST", r"echo/(?P<word>[^/]+)", self._echo),  # pattern without leading slash
            Route("GET", r"/ping", self._ping),
            Route("GET", r"/boom", self._boom),
        ]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        return bearer_token(request) == credential

    def error(self, status: int, message: str) -> ApiResponse:
        return ApiResponse(status=status, body={"toy_error": {"code": status, "msg": message}})

    def _count(self, route: str) -> None:
        with self._lock:
            self.calls[route] += 1

    def _list(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        self._count("list")
        rows = store.query(
            "select id from toy.items where created_at <= ? order by id", [store.clock()]
        )
        return ApiResponse(body={"data": [r["id"] for r in rows]}, rows=len(rows))

    def _get(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        self._count("get")
        rows = store.query(
            "select id from toy.items where id = ?", [request.path_params["item_id"]]
        )
        if not rows:
            return self.error(404, "no such item")
        return ApiResponse(body=rows[0], rows=1)

    def _create(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        self._count("create")
        name = request.json()["name"]
        self.created.append(name)
        return ApiResponse(status=201, body={"ok": True}, rows=1, written=(name,))

    def _echo(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        return ApiResponse(
            body={
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "body": request.body.decode(),
                "path_params": dict(request.path_params),
            }
        )

    def _ping(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        return ApiResponse(body=b"pong", content_type="text/plain")

    def _boom(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        raise RuntimeError("the handler broke")


def make_world(home: Path) -> Settings:
    """A world file with 10 toy items and a clock, and settings whose credentials fit the toys."""
    settings = Settings(home=home, credentials={"toy": TOKEN, "other": TOKEN, "throttled": TOKEN})
    settings.sandbox_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.world_path))
    con.execute("create schema toy")
    con.execute("create table toy.items (id integer, created_at timestamp)")
    for i in range(-2, ITEMS - 2):
        con.execute("insert into toy.items values (?, ?)", [i, CLOCK - timedelta(days=i)])
    con.close()
    settings.world_path.with_name("clock.json").write_text(json.dumps({"now": CLOCK.isoformat()}))
    return settings


@pytest.fixture(scope="module")
def toy() -> ToyApi:
    return ToyApi("toy")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, toy: ToyApi) -> Iterator[SandboxServer]:
    settings = make_world(tmp_path_factory.mktemp("home"))
    other = ToyApi("other")
    throttled = ToyApi("throttled", RateLimit(requests=3, per_seconds=1.0))  # only its own test
    with start_server(settings, port=0, apis=[toy, other, throttled]) as running:
        yield running


@pytest.fixture(autouse=True)
def clean(server: SandboxServer, toy: ToyApi) -> Iterator[None]:
    reset_request_log(server.url)
    clear_faults(server.url)
    toy.calls.clear()
    yield
    server.store.set_clock(CLOCK)


def test_health_reports_clock_and_mounted_apis(server: SandboxServer) -> None:
    health = requests.get(f"{server.url}/_sandbox/health", timeout=5).json()
    assert health == {
        "status": "ok",
        "clock": CLOCK.isoformat(),
        "apis": ["other", "throttled", "toy"],
    }


def test_request_without_valid_credentials_is_refused(server: SandboxServer, toy: ToyApi) -> None:
    missing = requests.get(f"{server.url}/toy/items", timeout=5)
    wrong = requests.get(
        f"{server.url}/toy/items", headers={"Authorization": "Bearer x"}, timeout=5
    )
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.json()["toy_error"]["code"] == 401  # the API's own error shape
    assert toy.calls["list"] == 0
    assert requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=5).status_code == 200
    assert request_log(server.url)["apis"]["toy"]["by_status"] == {"401": 2, "200": 1}


def test_handler_sees_the_request_relative_to_its_mount(server: SandboxServer) -> None:
    response = requests.post(
        f"{server.url}/toy/echo/a%40b?limit=2&expand[]=x&expand[]=y&empty=",
        headers={**AUTH, "X-Custom-Header": "Yes"},
        data=b"payload",
        timeout=5,
    )
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/echo/a@b"
    assert seen["query"] == {"limit": ["2"], "expand[]": ["x", "y"], "empty": [""]}
    assert seen["headers"]["x-custom-header"] == "Yes"
    assert seen["body"] == "payload"
    assert seen["path_params"] == {"word": "a@b"}


def test_handlers_serve_the_world_up_to_the_clock(server: SandboxServer) -> None:
    first = requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=5).json()["data"]
    server.store.set_clock(CLOCK + timedelta(days=2))
    later = requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=5).json()["data"]
    assert first == list(range(0, ITEMS - 2))
    assert later == list(range(-2, ITEMS - 2))
    one = requests.get(f"{server.url}/toy/items/3", headers=AUTH, timeout=5)
    assert one.json() == {"id": 3}


def test_request_log_sums_rows_per_api_and_filters(server: SandboxServer) -> None:
    for _ in range(3):
        requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=5)  # 8 rows each
    requests.get(f"{server.url}/toy/items/1", headers=AUTH, timeout=5)  # 1 row
    requests.get(f"{server.url}/other/items", headers=AUTH, timeout=5)  # 8 rows
    log = request_log(server.url)
    assert (log["requests"], log["rows"]) == (5, 33)
    assert log["apis"]["toy"] == {
        "requests": 4,
        "rows": 25,
        "written": 0,
        "by_status": {"200": 4},
        "faults": {},
        "rate_limited": 0,
    }
    toy_only = request_log(server.url, api="toy")
    assert set(toy_only["apis"]) == {"toy"} and len(toy_only["entries"]) == 4
    entry = toy_only["entries"][-1]
    assert (entry["method"], entry["path"], entry["status"], entry["rows"]) == (
        "GET",
        "/items/1",
        200,
        1,
    )
    assert entry["fault"] is None and entry["duration_ms"] >= 0
    reset_request_log(server.url)
    assert request_log(server.url) == {
        "requests": 0,
        "rows": 0,
        "written": 0,
        "apis": {},
        "entries": [],
    }


def test_rate_limit_answers_429_with_retry_after(server: SandboxServer) -> None:
    with requests.Session() as session:
        statuses = [
            session.get(f"{server.url}/throttled/items", headers=AUTH, timeout=5) for _ in range(5)
        ]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
        refused = statuses[3]
        assert refused.headers["Retry-After"] == "1"
        assert refused.json()["toy_error"] == {
            "code": 429,
            "msg": "rate limit of 3 requests per 1 s exceeded",
        }
        time.sleep(1.05)  # the window has moved past the first three
        assert session.get(f"{server.url}/throttled/items", headers=AUTH, timeout=5).ok
    # unlimited API is not affected by its neighbour's window
    assert requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=5).ok
    log = request_log(server.url, api="throttled")
    assert log["apis"]["throttled"]["rate_limited"] == 2
    assert [e["rate_limited"] for e in log["entries"]] == [False] * 3 + [True] * 2 + [False]


class GraphLikeApi(ToyApi):
    """Throttles the way Facebook Graph does: HTTP 400, error code 17, a usage header."""

    def throttled(self, retry_after: int) -> ApiResponse:
        usage = {"act_1": [{"call_count": 100, "estimated_time_to_regain_access": retry_after}]}
        return ApiResponse(
            status=400,
            body={"error": {"code": 17, "message": "User request limit reached"}},
            headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        )


def test_an_api_answers_rate_limit_refusals_in_its_own_shape(tmp_path: Path) -> None:
    graph = GraphLikeApi("throttled", RateLimit(requests=2, per_seconds=60.0))
    with start_server(make_world(tmp_path), port=0, apis=[graph]) as running:
        responses = [
            requests.get(f"{running.url}/throttled/items", headers=AUTH, timeout=5)
            for _ in range(3)
        ]
        log = request_log(running.url, api="throttled")
    assert [r.status_code for r in responses] == [200, 200, 400]
    refused = responses[2]
    assert refused.json() == {"error": {"code": 17, "message": "User request limit reached"}}
    assert "Retry-After" not in refused.headers
    usage = json.loads(refused.headers["X-Business-Use-Case-Usage"])
    # the server's Retry-After: whole seconds until the first request leaves the 60 s window
    assert usage["act_1"][0]["estimated_time_to_regain_access"] in (59, 60)
    assert graph.calls["list"] == 2  # the refused request never reached its handler
    totals = log["apis"]["throttled"]
    assert (totals["by_status"], totals["rate_limited"]) == ({"200": 2, "400": 1}, 1)
    assert [e["rate_limited"] for e in log["entries"]] == [False, False, True]


class DeveloperTokenApi(ToyApi):
    """Wants a second secret from the settings besides its credential, as Google Ads does."""

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        token = request.headers.get("developer-token")
        return super().authorized(request, credential) and token == (
            request.settings.google_ads_developer_token
        )


def test_apis_read_the_settings_of_the_server_that_serves_them(tmp_path: Path) -> None:
    api = DeveloperTokenApi("toy")  # one instance mounted in two servers with other settings
    settings = make_world(tmp_path)
    first = start_server(replace(settings, google_ads_developer_token="dev-1"), 0, [api])
    with (
        first,
        start_server(replace(settings, google_ads_developer_token="dev-2"), 0, [api]) as second,
    ):
        statuses = [
            requests.get(
                f"{running.url}/toy/items", headers={**AUTH, "developer-token": token}, timeout=5
            ).status_code
            for running in (first, second)
            for token in ("dev-1", "dev-2")
        ]
    assert statuses == [200, 401, 401, 200]


def _create_many(url: str, n: int) -> list[requests.Response]:
    with requests.Session() as session:
        return [
            session.post(f"{url}/toy/items", headers=AUTH, json={"name": f"n{i}"}, timeout=5)
            for i in range(n)
        ]


def test_faults_hit_the_configured_share_and_never_reach_the_handler(
    server: SandboxServer, toy: ToyApi
) -> None:
    created_before = len(toy.created)
    set_faults(server.url, FaultConfig(probability=0.3, seed=7, retry_after=3))
    responses = _create_many(server.url, 400)
    statuses = Counter(r.status_code for r in responses)
    faulted = 400 - statuses[201]
    assert 0.23 <= faulted / 400 <= 0.37
    assert set(statuses) == {201, 429, 500, 502, 503}
    assert toy.calls["create"] == statuses[201]  # faulted requests never reached the handler
    assert len(toy.created) - created_before == statuses[201]
    assert {r.headers.get("Retry-After") for r in responses if r.status_code in (429, 503)} == {"3"}
    totals = request_log(server.url)["apis"]["toy"]
    assert totals["faults"] == {k: statuses[int(k)] for k in ("429", "500", "502", "503")}
    assert totals["rows"] == statuses[201]

    # the same seed and request order fault exactly the same requests
    set_faults(server.url, FaultConfig(probability=0.3, seed=7, retry_after=3))
    again = _create_many(server.url, 400)
    assert [r.status_code for r in again] == [r.status_code for r in responses]


def test_a_lost_response_was_served_and_logged_but_never_answered(
    server: SandboxServer, toy: ToyApi
) -> None:
    set_faults(server.url, {"probability": 1.0, "kinds": ["lost_response"], "apis": ["toy"]})
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{server.url}/toy/items", headers=AUTH, json={"name": "kept"}, timeout=5)
    assert toy.created[-1] == "kept"  # the write happened: only the answer was lost
    (entry,) = request_log(server.url, api="toy")["entries"]
    assert (entry["status"], entry["fault"], entry["written"]) == (0, "lost_response", ["kept"])
    assert request_log(server.url)["written"] == 1


def test_faults_can_target_one_api(server: SandboxServer) -> None:
    set_faults(server.url, {"probability": 1.0, "kinds": ["500"], "apis": ["other"]})
    assert requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=5).status_code == 200
    assert requests.get(f"{server.url}/other/items", headers=AUTH, timeout=5).status_code == 500


def test_timeout_and_slow_faults(server: SandboxServer, toy: ToyApi) -> None:
    set_faults(server.url, {"probability": 1.0, "kinds": ["timeout"], "timeout_seconds": 0.3})
    started = time.monotonic()
    held = requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=5)
    assert held.status_code == 504 and time.monotonic() - started >= 0.3
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=0.1)

    set_faults(
        server.url,
        {"probability": 1.0, "kinds": ["timeout"], "timeout_seconds": 0, "timeout_mode": "close"},
    )
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=5)
    assert toy.calls["list"] == 0

    set_faults(server.url, {"probability": 1.0, "kinds": ["slow"], "slow_seconds": 0.3})
    started = time.monotonic()
    slow = requests.get(f"{server.url}/toy/items", headers=AUTH, timeout=5)
    assert slow.status_code == 200 and time.monotonic() - started >= 0.3
    assert toy.calls["list"] == 1  # a slow answer is still a real answer
    time.sleep(0.35)  # let the request the client gave up on finish before the log is read
    assert request_log(server.url)["apis"]["toy"]["faults"] == {"timeout": 3, "slow": 1}


def test_fault_endpoint_validates_and_reports(server: SandboxServer) -> None:
    bad = requests.post(f"{server.url}/_sandbox/faults", json={"kinds": ["418"]}, timeout=5)
    typo = requests.post(f"{server.url}/_sandbox/faults", json={"probabilty": 0.2}, timeout=5)
    assert (bad.status_code, typo.status_code) == (400, 400)
    assert "418" in bad.json()["error"]["message"]
    assert "probabilty" in typo.json()["error"]["message"]
    in_force = set_faults(server.url, {"probability": 0.2, "kinds": ["503"], "seed": 1})
    assert in_force == FaultConfig(probability=0.2, kinds=("503",), seed=1)
    assert requests.get(f"{server.url}/_sandbox/faults", timeout=5).json()["probability"] == 0.2
    clear_faults(server.url)
    assert requests.get(f"{server.url}/_sandbox/faults", timeout=5).json()["probability"] == 0


def test_unknown_api_route_and_method(server: SandboxServer) -> None:
    unknown_api = requests.get(f"{server.url}/nope/items", headers=AUTH, timeout=5)
    unknown_route = requests.get(f"{server.url}/toy/nothing", headers=AUTH, timeout=5)
    wrong_method = requests.delete(f"{server.url}/toy/items", headers=AUTH, timeout=5)
    missing_item = requests.get(f"{server.url}/toy/items/999", headers=AUTH, timeout=5)
    assert unknown_api.status_code == 404 and "/toy/" in unknown_api.json()["error"]["message"]
    assert unknown_route.status_code == 404 and unknown_route.json()["toy_error"]["code"] == 404
    assert wrong_method.status_code == 405
    assert missing_item.status_code == 404
    assert requests.get(f"{server.url}/_sandbox/nothing", timeout=5).status_code == 404


def test_handler_exception_is_a_500_and_the_server_survives(server: SandboxServer) -> None:
    with requests.Session() as session:
        broken = session.get(f"{server.url}/toy/boom", headers=AUTH, timeout=5)
        assert broken.status_code == 500
        assert "RuntimeError: the handler broke" in broken.json()["toy_error"]["msg"]
        assert session.get(f"{server.url}/toy/items", headers=AUTH, timeout=5).ok
    assert request_log(server.url)["apis"]["toy"]["by_status"] == {"500": 1, "200": 1}


def test_keep_alive_serves_many_requests_on_one_connection(server: SandboxServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    sequence = [
        ("GET", "/toy/items", None, {}, 401),
        ("POST", "/toy/echo/x", b"abc", AUTH, 200),
        ("GET", "/toy/nothing", None, AUTH, 404),
        ("GET", "/toy/boom", None, AUTH, 500),
        ("GET", "/toy/items", None, AUTH, 200),
    ]
    for method, path, body, headers, status in sequence:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        assert response.status == status
        assert int(response.headers["Content-Length"]) == len(response.read())
    # a chunked body is read whole, so the connection stays usable
    connection.request("POST", "/toy/echo/y", body=iter([b"ab", b"cd"]), headers=AUTH)
    assert json.loads(connection.getresponse().read())["body"] == "abcd"
    connection.request("GET", "/toy/ping", headers=AUTH)
    assert connection.getresponse().read() == b"pong"
    connection.close()


@pytest.mark.parametrize(
    "framing, partial_body",
    [
        ("Content-Length: 20", b'{"name": "ha'),
        ("Transfer-Encoding: chunked", b'c\r\n{"name": "ha\r\n'),
    ],
)
def test_a_body_cut_short_never_reaches_the_handler(
    server: SandboxServer, toy: ToyApi, framing: str, partial_body: bytes
) -> None:
    head = (
        f"POST /toy/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(head.encode() + partial_body)
        client.shutdown(socket.SHUT_WR)  # the client hangs up before the body is complete
        assert client.recv(1024) == b""  # closed unanswered
    assert toy.calls["create"] == 0
    assert request_log(server.url)["requests"] == 0


def test_keep_alive_throughput(server: SandboxServer) -> None:
    """Prints requests/s of a trivial endpoint over one keep-alive connection (no assertion on
    speed: figures belong to the report, not to a test that a busy machine can fail)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    n = 1000
    started = time.perf_counter()
    for _ in range(n):
        connection.request("GET", "/toy/ping", headers=AUTH)
        assert connection.getresponse().read() == b"pong"
    elapsed = time.perf_counter() - started
    connection.close()
    print(f"\nsandbox keep-alive throughput: {n / elapsed:.0f} requests/s over {n} requests")
    assert request_log(server.url)["apis"]["toy"]["requests"] == n


def test_faults_json_is_read_at_start(tmp_path: Path, toy: ToyApi) -> None:
    settings = make_world(tmp_path)
    faults_path(settings).write_text(json.dumps({"probability": 1.0, "kinds": ["502"]}))
    with start_server(settings, port=0, apis=[toy]) as running:
        assert requests.get(f"{running.url}/toy/items", headers=AUTH, timeout=5).status_code == 502
    faults_path(settings).write_text(json.dumps({"kinds": ["teapot"]}))
    with pytest.raises(SettingsError, match="faults.json"):
        start_server(settings, port=0, apis=[toy])


def test_port_in_use_and_missing_world_fail_clearly(tmp_path: Path, toy: ToyApi) -> None:
    with pytest.raises(SettingsError, match="roundtrip world generate"):
        start_server(Settings(home=tmp_path / "empty"), port=0, apis=[toy])
    settings = make_world(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SettingsError, match=f"ROUNDTRIP_SANDBOX_PORT={port}"):
            start_server(settings, port=port, apis=[toy])
    # the failed start released the world file: a new server can open it
    with start_server(settings, port=0, apis=[toy]) as running:
        assert running.port != port


def test_stop_releases_held_requests_and_the_world_file(tmp_path: Path, toy: ToyApi) -> None:
    settings = make_world(tmp_path)
    running = start_server(settings, port=0, apis=[toy])
    set_faults(running.url, {"probability": 1.0, "kinds": ["timeout"], "timeout_seconds": 60})
    held = threading.Thread(
        target=lambda: requests.get(f"{running.url}/toy/items", headers=AUTH, timeout=30)
    )
    held.start()
    time.sleep(0.2)
    started = time.monotonic()
    running.stop()
    held.join(timeout=5)
    assert not held.is_alive() and time.monotonic() - started < 5
    duckdb.connect(str(settings.world_path)).close()  # nobody holds the file any more


class SlowApi(ToyApi):
    """One route that is still being served when the sandbox stops, then reads the world."""

    def __init__(self, after_stop_seconds: float) -> None:
        super().__init__("toy")
        self.after_stop_seconds = after_stop_seconds
        self.entered = threading.Event()
        self.stopping = threading.Event()  # replaced by the serving sandbox's own
        self.outcomes: list[Any] = []

    def routes(self) -> list[Route]:
        return [Route("GET", r"/slow", self._slow)]

    def _slow(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        self.entered.set()
        self.stopping.wait(5)
        time.sleep(self.after_stop_seconds)  # stop() goes on meanwhile
        try:
            response = self._list(request, store)
        except Exception as exc:
            self.outcomes.append(exc)
            raise
        self.outcomes.append(response.body)
        return response


def _stop_during_slow_request(
    tmp_path: Path, api: SlowApi
) -> tuple[Settings, list[requests.Response | Exception], float]:
    """Stop a sandbox while ``api`` serves a request; the answers its client got and stop()'s
    duration."""
    settings = make_world(tmp_path)
    running = start_server(settings, port=0, apis=[api])
    api.stopping = running.sandbox.stopping
    answers: list[requests.Response | Exception] = []

    def call() -> None:
        try:
            answers.append(requests.get(f"{running.url}/toy/slow", headers=AUTH, timeout=10))
        except requests.RequestException as exc:
            answers.append(exc)

    client = threading.Thread(target=call)
    client.start()
    assert api.entered.wait(5)
    started = time.monotonic()
    running.stop()
    stopped_in = time.monotonic() - started
    client.join(5)
    return settings, answers, stopped_in


def test_stop_lets_a_request_in_flight_finish_before_closing_the_world(tmp_path: Path) -> None:
    slow = SlowApi(after_stop_seconds=1.0)  # longer than stop() takes without waiting
    settings, answers, _ = _stop_during_slow_request(tmp_path, slow)
    served = {"data": list(range(0, ITEMS - 2))}
    assert slow.outcomes == [served]  # the world was still open when the handler read it
    assert [(a.status_code, a.json()) for a in answers] == [(200, served)]  # type: ignore[union-attr]
    duckdb.connect(str(settings.world_path)).close()  # and closed once stop() returned


def test_stop_waits_for_requests_in_flight_only_so_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(server_module, "STOP_GRACE_SECONDS", 0.2)
    stuck = SlowApi(after_stop_seconds=3.0)
    settings, answers, stopped_in = _stop_during_slow_request(tmp_path, stuck)
    assert stopped_in < 2.0
    assert "1 sandbox request(s) still running" in caplog.text
    duckdb.connect(str(settings.world_path)).close()


def test_discovered_apis_are_named_after_settings() -> None:
    """Every module in sandbox/apis mounts under a name the connectors' settings know."""
    names = [api.name for api in api_package.discover()]
    assert len(names) == len(set(names))
    assert set(names) <= set(API_NAMES)
