"""Live collection: from a scope to the raw ARM resources that its workspaces' rules read.

Discovery (`discovery`) finds the subscriptions and workspaces to audit; the crawl (`crawl`) follows
each workspace's references until its closure is read; this module runs both within the time budget
and turns what they gathered into a snapshot.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.core.exceptions import ClientAuthenticationError

from auditor.collect import resource_types as rt
from auditor.collect.clients import Clients
from auditor.collect.crawl import Crawl
from auditor.collect.credentials import build_credential, no_token_message
from auditor.collect.discovery import CollectionError, discover, select_workspaces
from auditor.collect.pacing import interleaved
from auditor.collect.policies import Deadline
from auditor.collect.progress import Progress
from auditor.collect.scheduler import Scheduler
from auditor.collect.scope import Scope
from auditor.collect.sdklog import sdk_logging
from auditor.collect.settings import ConnectionSettings
from auditor.collect.snapshot import build_snapshot

Json = dict[str, Any]

__all__ = ["CollectionError", "collect_snapshot"]


def collect_snapshot(scope: Scope, settings: ConnectionSettings, progress: bool = True) -> Json:
    """Read the workspaces of `scope` and everything their rules need from ARM, read-only.

    Failed reads become `errors` entries and collection goes on. Raises CollectionError when no
    token can be had, the subscriptions of a tenant or management group cannot be listed, or a
    workspace named in `scope` does not exist.
    """
    with sdk_logging(settings.diagnostics):
        return _collect(scope, settings, progress)


def _collect(scope: Scope, settings: ConnectionSettings, progress: bool) -> Json:
    credential = build_credential(settings)
    try:
        credential.get_token(settings.scope, tenant_id=settings.tenant)
    except ClientAuthenticationError as exc:
        if settings.diagnostics is not None:
            for line in str(exc.message or exc).splitlines():
                settings.diagnostics(f"azure-identity: {line}")
        raise CollectionError(no_token_message(exc)) from exc

    deadline = Deadline(settings.timeout, settings.timeout_beyond_quota)
    clients = Clients(settings, credential, deadline)
    executor = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="amlaudit-collect")
    view = Progress(progress)
    crawl: Crawl | None = None
    try:
        with view.shown():
            scheduler = Scheduler(
                executor,
                deadline,
                lambda done, pending: view.report(done, pending, len(crawl.resources) if crawl else 0),
            )
            discovery = discover(scope, clients, scheduler)
            crawl = Crawl(
                clients,
                scheduler,
                {s.lower() for s in discovery.subscriptions},
                discovery.resource_graph,
                whole_subscriptions=not scope.workspaces,
            )
            crawl.errors.extend(discovery.errors)
            targets = select_workspaces(scope, discovery)
            if targets:
                crawl.prefetch()
            for workspace_id in interleaved(targets):
                crawl.want(workspace_id, target=True)
            scheduler.run()
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
        clients.close()
        close = getattr(credential, "close", None)
        if settings.credential is None and callable(close):
            close()

    assert crawl is not None  # set before anything could fail silently
    tenants = discovery.tenants
    return build_snapshot(
        cloud=settings.cloud,
        tenant=settings.tenant or (next(iter(tenants)) if len(tenants) == 1 else None),
        subscriptions=sorted(discovery.subscriptions, key=str.lower),
        api_versions=dict(rt.API_VERSIONS),
        resources=[crawl.resources[key] for key in sorted(crawl.resources)],
        errors=sorted(crawl.errors, key=lambda e: (e["scope"].lower(), e["resource_types"])),
    )
