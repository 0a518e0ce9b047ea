"""A small base for faithful fake SaaS servers on loopback, for tests and the demo.

A ``FakeServer`` is a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 with a free port. Routes map
(method, path regex) to a handler that takes a ``FakeRequest`` and returns a ``FakeResponse``
(or a dict/list, sent as JSON with 200). Every request is logged (``server.requests``); a
``FaultPlan`` (``server.faults``) scripts throttling storms, errors and slow answers::

    server = FakeServer("crm")

    @server.route("GET", r"/contacts/(?P<id>\\w+)")
    def get_contact(request: FakeRequest) -> FakeResponse:
        return json_response({"id": request.params["id"]})

    with server:
        server.faults.fail_next(5, 429, headers={"Retry-After": "1"})
        server.faults.fail_every(3, 503)
        httpx.get(server.url + "/contacts/7")
"""

from __future__ import annotations

import json
import re
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(slots=True)
class FakeResponse:
    """What a handler answers: status, headers, body bytes."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> FakeResponse:
    """``data`` as a JSON answer."""
    return FakeResponse(
        status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def text_response(
    text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8"
) -> FakeResponse:
    """A plain-text answer."""
    return FakeResponse(status, text.encode(), {"Content-Type": content_type})


def empty_response(status: int = 204, headers: Mapping[str, str] | None = None) -> FakeResponse:
    """An answer without a body."""
    return FakeResponse(status, b"", dict(headers or {}))


@dataclass(slots=True)
class FakeRequest:
    """A request as a handler sees it. ``params`` holds the route's named regex groups."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, by case-insensitive name."""
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass(slots=True)
class LoggedRequest:
    """One request the server received: what came, when (monotonic seconds), what it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    received: float
    status: int | None = None
    fault: str | None = None  # the fault that answered it, if one did


Handler = Callable[[FakeRequest], "FakeResponse | dict[str, Any] | list[Any]"]


@dataclass(slots=True)
class Fault:
    """A scripted misbehaviour. It fires for the next ``count`` matching requests, or for every
    ``every``-th one; it answers ``status`` (after ``delay`` seconds), or with ``status`` None
    only delays the real answer (to trigger client timeouts)."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0
    count: int | None = None
    every: int | None = None
    method: str | None = None
    path: re.Pattern[str] | None = None
    seen: int = 0
    fired: int = 0

    def applies_to(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or self.path.search(path) is not None
        )

    def fires(self) -> bool:
        """Count one matching request; True when this one is to be spoiled."""
        self.seen += 1
        if self.count is not None:
            if self.fired >= self.count:
                return False
        elif self.every is not None and self.seen % self.every != 0:
            return False
        self.fired += 1
        return True

    @property
    def spent(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def describe(self) -> str:
        what = f"HTTP {self.status}" if self.status else f"delay {self.delay}s"
        when = f"next {self.count}" if self.count is not None else f"every {self.every}th"
        return f"{what} ({when})"


class FaultPlan:
    """The server's scripted faults, checked in the order they were added; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def fail_next(
        self,
        count: int,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Answer the next ``count`` matching requests with ``status`` (e.g. 429 + Retry-After)."""
        return self._add(
            Fault(
                status,
                dict(headers or {}),
                _fault_body(status, body),
                count=count,
                method=method,
                path=_compile(path),
            )
        )

    def fail_every(
        self,
        every: int,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Answer every ``every``-th matching request with ``status`` (e.g. 503 every 3rd)."""
        if every < 1:
            raise ValueError(f"fail_every needs every >= 1 (got {every})")
        return self._add(
            Fault(
                status,
                dict(headers or {}),
                _fault_body(status, body),
                every=every,
                method=method,
                path=_compile(path),
            )
        )

    def slow_next(
        self, count: int, seconds: float, *, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Delay the real answer to the next ``count`` matching requests by ``seconds``."""
        return self._add(
            Fault(None, {}, b"", delay=seconds, count=count, method=method, path=_compile(path))
        )

    def clear(self) -> None:
        """Forget every fault."""
        with self._lock:
            self._faults.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault that spoils this request, if any (and count it)."""
        with self._lock:
            for fault in self._faults:
                if fault.applies_to(method, path) and fault.fires():
                    return fault
        return None

    def _add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _fault_body(status: int, body: Any) -> bytes:
    if body is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:  # a status the standard does not name
            phrase = f"HTTP {status}"
        body = {"message": f"{phrase} (injected by the fault plan)"}
    return body if isinstance(body, bytes) else json.dumps(body).encode()


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class FakeServer:
    """A fake HTTP API on loopback. Start and stop it with ``with server:`` (or start()/stop())."""

    def __init__(self, name: str = "fake", *, port: int = 0) -> None:
        self.name = name
        self.port = port  # 0: a free port, chosen when the server starts
        self.faults = FaultPlan()
        self.requests: list[LoggedRequest] = []
        self.errors: list[str] = []  # tracebacks of handlers that raised (answered 500)
        self.max_in_flight = 0
        self._in_flight = 0
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- routes ---------------------------------------------------------------------------------

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """Send ``method`` requests whose whole path matches ``pattern`` to ``handler``."""
        self._routes.append(_Route(method.upper(), re.compile(pattern), handler))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Decorator form of ``add_route``."""

        def register(handler: Handler) -> Handler:
            self.add_route(method, pattern, handler)
            return handler

        return register

    # -- life cycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError(f"fake server {self.name!r} is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> Self:
        """Bind the loopback port (a free one unless ``port`` was given) and serve in a
        background thread. ``OSError`` when the given port is taken."""
        if self._httpd is not None:
            return self
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _make_handler_class(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"fake-{self.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- inspection -----------------------------------------------------------------------------

    def requests_to(self, method: str, pattern: str = ".*") -> list[LoggedRequest]:
        """The logged requests with this method whose path matches ``pattern``."""
        compiled = re.compile(pattern)
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method.upper() and compiled.fullmatch(r.path)
            ]

    def reset_log(self) -> None:
        """Forget the logged requests, errors and the in-flight high-water mark."""
        with self._lock:
            self.requests.clear()
            self.errors.clear()
            self.max_in_flight = 0

    # -- serving (called from the handler threads) -------------------------------------------------

    def _log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(entry)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def answer(self, request: FakeRequest) -> tuple[FakeResponse, str | None]:
        """The answer to ``request``: a fault's, or the matching route's (404/405 without one)."""
        fault = self.faults.pick(request.method, request.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                return FakeResponse(
                    fault.status, fault.body, {"Content-Type": "application/json", **fault.headers}
                ), fault.describe()
        return self._dispatch(request), fault.describe() if fault else None

    def _dispatch(self, request: FakeRequest) -> FakeResponse:
        allowed: list[str] = []
        for route in self._routes:
            match = route.pattern.fullmatch(request.path)
            if match is None:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            request.params = {k: v for k, v in match.groupdict().items() if v is not None}
            try:
                return _as_response(route.handler(request))
            except Exception:  # noqa: BLE001 - any handler bug becomes a 500 the test can see
                trace = traceback.format_exc()
                with self._lock:
                    self.errors.append(trace)
                return json_response({"message": "fake server handler failed", "trace": trace}, 500)
        if allowed:
            return json_response(
                {"message": f"method {request.method} not allowed"},
                405,
                {"Allow": ", ".join(sorted(set(allowed)))},
            )
        return json_response({"message": f"no route for {request.method} {request.path}"}, 404)


def _as_response(result: FakeResponse | dict[str, Any] | list[Any]) -> FakeResponse:
    if isinstance(result, FakeResponse):
        return result
    if isinstance(result, (dict, list)):
        return json_response(result)
    raise TypeError(
        f"a fake server handler must return FakeResponse, dict or list, not {type(result).__name__}"
    )


def _make_handler_class(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class _RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
        server_version = f"FakeServer-{server.name}"

        def log_message(self, format: str, *args: Any) -> None:  # silence stderr access logs
            return None

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            query = parse_qs(parts.query, keep_blank_values=True)
            entry = LoggedRequest(self.command, parts.path, query, headers, body, time.monotonic())
            server._log(entry)
            try:
                request = FakeRequest(self.command, parts.path, query, headers, body)
                response, entry.fault = server.answer(request)
                entry.status = response.status  # logged before the client can see the answer
                self._send(response)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout test): nothing to do
            finally:
                server._done()

        def _send(self, response: FakeResponse) -> None:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return _RequestHandler
