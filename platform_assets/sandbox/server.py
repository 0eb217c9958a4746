"""The sandbox HTTP server: every fake SaaS API on one port of 127.0.0.1.

Each fake API (``sandbox/apis/<name>.py``) only knows its own routes and shapes; this module owns
what they share, in the order a real API gateway applies it:

1. mount: ``/<api.name>/<path>`` → that API (unknown API → 404);
2. auth: ``api.authorized(request, settings.credential(api.name))`` or the API's 401;
3. rate limit: a sliding window per API from ``api.rate_limit`` → ``api.throttled(retry_after)``
   (by default its 429 + Retry-After; every accepted request carries the API's one credential,
   so per API is per credential), logged as ``rate_limited`` whatever the status;
4. routing: the first ``Route`` whose method and pattern match (none → 404, wrong method → 405);
5. fault injection (:mod:`.faults`): a faulted request never reaches its handler;
6. the handler; an exception becomes the API's 500 and the server keeps serving.

Every request to an API is logged (:mod:`.requestlog`); ``/_sandbox/`` holds the control
endpoints: ``GET health``, ``GET|DELETE requests``, ``GET|POST|DELETE faults``.

``ApiRequest.path`` is the path below the mount with its leading slash (``/v1/customers``),
percent-decoded; a route pattern may be written with or without that slash. ``ApiRequest.settings``
are the settings the server was started with (for APIs that check more than one credential).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import duckdb
import requests

from platform_assets.sandbox import apis as api_package
from platform_assets.sandbox.fakeapi import ApiRequest, ApiResponse, FakeApi, Route
from platform_assets.sandbox.faults import ERROR_KINDS, FaultConfig, FaultInjector
from platform_assets.sandbox.ratelimit import SlidingWindowLimiter
from platform_assets.sandbox.requestlog import RECENT_ENTRIES, LogEntry, RequestLog
from platform_assets.sandbox.store import WorldStore
from platform_assets.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sandbox/"
IDLE_CONNECTION_SECONDS = 60
STOP_GRACE_SECONDS = 5.0  # how long stop() lets requests being served finish
CLIENT_TIMEOUT_SECONDS = 10


def faults_path(settings: Settings) -> Path:
    """The fault configuration read at start: ``$ROUNDTRIP_HOME/sandbox/faults.json``."""
    return settings.sandbox_dir / "faults.json"


def _json(status: int, body: Any) -> ApiResponse:
    return ApiResponse(status=status, body=body)


def _plain_error(status: int, message: str) -> ApiResponse:
    return _json(status, {"error": {"message": message}})


@dataclass(frozen=True)
class _Mount:
    api: FakeApi
    routes: tuple[Route, ...]
    credential: str

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | int:
        """The matching route and its path parameters, or 404/405."""
        allowed = False
        for route in self.routes:
            match = route.match(method, path) or route.match(method, path[1:])
            if match:
                return route, match.groupdict()
            allowed = allowed or any(route.match(route.method, p) for p in (path, path[1:]))
        return 405 if allowed else 404


class Sandbox:
    """Everything the request threads share: mounts, world store, limiter, faults and log."""

    def __init__(
        self, settings: Settings, apis: Iterable[FakeApi], store: WorldStore, faults: FaultConfig
    ) -> None:
        self.settings = settings
        self.store = store
        self.mounts = {
            api.name: _Mount(api, tuple(api.routes()), settings.credential(api.name))
            for api in apis
        }
        self.limiter = SlidingWindowLimiter()
        self.faults = FaultInjector(faults)
        self.log = RequestLog()
        self.stopping = threading.Event()

    # --- the APIs ----------------------------------------------------------------------------
    def dispatch(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> ApiResponse | None:
        """Answer one request to a mounted API; None means drop the connection unanswered."""
        name, _, rest = path.lstrip("/").partition("/")
        mount = self.mounts.get(name)
        if mount is None:
            mounted = ", ".join(f"/{n}/" for n in sorted(self.mounts)) or "none"
            return _plain_error(404, f"no API mounted at /{name}/; mounted: {mounted}")
        request = ApiRequest(
            method=method,
            path="/" + unquote(rest),
            query=parse_qs(query, keep_blank_values=True),
            headers=headers,
            settings=self.settings,
            body=body,
        )
        started = time.perf_counter()
        try:
            response, fault, rate_limited = self._serve(mount, request)
        except Exception as exc:  # a bug in one API must not take the sandbox down
            logger.exception("%s /%s%s failed", method, name, request.path)
            response, fault = mount.api.error(500, f"{type(exc).__name__}: {exc}"), None
            rate_limited = False
        self.log.record(
            LogEntry(
                api=name,
                method=method,
                path=request.path,
                query=query,
                status=response.status if response is not None else 0,
                rows=response.rows if response is not None else 0,
                fault=fault,
                rate_limited=rate_limited,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                written=response.written if response is not None else (),
            )
        )
        if response is not None and response.status == 0:  # lost_response: drop it unanswered
            return None
        return response

    def _serve(
        self, mount: _Mount, request: ApiRequest
    ) -> tuple[ApiResponse | None, str | None, bool]:
        """The answer, the injected fault kind (None without one) and whether it was throttled."""
        api = mount.api
        if not api.authorized(request, mount.credential):
            return api.error(401, "missing or invalid credentials"), None, False
        if api.rate_limit is not None:
            retry_after = self.limiter.admit(api.name, api.rate_limit)
            if retry_after is not None:
                return api.throttled(retry_after), None, True
        found = mount.find(request.method, request.path)
        if isinstance(found, int):
            return api.error(found, f"no route for {request.method} {request.path}"), None, False
        route, path_params = found
        config = self.faults.config
        fault = self.faults.draw(api.name)
        if fault in ERROR_KINDS:
            response = api.error(int(fault), f"sandbox fault injection: {fault}")
            if fault in ("429", "503"):
                response.headers["Retry-After"] = str(config.retry_after)
            return response, fault, False
        if fault == "timeout":
            self.stopping.wait(config.timeout_seconds)
            if config.timeout_mode == "close":
                return None, fault, False
            return api.error(504, "sandbox fault injection: gateway timeout"), fault, False
        if fault == "slow":
            self.stopping.wait(config.slow_seconds)
        handled = route.handler(replace(request, path_params=path_params), self.store)
        if fault == "lost_response":  # served and committed, but the answer never arrives
            return replace(handled, status=0, body=None), fault, False
        return handled, fault, False

    # --- /_sandbox/ ------------------------------------------------------------------------
    def control(self, method: str, path: str, query: str, body: bytes) -> ApiResponse:
        """The sandbox's own endpoints: health, the request log and the fault configuration."""
        endpoints = {
            "health": {"GET": self._health},
            "requests": {"GET": self._requests, "DELETE": self._clear_requests},
            "faults": {"GET": self._faults, "POST": self._set_faults, "DELETE": self._clear_faults},
        }
        methods = endpoints.get(path[len(CONTROL_PREFIX) :].strip("/"))
        if methods is None:
            return _plain_error(404, f"no sandbox endpoint {path}; try {CONTROL_PREFIX}health")
        handler = methods.get(method)
        if handler is None:
            return _plain_error(405, f"{path} accepts {', '.join(methods)}")
        try:
            return handler(parse_qs(query), body)
        except ValueError as exc:
            return _plain_error(400, str(exc))

    def _health(self, query: Mapping[str, list[str]], body: bytes) -> ApiResponse:
        try:
            clock: str | None = self.store.clock().isoformat()
        except FileNotFoundError:
            clock = None
        return _json(200, {"status": "ok", "clock": clock, "apis": sorted(self.mounts)})

    def _requests(self, query: Mapping[str, list[str]], body: bytes) -> ApiResponse:
        api = query.get("api", [None])[0]
        limit = int(query.get("limit", [str(RECENT_ENTRIES)])[0])
        return _json(200, self.log.snapshot(api=api, limit=limit))

    def _clear_requests(self, query: Mapping[str, list[str]], body: bytes) -> ApiResponse:
        self.log.clear()
        return _json(200, self.log.snapshot())

    def _faults(self, query: Mapping[str, list[str]], body: bytes) -> ApiResponse:
        return _json(200, self.faults.config.to_dict())

    def _set_faults(self, query: Mapping[str, list[str]], body: bytes) -> ApiResponse:
        self.faults.configure(FaultConfig.from_dict(json.loads(body or b"{}")))
        return self._faults(query, body)

    def _clear_faults(self, query: Mapping[str, list[str]], body: bytes) -> ApiResponse:
        self.faults.configure(FaultConfig())
        return self._faults(query, body)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 plumbing only: read the request, hand it to the Sandbox, write the answer."""

    server: _HttpServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = IDLE_CONNECTION_SECONDS

    def do_GET(self) -> None:  # noqa: N802 - the names BaseHTTPRequestHandler dispatches to
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815

    def _handle(self) -> None:
        body = self._read_body()
        if body is None:  # never hand a handler half a body: a write would land half a request
            self.close_connection = True
            return
        url = urlsplit(self.path)
        sandbox = self.server.sandbox
        if url.path.startswith(CONTROL_PREFIX):
            response: ApiResponse | None = sandbox.control(self.command, url.path, url.query, body)
        else:
            headers = {key.lower(): value for key, value in self.headers.items()}
            response = sandbox.dispatch(self.command, url.path, url.query, headers, body)
        if response is None:
            self.close_connection = True
            return
        payload = response.encode()
        self.send_response(response.status)
        extra = {key.lower(): (key, value) for key, value in response.headers.items()}
        extra.pop("content-length", None)
        if "content-type" not in extra:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in extra.values():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def _read_body(self) -> bytes | None:
        """The request body, consumed whole so the next request on the connection parses; None
        when the connection ended before the body did (the client hung up, or the server stops)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline()
                if not line.endswith(b"\n"):
                    return None
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                chunks.append(self.rfile.read(size))
                if len(chunks[-1]) < size or not self.rfile.readline().endswith(b"\n"):
                    return None
            while (line := self.rfile.readline()) not in (b"\r\n", b"\n"):  # trailer fields
                if not line.endswith(b"\n"):
                    return None
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0:
            return b""
        body = self.rfile.read(length)
        return body if len(body) == length else None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        logger.debug("%s " + format, self.address_string(), *args)


