"""Before the crawl: the subscriptions audited, and the workspaces in them to audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import AzureError

from auditor.arm import name_of, resource_group_of, subscription_of
from auditor.collect import graph
from auditor.collect import resource_types as rt
from auditor.collect.causes import cause_of
from auditor.collect.clients import Clients
from auditor.collect.scheduler import Scheduler
from auditor.collect.scope import Scope
from auditor.collect.snapshot import error_entry

Json = dict[str, Any]


class CollectionError(Exception):
    """The collection cannot start, or cannot find what it was asked to audit.

    `incomplete` when it is read errors that hid it (a listing failed): data is missing, rather
    than the request being wrong.
    """

    def __init__(self, message: str, *, incomplete: bool = False) -> None:
        super().__init__(message)
        self.incomplete = incomplete


@dataclass
class Discovery:
    """What is known before the crawl: the subscriptions audited, their tenants, whether the crawl
    reads them through Resource Graph, the workspaces found by listing (None when the scope names
    workspaces by id only) and the listings that failed."""

    subscriptions: list[str]
    tenants: set[str] = field(default_factory=set)
    resource_graph: bool = False
    found: list[str] | None = None
    errors: list[Json] = field(default_factory=list)


def discover(scope: Scope, clients: Clients, scheduler: Scheduler) -> Discovery:
    if scope.uses_resource_graph:
        try:
            if scope.subscriptions:
                subscriptions = [graph.Subscription(s, None) for s in scope.subscriptions]
            elif scope.management_group:
                subscriptions = graph.management_group_subscriptions(clients, scope.management_group)
            else:
                subscriptions = graph.tenant_subscriptions(clients)
            ids = [s.subscription_id for s in subscriptions]
            # Only the workspaces here: the crawl queries the other types while it reads ARM.
            rows = graph.resources(clients, ids, (rt.WORKSPACES,))
        except AzureError as exc:
            cause = cause_of(exc, clients.settings.endpoint)
            raise CollectionError(f"Resource Graph could not be read: {cause.message}", incomplete=True) from exc
        return Discovery(
            subscriptions=ids,
            tenants={s.tenant_id for s in subscriptions if s.tenant_id},
            resource_graph=True,
            found=[r["id"] for r in rows if r.get("type") == rt.WORKSPACES and isinstance(r.get("id"), str)],
        )

    named = [*scope.subscriptions, *(subscription_of(w) or "" for w in scope.workspace_ids)]
    discovery = Discovery(subscriptions=list(dict.fromkeys(named)))
    if scope.workspaces and not scope.workspace_names:
        return discovery
    found: list[str] = []
    discovery.found = found
    for subscription in scope.subscriptions:
        where = f"/subscriptions/{subscription}"
        if scope.resource_group:
            where += f"/resourceGroups/{scope.resource_group}"
        _list_workspaces(clients, scheduler, where, discovery)
    scheduler.run()
    return discovery


def _list_workspaces(clients: Clients, scheduler: Scheduler, scope: str, discovery: Discovery) -> None:
    def take(items: list[Json] | None) -> None:
        assert discovery.found is not None
        discovery.found.extend(i["id"] for i in items or [] if isinstance(i.get("id"), str))

    def failed(exc: AzureError) -> None:
        discovery.errors.append(error_entry(scope, [rt.WORKSPACES], exc, clients.settings.endpoint))

    scheduler.fetch(("discover", scope.lower()), lambda: rt.SCOPE_LISTS[rt.WORKSPACES](clients, scope), take, failed)


def select_workspaces(scope: Scope, discovery: Discovery) -> list[str]:
    """The workspace ids to audit: those given by id, those named, or every one found."""
    targets = list(scope.workspace_ids)
    if discovery.found is None:
        return targets
    group = (scope.resource_group or "").lower()
    found = [w for w in discovery.found if not group or (resource_group_of(w) or "").lower() == group]
    if not scope.workspaces:
        return found
    missing = []
    for name in scope.workspace_names:
        matches = [w for w in found if name_of(w).lower() == name.lower()]
        if not matches:
            missing.append(name)
        targets.extend(matches)
    if missing:
        failed = "; ".join(f"{e['scope']}: {e['message']}" for e in discovery.errors)
        raise CollectionError(
            f"no workspace named {', '.join(missing)} in scope" + (f" (listing failed: {failed})" if failed else ""),
            incomplete=bool(failed),
        )
    return targets
