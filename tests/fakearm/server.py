"""A fake Azure Resource Manager over HTTPS on 127.0.0.1, serving any inventory of raw ARM resources.

It answers the REST paths the SDKs and raw GETs use (subscription list, subscription- and
resource-group-scoped provider lists, GET by id, child lists, Resource Graph queries) with ARM's
paging (`nextLink` keeping `api-version`, `$skipToken`) and ARM-shaped errors, matches paths
case-insensitively, can inject latency and faults per path pattern, throttles reads like ARM's
read bucket when asked (`throttle`), and logs every request.

In its own process (benchmarks):

    python -m tests.fakearm.server --inventory tenant.json --latency 0.05 --port 0 [--throttle]

prints one JSON line `{"base_url", "port", "ca"}` and serves until its standard input closes.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import ssl
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import trustme

from . import graph
from .store import Json, ParsedId, Store, parse
from .throttle import ReadThrottle

DEFAULT_PAGE_SIZE = 100
DEFAULT_TENANT = "72f988bf-0000-4000-8000-00000000feed"
STATS_PATH = "/_fakearm/stats"
GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"
# Not sent: tells the handler to cut the body short.
_TRUNCATE = "x-fakearm-truncate"

_DEFAULT_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "AuthorizationFailed",
    404: "ResourceNotFound",
    409: "MissingSubscriptionRegistration",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}


@dataclass
class Fault:
    """Answer requests whose path matches `pattern` (a regex, case-insensitive) with an error.

    `times` limits how many requests get it (None: all); `method` limits it to one verb. `hold`
    keeps the request waiting that many seconds first (or until `reset()`); `body` replaces the
    JSON error with these bytes; `truncate` announces the whole body but sends half and hangs up.
    """

    pattern: str
    status: int
    code: str | None = None
    message: str = ""  # empty: ARM's usual message for the status
    times: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    hold: float = 0.0
    body: bytes | None = None
    truncate: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return re.search(self.pattern, path, re.IGNORECASE) is not None


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    # The Authorization value is never kept, only whether there was one.
    headers: dict[str, str]
    body: Any
    status: int = 0

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")


def _error(status: int, code: str | None = None, message: str = "") -> tuple[int, Json, dict[str, str]]:
    code = code or _DEFAULT_CODES.get(status, "Error")
    return status, {"error": {"code": code, "message": message or f"{code} (fake ARM)"}}, {}


class FakeArm:
    """The server, its inventory and its knobs. Reset between tests with `reset()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ca = trustme.CA()
        self._tmp = tempfile.TemporaryDirectory(prefix="fakearm-")
        self.ca_path = str(Path(self._tmp.name) / "ca.pem")
        self._ca.cert_pem.write_to_path(self.ca_path)
        self.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1", "localhost").configure_cert(self.ssl_context)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Requests being answered; not reset, since answers still in flight from a previous test
        # (its deadline passed) bring it back to zero by themselves.
        self._in_flight = 0
        self._release = threading.Event()
        self.reset()

    # Configuration ---------------------------------------------------------------------------

    def reset(self) -> None:
        # Requests held by a previous test's faults are answered now.
        self._release.set()
        self._release = threading.Event()
        with self._lock:
            self.store = Store([])
            self.faults: list[Fault] = []
            # Seconds added to every request: `latency`, or drawn uniformly up to `latency_max`.
            self.latency = 0.0
            self.latency_max: float | None = None
            self.page_size = DEFAULT_PAGE_SIZE
            # Resource Graph pages hold up to 1,000 rows; None pages them like ARM lists.
            self.graph_page_size: int | None = None
            self.graph_lower_case_ids = False
            self.tenant_id = DEFAULT_TENANT
            self.expected_token: str | None = None
            # Management group → its subscriptions; a group not listed holds every subscription.
            self.management_groups: dict[str, list[str]] = {}
            self.requests: list[LoggedRequest] = []
            self.max_in_flight = 0
            self._graph_rows: tuple[str, list[Json]] | None = None
            # ARM's read bucket per subscription and principal; None answers every read.
            self.throttle: ReadThrottle | None = None
            # Where nextLinks point (None: this server), as behind a proxy whose upstream is ARM.
            self.next_link_base: str | None = None

    def load(self, resources: list[Json]) -> None:
        self.store = Store(resources)

    def fault(self, pattern: str, status: int, **kwargs: Any) -> Fault:
        fault = Fault(pattern, status, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    # Lifecycle -------------------------------------------------------------------------------

    def start(self, port: int = 0) -> None:
        self._server = _Server(("127.0.0.1", port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fakearm", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._tmp.cleanup()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    # Answering -------------------------------------------------------------------------------

    def respond(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Json | bytes, dict[str, str]]:
        url = urlsplit(target)
        path = unquote(url.path)
        query = {k.lower(): v for k, v in parse_qsl(url.query, keep_blank_values=True)}
        if path.lower() == STATS_PATH:
            return 200, self.stats(), {}
        logged_headers = {k: ("<present>" if k.lower() == "authorization" else v) for k, v in headers.items()}
        record = LoggedRequest(method, path, query, logged_headers, _json_or_none(body))
        with self._lock:
            self.requests.append(record)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            delay = random.uniform(self.latency, self.latency_max) if self.latency_max else self.latency
            if delay:
                time.sleep(delay)
            status, payload, extra = self._route(method, path, query, headers, record.body)
        finally:
            with self._lock:
                self._in_flight -= 1
        record.status = status
        return status, payload, extra

    def stats(self) -> Json:
        with self._lock:
            methods: dict[str, int] = {}
            subscriptions: dict[str, int] = {}
            for r in self.requests:
                methods[r.method] = methods.get(r.method, 0) + 1
                subscription = (_subscription_of(r.path) or "").lower()
                subscriptions[subscription] = subscriptions.get(subscription, 0) + 1
            return {
                "requests": len(self.requests),
                "by_method": methods,
                "by_subscription": subscriptions,
                "max_in_flight": self.max_in_flight,
                "throttled": self.throttle.throttled if self.throttle else 0,
                "cpu_seconds": time.process_time(),  # of the whole process: meaningful when the fake has its own
            }

    def _injected(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> tuple[int, Json | bytes, dict[str, str]]:
        authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not authorization.startswith("Bearer "):
            return _error(401, "AuthenticationFailed", "no bearer token")
        if self.expected_token is not None and authorization != f"Bearer {self.expected_token}":
            return _error(401, "InvalidAuthenticationToken", "the access token is invalid")
        subscription = _subscription_of(path)
        if self.throttle is None or subscription is None:
            return self._answer(method, path, query, body)
        verdict = self.throttle.take(subscription, authorization)
        if not verdict.allowed:
            status, payload, _ = _error(
                429, "SubscriptionRequestsThrottled", f"Number of 'read' requests for subscription '{subscription}' "
                f"exceeded. Please try again after '{verdict.retry_after}' seconds after the last request."
            )
            return status, payload, verdict.headers()
        status, payload, extra = self._answer(method, path, query, body)
        return status, payload, {**extra, **verdict.headers()}

    def _answer(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Json | bytes, dict[str, str]]:
        fault = self._injected(method, path)
        if fault is not None and fault.hold:
            self._release.wait(fault.hold)
        if fault is not None and fault.status == 200 and fault.body is None:
            # Held or cut short, but otherwise the real answer.
            status, payload, extra = self._serve(method, path, query, body)
            return status, payload, {**extra, **({_TRUNCATE: "1"} if fault.truncate else {})}
        if fault is not None:
            message = fault.message
            if fault.status == 409 and fault.code in (None, "MissingSubscriptionRegistration") and not message:
                # ARM's own words, which azure-mgmt-core parses to decide what to register.
                namespace = (parse(path) or ParsedId(None, None, ("Microsoft.Resources",))).provider_path[0]
                message = f"The subscription is not registered to use namespace '{namespace}'."
            status, payload, _ = _error(fault.status, fault.code, message)
            extra = {**fault.headers, **({_TRUNCATE: "1"} if fault.truncate else {})}
            return status, (payload if fault.body is None else fault.body), extra
        return self._serve(method, path, query, body)

    def _serve(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Json, dict[str, str]]:
        if "api-version" not in query:
            return _error(400, "MissingApiVersionParameter", "The api-version query parameter is required.")
        if method == "POST" and path.rstrip("/").lower() == GRAPH_PATH:
            return self._graph(body if isinstance(body, dict) else {})
        if method != "GET":
            # What a Reader gets for any write, provider registration included.
            return _error(403, "AuthorizationFailed", f"does not have authorization to perform {method} {path}")
        return self._get(path, query)

    def _get(self, path: str, query: dict[str, str]) -> tuple[int, Json, dict[str, str]]:
        parts = [p for p in path.split("/") if p]
        lower = [p.lower() for p in parts]
        if lower == ["subscriptions"]:
            return self._page(path, query, [self._subscription(s) for s in self.store.subscriptions()])
        if len(parts) == 2 and lower[0] == "subscriptions":
            known = {s.lower(): s for s in self.store.subscriptions()}
            if lower[1] not in known:
                return _error(404, "SubscriptionNotFound", f"The subscription '{parts[1]}' could not be found.")
            return 200, self._subscription(known[lower[1]]), {}
        parsed = parse(path)
        if parsed is None or parsed.subscription is None or len(parsed.provider_path) < 2:
            return _error(404, "NotFound", f"no route for {path}")
        if len(parsed.provider_path) == 2:
            items = self.store.scope_list(parsed.subscription, parsed.resource_group, parsed.resource_type)
            return self._page(path, query, items)
        if len(parsed.provider_path) % 2 == 1:
            found = self.store.get(path)
            if found is None:
                return _error(404, "ResourceNotFound", f"The Resource '{path}' was not found.")
            return 200, found, {}
        parent, segment = path.rstrip("/").rsplit("/", 1)
        children = self.store.child_list(parent, segment)
        if children is None:
            return _error(404, "ParentResourceNotFound", f"Parent resource '{parent}' was not found.")
        return self._page(path, query, children)

    def _subscription(self, subscription: str) -> Json:
        return {
            "id": f"/subscriptions/{subscription}",
            "subscriptionId": subscription,
            "tenantId": self.tenant_id,
            "displayName": f"Subscription {subscription[:8]}",
            "state": "Enabled",
        }

    def _page(self, path: str, query: dict[str, str], items: list[Json]) -> tuple[int, Json, dict[str, str]]:
        start = int(query.get("$skiptoken") or 0)
        end = start + self.page_size
        page: Json = {"value": items[start:end]}
        if end < len(items):
            # As real ARM does, the nextLink keeps every query parameter, api-version included.
            rest = {k: v for k, v in query.items() if k != "$skiptoken"}
            base = self.next_link_base or self.base_url
            page["nextLink"] = f"{base}{path}?{urlencode({**rest, '$skiptoken': end})}"
        return 200, page, {}

    def _graph(self, request: Json) -> tuple[int, Json, dict[str, str]]:
        # A query's rows are selected on its first page and kept for the pages that follow (with a
        # $skipToken): selecting them again for every page would make paging a big tenant quadratic.
        key = json.dumps({k: v for k, v in request.items() if k != "options"}, sort_keys=True)
        continued = bool((request.get("options") or {}).get("$skipToken"))
        with self._lock:
            cached = self._graph_rows if continued and self._graph_rows and self._graph_rows[0] == key else None
        try:
            selected = (
                cached[1]
                if cached
                else graph.rows(
                    self.store,
                    request,
                    self.tenant_id,
                    self.management_groups,
                    self._subscription,
                    self.graph_lower_case_ids,
                )
            )
        except graph.InvalidQuery as exc:
            return _error(400, "InvalidQuery", str(exc))
        with self._lock:
            self._graph_rows = (key, selected)
        return 200, graph.page(selected, request, self.graph_page_size or self.page_size), {}


def _subscription_of(path: str) -> str | None:
    """The subscription whose read bucket a request draws on; None for tenant-level requests and
    Resource Graph (which has a quota of its own)."""
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) >= 2 and parts[0].lower() == "subscriptions" else None


def _json_or_none(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so every answer carries Content-Length
    # Without TCP_NODELAY, Nagle plus delayed ACKs add ~40 ms to each keep-alive request.
    disable_nagle_algorithm = True
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload, headers = self.server.fake.respond(self.command, self.path, dict(self.headers), body)
        raw = isinstance(payload, bytes)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        truncate = headers.pop(_TRUNCATE, None) is not None
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html" if raw else "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if truncate:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """The request log is kept in FakeArm.requests, not printed."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops SYNs under concurrent clients.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], fake: FakeArm) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs here, in the connection's own thread; wrapping the listening
        # socket instead would serialise every handshake in accept().
        try:
            tls = self.fake.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            _Handler(tls, client_address, self)
        except (TimeoutError, ConnectionError, ssl.SSLError):
            pass
        finally:
            tls.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve an inventory as a fake ARM over HTTPS on 127.0.0.1.")
    parser.add_argument(
        "--inventory", type=Path, required=True, help='JSON: a list of resources or {"resources": [...]}'
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--latency-max", type=float, default=None, help="draw each latency up to this many seconds")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    parser.add_argument("--graph-page-size", type=int, default=None, help="Resource Graph rows per page")
    parser.add_argument("--throttle", action="store_true", help="throttle reads like ARM's read bucket")
    parser.add_argument("--read-burst", type=int, default=250, help="reads per bucket (with --throttle)")
    parser.add_argument("--read-refill", type=float, default=25.0, help="reads a second (with --throttle)")
    args = parser.parse_args(argv)
    document = json.loads(args.inventory.read_text(encoding="utf-8"))
    fake = FakeArm()
    fake.load(document["resources"] if isinstance(document, dict) else document)
    fake.latency = args.latency
    fake.latency_max = args.latency_max
    fake.page_size = args.page_size
    fake.graph_page_size = args.graph_page_size
    if args.throttle:
        fake.throttle = ReadThrottle(args.read_burst, args.read_refill)
    fake.start(args.port)
    print(json.dumps({"base_url": fake.base_url, "port": fake.port, "ca": fake.ca_path}), flush=True)
    try:
        sys.stdin.read()  # the parent closing our stdin (or dying) stops the server
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