class _HttpServer(ThreadingHTTPServer):
    """A threading server that, when it stops, lets the requests being served finish and ends
    its open keep-alive connections.

    One daemon thread per connection (a client that never hangs up must not keep the process
    alive); the server tracks them itself, since ``ThreadingMixIn`` only joins non-daemon ones.
    """

    sandbox: Sandbox  # set by start_server once the port is bound and the world is open

    def __init__(self, address: tuple[str, int]) -> None:
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), daemon=True
        )
        with self._lock:
            self._connections.add(request)
            self._handler_threads.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._handler_threads.discard(threading.current_thread())

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def finish_requests(self, timeout: float) -> int:
        """End every connection once its current answer is written, waiting at most ``timeout``
        seconds for that; returns how many connection threads are still running after it."""
        self._shutdown_connections(socket.SHUT_RD)  # idle reads see EOF, answers still go out
        self._join(timeout)
        self._shutdown_connections(socket.SHUT_RDWR)  # a client not reading its answer is cut off
        return self._join(min(timeout, 1.0))

    def _shutdown_connections(self, how: int) -> None:
        with self._lock:
            open_connections = list(self._connections)
        for connection in open_connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(how)

    def _join(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._handler_threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return sum(thread.is_alive() for thread in threads)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class SandboxServer:
    """A running sandbox: ``url``, ``port``, ``store``, ``sandbox``; ``stop()`` or ``with``."""

    def __init__(self, httpd: _HttpServer, host: str) -> None:
        self._httpd = httpd
        self.sandbox = httpd.sandbox
        self.store = self.sandbox.store
        self.port: int = httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            # A short poll so stop() returns promptly (tests start and stop many servers).
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def apis(self) -> list[str]:
        return sorted(self.sandbox.mounts)

    def stop(self) -> None:
        """Stop accepting, release held requests, let the requests being served finish (for at
        most ``STOP_GRACE_SECONDS``), end open connections, then close the world file."""
        if self.sandbox.stopping.is_set():
            return
        self.sandbox.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        running = self._httpd.finish_requests(STOP_GRACE_SECONDS)
        if running:
            logger.warning(
                "%d sandbox request(s) still running after %g s; closing the world under them",
                running,
                STOP_GRACE_SECONDS,
            )
        self.store.close()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _open_world(settings: Settings) -> WorldStore:
    path = settings.world_path
    if not path.exists():
        raise SettingsError(
            f"no world at {path} (ROUNDTRIP_HOME={settings.home}): run `roundtrip world generate`"
        )
    try:
        # The world read-only, so `world advance` (also read-only) can write landing files while
        # we serve; what syncs write goes to the destinations file beside it.
        return WorldStore(path, read_only=True, destinations=settings.destinations_path)
    except duckdb.IOException as exc:
        raise SettingsError(f"{path} cannot be opened for the sandbox: {exc}") from None


def start_server(
    settings: Settings, port: int | None = None, apis: Iterable[FakeApi] | None = None
) -> SandboxServer:
    """Serve the sandbox in a background thread; the returned server owns the world file.

    ``port=None`` → ``settings.sandbox_port``; ``port=0`` → a free port (see ``.port``/``.url``).
    ``apis`` replaces the discovered ``sandbox/apis`` modules (tests mount their own fakes).
    Faults start from ``$ROUNDTRIP_HOME/sandbox/faults.json`` when that file exists.
    """
    port = settings.sandbox_port if port is None else port
    mounted = api_package.discover() if apis is None else list(apis)
    faults = FaultConfig.load(faults_path(settings))
    try:
        httpd = _HttpServer((settings.sandbox_host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SettingsError(
                f"ROUNDTRIP_SANDBOX_PORT={port}: port {port} on {settings.sandbox_host} is "
                "already in use (another sandbox?); stop it or choose another port"
            ) from None
        raise
    with contextlib.ExitStack() as on_failure:
        on_failure.callback(httpd.server_close)
        store = _open_world(settings)
        on_failure.callback(store.close)
        httpd.sandbox = Sandbox(settings, mounted, store, faults)
        on_failure.pop_all()
    return SandboxServer(httpd, settings.sandbox_host)


def serve_forever(settings: Settings, port: int | None = None) -> None:
    """Run the sandbox in the foreground (``roundtrip sandbox serve``) until Ctrl-C or SIGTERM."""
    server = start_server(settings, port)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        print(f"roundtrip sandbox serving {server.url}", flush=True)
        for name in server.apis:
            print(f"  {server.url}/{name}/", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
        print("roundtrip sandbox stopped", flush=True)


# --- a small client for tests and the CLI -------------------------------------------------------
def _control(method: str, url: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
    response = requests.request(
        method,
        f"{url.rstrip('/')}{CONTROL_PREFIX}{endpoint}",
        timeout=CLIENT_TIMEOUT_SECONDS,
        **kwargs,
    )
    response.raise_for_status()
    return response.json()


def request_log(url: str, api: str | None = None) -> dict[str, Any]:
    """The sandbox's request log: ``requests``/``rows`` totals, per-API ``apis`` and ``entries``."""
    return _control("GET", url, "requests", params={"api": api} if api else None)


def reset_request_log(url: str) -> None:
    _control("DELETE", url, "requests")


def set_faults(url: str, config: FaultConfig | Mapping[str, Any]) -> FaultConfig:
    """Replace the running sandbox's fault configuration; returns the configuration in force."""
    data = config.to_dict() if isinstance(config, FaultConfig) else dict(config)
    return FaultConfig.from_dict(_control("POST", url, "faults", json=data))


def clear_faults(url: str) -> None:
    _control("DELETE", url, "faults")
