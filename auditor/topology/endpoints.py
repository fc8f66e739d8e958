"""Private endpoint connections of a resource, customer and managed, merged from both sides."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.arm import Resource, as_list, dig, eq, lid, props, ref_id, vnet_of_subnet
from auditor.plan.model import ASSUMED_KEY
from auditor.topology.types import PRIVATE_ENDPOINT, WORKSPACE, managed_vnet_key
from auditor.topology.workspaces import WorkspaceQueries


@dataclass
class Connection:
    """One private endpoint connection to a resource, merged from both sides (catalogue §1)."""

    endpoint_id: str
    status: str | None
    group: str | None
    vnet_id: str | None
    subnet_id: str | None
    endpoint_present: bool
    managed: bool = False
    # What amlaudit assumed of a planned endpoint's read-only state (auditor.plan): shown in evidence.
    assumed: str | None = None

    @property
    def approved(self) -> bool:
        return eq(self.status, "Approved")

    def describe(self) -> dict[str, Any]:
        described = {
            "endpoint": self.endpoint_id,
            "status": self.status,
            "group": self.group,
            "vnet": self.vnet_id,
            "endpoint_resource_present": self.endpoint_present,
            "managed": self.managed,
        }
        return described if self.assumed is None else {**described, "assumed": self.assumed}


@dataclass
class Reach:
    """The VNets a resource is privately reachable from, and what kept the answer from being whole."""

    by_private_endpoint: dict[str, list[Connection]] = field(default_factory=dict)
    by_service_endpoint: dict[str, list[str]] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)

    @property
    def vnets(self) -> set[str]:
        """Lower-cased VNet keys (managed VNets included)."""
        return set(self.by_private_endpoint) | set(self.by_service_endpoint)


class EndpointIndex(WorkspaceQueries):
    """Private endpoint questions: each target's endpoint entries and managed outbound rules, indexed once."""

    def __init__(self, resources: Sequence[Resource], errors: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(resources, errors)
        self._pe_entries: dict[str, list[tuple[Resource, dict[str, Any]]]] = defaultdict(list)
        for pe in self._by_type.get(PRIVATE_ENDPOINT, []):
            for entry in _pe_entries(pe):
                target = _entry_target(entry)
                if target:
                    self._pe_entries[lid(target)].append((pe, entry))

        self._managed_rules: dict[str, list[tuple[Resource, Resource]]] = defaultdict(list)
        for ws in self._by_type.get(WORKSPACE, []):
            for rule in self.outbound_rules(ws["id"]):
                if eq(props(rule).get("type"), "PrivateEndpoint"):
                    target = dig(props(rule), "destination", "serviceResourceId")
                    if isinstance(target, str) and target:
                        self._managed_rules[lid(target)].append((ws, rule))

        # Filled on demand by approved_endpoints.
        self._approved: dict[str, list[Connection]] = {}

    def connections_to(self, target_id: str) -> list[Connection]:
        """Customer private endpoint connections of a resource, one per endpoint.

        The target's own `privateEndpointConnections` record decides the state when it names
        the endpoint; the endpoint resource gives group and VNet.
        """
        key = lid(target_id)
        by_endpoint: dict[str, Connection] = {}
        for pe, entry in self._pe_entries.get(key, []):
            ep_key = lid(pe["id"])
            if ep_key in by_endpoint:
                continue
            subnet = ref_id(props(pe).get("subnet"))
            by_endpoint[ep_key] = Connection(
                endpoint_id=pe["id"],
                status=_entry_status(entry),
                group=_entry_group(entry),
                vnet_id=vnet_of_subnet(subnet) if subnet else None,
                subnet_id=subnet,
                endpoint_present=True,
                assumed=_entry_assumed(entry),
            )
        target = self.get(target_id)
        for record in as_list(props(target).get("privateEndpointConnections")):
            if not isinstance(record, dict):
                continue
            ep_id = ref_id(dig(record, "properties", "privateEndpoint"))
            if not ep_id:
                continue
            status = dig(record, "properties", "privateLinkServiceConnectionState", "status")
            known = by_endpoint.get(lid(ep_id))
            if known is not None:
                known.status = status
                known.assumed = None  # the target's own record is not an assumption
                continue
            endpoint = self.get(ep_id)
            subnet = ref_id(props(endpoint).get("subnet")) if endpoint else None
            by_endpoint[lid(ep_id)] = Connection(
                endpoint_id=ep_id,
                status=status,
                group=None,
                vnet_id=vnet_of_subnet(subnet) if subnet else None,
                subnet_id=subnet,
                endpoint_present=endpoint is not None,
            )
        return [by_endpoint[k] for k in sorted(by_endpoint)]

    def managed_connections_to(self, target_id: str) -> list[Connection]:
        """Active `PrivateEndpoint` outbound rules of managed network workspaces targeting it."""
        found = []
        for ws, rule in self._managed_rules.get(lid(target_id), []):
            if not self.is_managed_network(ws):
                continue
            status = props(rule).get("status")
            if status is not None and not eq(status, "Active"):
                continue
            found.append(
                Connection(
                    endpoint_id=rule["id"],
                    status="Approved",
                    group=dig(props(rule), "destination", "subresourceTarget"),
                    vnet_id=managed_vnet_key(ws["id"]),
                    subnet_id=None,
                    endpoint_present=True,
                    managed=True,
                )
            )
        return found

    def approved_endpoints(self, target_id: str) -> list[Connection]:
        """Approved private endpoints of a resource, customer and managed (catalogue §1).

        The connections are shared between calls: treat them as read-only.
        """
        # Cached: a workspace's rules ask this of the same few resources some twenty times.
        key = lid(target_id)
        approved = self._approved.get(key)
        if approved is None:
            customer = [c for c in self.connections_to(target_id) if c.approved]
            approved = self._approved[key] = customer + self.managed_connections_to(target_id)
        return list(approved)

    def endpoint_gap(self, *anchors: str | None) -> str | None:
        """A collection error hiding private endpoints around these ids."""
        return self.gap("Microsoft.Network/privateEndpoints", *anchors)


def _pe_entries(pe: Resource) -> list[dict[str, Any]]:
    p = props(pe)
    entries = as_list(p.get("privateLinkServiceConnections")) + as_list(p.get("manualPrivateLinkServiceConnections"))
    return [e for e in entries if isinstance(e, dict)]


def _entry_field(entry: dict[str, Any], *path: str) -> Any:
    """PE connection entries carry their fields under `properties` (flattened forms tolerated)."""
    value = dig(entry, "properties", *path)
    return value if value is not None else dig(entry, *path)


def _entry_target(entry: dict[str, Any]) -> str | None:
    target = _entry_field(entry, "privateLinkServiceId")
    return target if isinstance(target, str) and target else None


def _entry_status(entry: dict[str, Any]) -> str | None:
    status = _entry_field(entry, "privateLinkServiceConnectionState", "status")
    return status if isinstance(status, str) else None


def _entry_assumed(entry: dict[str, Any]) -> str | None:
    note = _entry_field(entry, "privateLinkServiceConnectionState", ASSUMED_KEY)
    return note if isinstance(note, str) else None


def _entry_group(entry: dict[str, Any]) -> str | None:
    groups = as_list(_entry_field(entry, "groupIds"))
    return groups[0] if groups and isinstance(groups[0], str) else None
