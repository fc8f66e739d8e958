"""The authenticated, read-only ARM pipeline and the SDK clients built on it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from azure.core.credentials import TokenCredential
from azure.core.pipeline import policies
from azure.core.pipeline.transport import RequestsTransport
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from auditor import __version__
from auditor.collect.pacing import Pacer, PacingPolicy
from auditor.collect.policies import (
    Deadline,
    DeadlineRetryPolicy,
    ProxiedLinkPolicy,
    ReadOnlyPolicy,
    RequestLogPolicy,
)
from auditor.collect.rest import Rest
from auditor.collect.settings import ConnectionSettings

C = TypeVar("C")


class Clients:
    """One transport, one credential and one policy recipe for every client of a collection.

    Each client gets its pipeline through the constructors' `policies=` argument, which replaces the
    generated list wholesale: that is the only way to leave out ARMAutoResourceProviderRegistrationPolicy
    (ARMPipelineClient re-adds it whenever `policies` is absent, even with `per_call_policies`).
    """

    def __init__(self, settings: ConnectionSettings, credential: TokenCredential, deadline: Deadline) -> None:
        self.settings = settings
        self._credential = credential
        self._deadline = deadline
        # One per collection, shared by every client: ARM counts reads per subscription, whichever
        # SDK sends them.
        self._pacer = Pacer(settings.read_burst, settings.read_refill, deadline)
        self._transport = RequestsTransport(
            session=_session(settings.concurrency),
            session_owner=True,
            connection_verify=settings.ca_bundle or True,
            connection_timeout=settings.read_timeout,
            read_timeout=settings.read_timeout,
        )
        self._lock = threading.Lock()
        self._clients: dict[tuple[Callable[..., Any], str | None], Any] = {}
        # Rest parses each body itself, once: ContentDecodePolicy would parse it a second time (the
        # generated clients need it, a raw GET does not).
        raw = [p for p in self.policies() if not isinstance(p, policies.ContentDecodePolicy)]
        self.rest = Rest(ARMPipelineClient(base_url=settings.endpoint, policies=raw, transport=self._transport))

    def policies(self) -> list[Any]:
        """A fresh policy list: the generated clients' default order, minus provider registration,
        plus nextLinks through a proxy first and the `--verbose` request log last (one per attempt)."""
        settings = self.settings
        return [
            *([ProxiedLinkPolicy(settings.endpoint, settings.cloud_endpoint)] if settings.proxied else []),
            policies.RequestIdPolicy(),
            policies.HeadersPolicy(),
            policies.UserAgentPolicy(user_agent=f"amlaudit/{__version__}"),
            policies.ProxyPolicy(),
            policies.ContentDecodePolicy(),
            policies.RedirectPolicy(),
            DeadlineRetryPolicy(
                self._deadline,
                settings.read_timeout,
                retry_total=settings.retry_total,
                retry_read=settings.retry_read,
                retry_backoff_factor=settings.retry_backoff_factor,
                retry_backoff_max=settings.retry_backoff_max,
            ),
            ReadOnlyPolicy(settings.endpoint),
            ARMChallengeAuthenticationPolicy(self._credential, settings.scope),
            policies.CustomHookPolicy(),
            policies.NetworkTraceLoggingPolicy(),
            policies.DistributedTracingPolicy(),
            policies.SensitiveHeaderCleanupPolicy(),
            ARMHttpLoggingPolicy(),
            PacingPolicy(self._pacer),
            *([RequestLogPolicy(settings.diagnostics)] if settings.diagnostics else []),
        ]

    def sdk(self, cls: Callable[..., C], subscription: str | None = None, **options: Any) -> C:
        """The client of `cls` for `subscription` (None for tenant-wide clients), built once.

        Worker threads ask concurrently; the lock keeps one client, hence one token request, per pair.
        """
        with self._lock:
            client: C | None = self._clients.get((cls, subscription))
            if client is None:
                args = (self._credential,) if subscription is None else (self._credential, subscription)
                client = cls(
                    *args,
                    base_url=self.settings.endpoint,
                    policies=self.policies(),
                    transport=self._transport,
                    **options,
                )
                self._clients[(cls, subscription)] = client
            return client

    def close(self) -> None:
        self._transport.close()


class _Session(requests.Session):
    """Reads the environment's proxy and CA settings once per host rather than once per request.

    requests merges them into every request, walking `os.environ` each time: about a millisecond of
    CPU, a third of what a read costs the collector. The environment does not change during a
    collection, and the requests all go to one host.
    """

    def __init__(self) -> None:
        super().__init__()
        self._merged: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(
        self, url: str, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        parts = urlsplit(url)
        given = tuple(sorted(proxies.items())) if isinstance(proxies, dict) else proxies
        key = (parts.scheme, parts.netloc, given, stream, verify, cert)
        merged = self._merged.get(key)
        if merged is None:
            copied = dict(proxies) if isinstance(proxies, dict) else proxies  # the merge fills it in
            merged = self._merged[key] = super().merge_environment_settings(url, copied, stream, verify, cert)
        return {name: dict(value) if isinstance(value, dict) else value for name, value in merged.items()}


def _session(concurrency: int) -> requests.Session:
    """A session whose pool holds a connection per worker, so none is opened and dropped per request."""
    session = _Session()
    # Retries belong to the pipeline's retry policy, not to urllib3 underneath it.
    adapter = HTTPAdapter(
        pool_connections=4,
        pool_maxsize=max(concurrency, 10),
        max_retries=Retry(total=False, redirect=False, raise_on_status=False),
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
