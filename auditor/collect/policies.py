"""Pipeline policies that keep the collector read-only and inside its time budget."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import RetryPolicy, SansIOHTTPPolicy

# The one non-GET the collector sends: a Resource Graph query is a POST that reads.
RESOURCE_GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"


class CollectionTimeout(AzureError):
    """The overall `--timeout` ran out before this request could finish."""


class ReadOnlyViolation(RuntimeError):
    """A request that would write, or leave the ARM host, was about to be sent.

    Deliberately not an AzureError: the retry policy must not retry it and the collector must not
    record it as one more collection error. It is a bug, and it stops the collection.
    """


class Deadline:
    """The end of the overall collection budget; `None` seconds means no budget."""

    def __init__(self, seconds: float | None) -> None:
        self._at = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self._at is None else self._at - time.monotonic()

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

    def __init__(self, arm_host: str) -> None:
        self._host = arm_host.lower()

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        url = urlsplit(http.url)
        if (url.hostname or "").lower() != self._host:
            raise ReadOnlyViolation(f"refusing to send a request to {url.hostname}: ARM is {self._host}")
        if http.method == "GET":
            return
        if http.method == "POST" and url.path.rstrip("/").lower() == RESOURCE_GRAPH_PATH:
            return
        raise ReadOnlyViolation(f"refusing {http.method} {url.path}: the collector only reads")


class DeadlineRetryPolicy(RetryPolicy):
    """azure-core's retries (Retry-After on 429, backoff on 5xx), never waiting or reading past the deadline."""

    def __init__(self, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._deadline = deadline

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings = super().configure_retries(options)
        remaining = self._deadline.remaining()
        if remaining is not None:
            # `timeout` is RetryPolicy's budget for all attempts; the transport reads its own read
            # timeout from the same per-request options.
            settings["timeout"] = min(settings["timeout"], remaining)
            options["read_timeout"] = min(options.get("read_timeout", remaining), remaining)
        return settings

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
