"""Pipeline policies that keep the collector read-only, on its ARM endpoint and inside its time budget."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from azure.core.exceptions import AzureError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy, RetryPolicy, SansIOHTTPPolicy

from auditor.collect.urls import origin

# The one non-GET the collector sends: a Resource Graph query is a POST that reads.
RESOURCE_GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"
# Where every ARM path starts: a nextLink elsewhere is not an ARM list page.
_ARM_ROOTS = {"subscriptions", "providers", "tenants"}


class CollectionTimeout(AzureError):
    """The overall `--timeout` ran out before this request could finish."""


class ForeignHostRefused(AzureError):
    """A link (a list's nextLink, a redirect) pointed away from the ARM endpoint: the token stays home.

    An AzureError, so that it is recorded as a read error of the list it ended; never retried.
    """


class ReadOnlyViolation(RuntimeError):
    """A request that would write was about to be sent.

    Deliberately not an AzureError: the retry policy must not retry it and the collector must not
    record it as one more collection error. It is a bug, and it stops the collection.
    """


class Deadline:
    """The end of the overall collection budget; `None` seconds means no budget.

    With `beyond_quota` the budget does not count the time reads spent waiting for ARM's read
    quota: a subscription of thousands of workspaces needs that time however healthy ARM is, and
    the budget is there to end collections that stall, not large ones."""

    def __init__(self, seconds: float | None, beyond_quota: bool = False) -> None:
        self._at = None if seconds is None else time.monotonic() + seconds
        self._beyond_quota = beyond_quota
        self._quota_wait = 0.0
        self._lock = threading.Lock()

    def quota_waited(self, seconds: float) -> None:
        """One subscription's reads have waited `seconds` in all for its read quota."""
        if self._beyond_quota:
            with self._lock:
                self._quota_wait = max(self._quota_wait, seconds)

    def remaining(self) -> float | None:
        return None if self._at is None else self._at + self._quota_wait - time.monotonic()

    @property
    def expired(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0


class ReadOnlyPolicy(SansIOHTTPPolicy[Any, Any]):
    """Refuses every request but GETs (and the Resource Graph query) to the ARM host.

    It takes the place of azure-mgmt-core's ARMAutoResourceProviderRegistrationPolicy, which answers
    a 409 MissingSubscriptionRegistration by POSTing `.../providers/<RP>/register`: a write. It runs
    on every attempt, after redirects, so no redirect or nextLink carries the token elsewhere either.
    """

    def __init__(self, endpoint: str) -> None:
        self._origin = origin(endpoint)
        self._endpoint = endpoint

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        url = urlsplit(http.url)
        if origin(http.url) != self._origin:
            where = f"{url.scheme}://{url.netloc}"
            raise ForeignHostRefused(f"refused to send the ARM token to {where}: ARM is {self._endpoint}")
        if http.method == "GET":
            return
        if http.method == "POST" and url.path.rstrip("/").lower() == RESOURCE_GRAPH_PATH:
            return
        raise ReadOnlyViolation(f"refusing {http.method} {url.path}: the collector only reads")


class ProxiedLinkPolicy(SansIOHTTPPolicy[Any, Any]):
    """Behind a proxy (`--arm-endpoint`), ARM's nextLinks name ARM itself, which the proxy hides:
    a link to the cloud's own ARM whose path is an ARM path is followed through the proxy.

    Links to any other host are left as they are, for ReadOnlyPolicy to refuse: a host the
    auditor was not pointed at gets neither the token nor a guess at what it meant.
    """

    def __init__(self, endpoint: str, cloud_endpoint: str) -> None:
        self._endpoint = urlsplit(endpoint)
        self._upstream = origin(cloud_endpoint)

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        url = urlsplit(http.url)
        segments = [s for s in url.path.split("/") if s]
        if origin(http.url) != self._upstream or not segments or segments[0].lower() not in _ARM_ROOTS:
            return
        if any(s in {".", ".."} for s in segments):
            return
        path = self._endpoint.path.rstrip("/") + url.path
        http.url = urlunsplit((self._endpoint.scheme, self._endpoint.netloc, path, url.query, ""))


class DeadlineRetryPolicy(RetryPolicy):
    """azure-core's retries (Retry-After on 429, backoff on 5xx), never waiting or reading past the
    deadline, each attempt's connect and reads bounded by `read_timeout`."""

    def __init__(self, deadline: Deadline, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._deadline = deadline
        self._read_timeout = read_timeout

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings = super().configure_retries(options)
        # The transport takes its timeouts from the same per-request options.
        read_timeout = min(options.get("read_timeout", self._read_timeout), self._read_timeout)
        remaining = self._deadline.remaining()
        if remaining is not None:
            # `timeout` is RetryPolicy's budget for all attempts.
            settings["timeout"] = min(settings["timeout"], remaining)
            read_timeout = min(read_timeout, max(remaining, 0.001))
        options["read_timeout"] = read_timeout
        options["connection_timeout"] = min(options.get("connection_timeout", read_timeout), read_timeout)
        return settings

    def increment(self, settings: dict[str, Any], response: Any = None, error: Exception | None = None) -> bool:
        if isinstance(error, ForeignHostRefused):
            return False  # the same link would be refused again
        return bool(super().increment(settings, response=response, error=error))

    def sleep(
        self,
        settings: dict[str, Any],
        transport: Any,
        response: PipelineResponse[Any, Any] | None = None,
    ) -> None:
        # Same choice as RetryPolicy.sleep: a server's Retry-After wins, else exponential backoff.
        retry_after = self.get_retry_after(response) if response else None
        delay = retry_after or self.get_backoff_time(settings)
        remaining = self._deadline.remaining()
        if remaining is not None and delay >= remaining:
            raise CollectionTimeout(f"the overall timeout leaves no time to wait {delay:.1f}s and retry")
        if delay > 0:
            transport.sleep(delay)


class RequestLogPolicy(HTTPPolicy[Any, Any]):
    """One line per attempt for `--verbose`: method, path, api-version, status, seconds.

    Never a header, and no other query parameter: a link may carry a signature or an opaque token.
    """

    def __init__(self, sink: Callable[[str], None]) -> None:
        super().__init__()
        self._sink = sink

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        http = request.http_request
        url = urlsplit(http.url)
        kept = [(k, v) for k, v in parse_qsl(url.query) if k.lower() == "api-version"]
        shown = url.path + (f"?{urlencode(kept)}" if kept else "")
        started = time.monotonic()
        try:
            response = self.next.send(request)
        except Exception as exc:
            self._sink(f"{http.method} {shown} failed after {time.monotonic() - started:.3f}s: {type(exc).__name__}")
            raise
        self._sink(f"{http.method} {shown} {response.http_response.status_code} {time.monotonic() - started:.3f}s")
        return response
