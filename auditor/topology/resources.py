"""The resource index every question starts from: resources by id, by type and by parent.

Every lookup by ARM id is case-insensitive. Child resources (subnets, peerings, agent pools,
outbound rules, computes, datastores, endpoints, deployments, labelling jobs, zone links, zone
groups, routes) are normalised into resources with their own ids, whether they came embedded in
their parent or on their own; the standalone form wins (catalogue §1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from auditor.arm import Resource, as_list, dig, lid, ltype, name_of, parent_of, provider_type_of
from auditor.topology.types import (
    AKS,
    DNS_ZONE,
    MANAGED_NETWORK,
    ONLINE_ENDPOINT,
    PRIVATE_ENDPOINT,
    ROUTE_TABLE,
    VNET,
    WORKSPACE,
)

# Where each parent type may embed children: (child segment, candidate paths inside the parent).
_EMBEDDED: dict[str, tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]] = {
    VNET: (
        ("subnets", (("properties", "subnets"),)),
        ("virtualNetworkPeerings", (("properties", "virtualNetworkPeerings"),)),
    ),
    AKS: (("agentPools", (("properties", "agentPoolProfiles"),)),),
    WORKSPACE: (
        ("outboundRules", (("properties", "managedNetwork", "outboundRules"),)),
        ("computes", (("computes",), ("properties", "computes"))),
        ("datastores", (("datastores",), ("properties", "datastores"))),
        ("onlineEndpoints", (("onlineEndpoints",), ("properties", "onlineEndpoints"))),
        ("labelingJobs", (("labelingJobs",), ("properties", "labelingJobs"))),
    ),
    MANAGED_NETWORK: (("outboundRules", (("properties", "managedNetwork", "outboundRules"),)),),
    ONLINE_ENDPOINT: (("deployments", (("deployments",), ("properties", "deployments"))),),
    DNS_ZONE: (("virtualNetworkLinks", (("virtualNetworkLinks",), ("properties", "virtualNetworkLinks"))),),
    PRIVATE_ENDPOINT: (("privateDnsZoneGroups", (("privateDnsZoneGroups",), ("properties", "privateDnsZoneGroups"))),),
    ROUTE_TABLE: (("routes", (("properties", "routes"),)),),
}


def type_of(resource: Resource) -> str:
    """The lower-cased full type; ARM's own lists sometimes abbreviate it (`workspace/outboundRules`),
    so a type without a provider namespace is read from the id instead."""
    rtype = ltype(resource)
    if "." in rtype.split("/", 1)[0]:
        return rtype
    return (provider_type_of(resource["id"]) or rtype).lower()


def _normalised_child(entry: Any, parent: Resource, segment: str) -> Resource | None:
    """An embedded child entry as a resource with id, name, type and properties."""
    if not isinstance(entry, dict):
        return None
    name = entry.get("name")
    child_id = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id") else None
    if child_id is None:
        if not isinstance(name, str) or not name:
            return None
        child_id = f"{parent['id'].rstrip('/')}/{segment}/{name}"
    body = entry.get("properties")
    wrapped = isinstance(body, dict)
    return {
        "id": child_id,
        "name": name if isinstance(name, str) else name_of(child_id),
        "type": f"{parent.get('type', '')}/{segment}",
        **({k: v for k, v in entry.items() if k not in ("id", "name", "type")} if wrapped else {}),
        "properties": body if wrapped else entry,
        "_embedded": True,
    }


def _embedded_children(resource: Resource) -> Iterable[Resource]:
    for segment, paths in _EMBEDDED.get(type_of(resource), ()):
        for path in paths:
            container = dig(resource, *path)
            if isinstance(container, dict):
                # A map keyed by name (managed outbound rules).
                entries: Iterable[Any] = (
                    {"name": key, **value} if isinstance(value, dict) else None for key, value in container.items()
                )
            elif isinstance(container, list):
                entries = container
            else:
                continue
            for entry in entries:
                child = _normalised_child(entry, resource, segment)
                if child is not None:
                    yield child


class ResourceIndex:
    """Resources by id, by type and by (parent, type), and the collection errors that hid some."""

    def __init__(self, resources: Sequence[Resource], errors: Sequence[dict[str, Any]] = ()) -> None:
        self.errors = [e for e in errors if isinstance(e, dict)]
        # Indexes other modules derive from this topology on first use (the egress index), by name:
        # kept here, they live exactly as long as the topology.
        self.derived: dict[str, Any] = {}
        self._by_id: dict[str, Resource] = {}
        standalone: dict[str, Resource] = {}
        embedded: dict[str, Resource] = {}
        for resource in resources:
            standalone[lid(resource["id"])] = resource
        for resource in list(standalone.values()):
            self._collect_embedded(resource, embedded)
        # Embedded children of embedded children (deployments inside embedded endpoints).
        for child in list(embedded.values()):
            self._collect_embedded(child, embedded)
        for key, child in embedded.items():
            if key not in standalone:
                self._by_id[key] = child
        self._by_id.update(standalone)

        # Each id is lower-cased once, here: the keys of `_by_id` are what every index sorts on.
        by_type: dict[str, list[tuple[str, Resource]]] = defaultdict(list)
        children: dict[tuple[str, str], list[tuple[str, Resource]]] = defaultdict(list)
        for key, resource in self._by_id.items():
            rtype = type_of(resource)
            by_type[rtype].append((key, resource))
            if rtype.count("/") >= 2:
                children[(lid(parent_of(key)), rtype)].append((key, resource))
        # Sorted by id so that results never depend on the order of the inventory files (keys are
        # unique, so the resources themselves are never compared).
        self._by_type: dict[str, list[Resource]] = {t: _sorted(group) for t, group in by_type.items()}
        self._children: dict[tuple[str, str], list[Resource]] = {k: _sorted(g) for k, g in children.items()}

    def _collect_embedded(self, resource: Resource, into: dict[str, Resource]) -> None:
        for child in _embedded_children(resource):
            into.setdefault(lid(child["id"]), child)

    # --- generic lookups -------------------------------------------------------------------

    def get(self, resource_id: str | None) -> Resource | None:
        if not resource_id:
            return None
        return self._by_id.get(lid(resource_id))

    def of_type(self, rtype: str) -> list[Resource]:
        return self._by_type.get(rtype.lower(), [])

    def children(self, parent_id: str, child_type: str) -> list[Resource]:
        """Children of `parent_id` whose full type is `child_type` (embedded or standalone)."""
        return self._children.get((lid(parent_id), child_type.lower()), [])

    def gap(self, resource_type: str, *anchors: str | None) -> str | None:
        """The collection error that hides `resource_type` around any anchor id, described.

        An error covers an anchor when its scope is the anchor, one of its ancestors or one of its
        descendants (a child list under a workspace, say), or has no scope at all; and it names
        the type (or names no type, i.e. everything failed).
        """
        if not self.errors:
            return None
        wanted = resource_type.lower()
        keys = [lid(a) for a in anchors if a]
        for error in self.errors:
            types = [str(t).lower() for t in as_list(error.get("resource_types"))]
            if types and wanted not in types:
                continue
            scope = lid(str(error.get("scope") or ""))
            if scope and not any(k == scope or k.startswith(scope + "/") or scope.startswith(k + "/") for k in keys):
                continue
            return _describe_error(error, resource_type)
        return None


def _sorted(group: list[tuple[str, Resource]]) -> list[Resource]:
    group.sort()
    return [resource for _, resource in group]


def _describe_error(error: dict[str, Any], resource_type: str) -> str:
    status = error.get("status")
    code = error.get("code")
    scope = error.get("scope") or "every scope"
    head = " ".join(str(x) for x in (status, code) if x)
    message = error.get("message")
    text = f"collection error{(' ' + head) if head else ''} on {resource_type} at {scope}"
    return f"{text}: {message}" if message else text
