"""The topology model: indexes built once over the raw ARM inventory, and the questions rules ask.

Every lookup by ARM id is case-insensitive. Child resources (subnets, peerings, agent pools,
outbound rules, computes, datastores, endpoints, deployments, labelling jobs, zone links, zone
groups, routes) are normalised into resources with their own ids, whether they came embedded in
their parent or on their own; the standalone form wins (catalogue §1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.arm import (
    Resource,
    as_list,
    dig,
    eq,
    lid,
    ltype,
    name_of,
    parent_of,
    props,
    provider_type_of,
    ref_id,
    vnet_of_subnet,
)

# Resource types in ARM's casing (for declarations and messages) and lower-cased (for lookups).
WORKSPACE_TYPE = "Microsoft.MachineLearningServices/workspaces"
COMPUTE_TYPE = "Microsoft.MachineLearningServices/workspaces/computes"
DATASTORE_TYPE = "Microsoft.MachineLearningServices/workspaces/datastores"
ONLINE_ENDPOINT_TYPE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
DEPLOYMENT_TYPE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
LABELING_JOB_TYPE = "Microsoft.MachineLearningServices/workspaces/labelingJobs"
DATA_VERSION_TYPE = "Microsoft.MachineLearningServices/workspaces/data/versions"
OUTBOUND_RULE_TYPE = "Microsoft.MachineLearningServices/workspaces/outboundRules"
MANAGED_NETWORK_TYPE = "Microsoft.MachineLearningServices/workspaces/managedNetworks"
PRIVATE_ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints"
DNS_ZONE_GROUP_TYPE = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
PEERING_TYPE = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
NSG_TYPE = "Microsoft.Network/networkSecurityGroups"
ROUTE_TABLE_TYPE = "Microsoft.Network/routeTables"
ROUTE_TYPE = "Microsoft.Network/routeTables/routes"
DNS_ZONE_TYPE = "Microsoft.Network/privateDnsZones"
DNS_LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
BASTION_TYPE = "Microsoft.Network/bastionHosts"
VNET_GATEWAY_TYPE = "Microsoft.Network/virtualNetworkGateways"
STORAGE_TYPE = "Microsoft.Storage/storageAccounts"
KEY_VAULT_TYPE = "Microsoft.KeyVault/vaults"
REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
AKS_TYPE = "Microsoft.ContainerService/managedClusters"
AGENT_POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools"
ARC_CLUSTER_TYPE = "Microsoft.Kubernetes/connectedClusters"

WORKSPACE = WORKSPACE_TYPE.lower()
COMPUTE = COMPUTE_TYPE.lower()
DATASTORE = DATASTORE_TYPE.lower()
ONLINE_ENDPOINT = ONLINE_ENDPOINT_TYPE.lower()
DEPLOYMENT = DEPLOYMENT_TYPE.lower()
LABELING_JOB = LABELING_JOB_TYPE.lower()
DATA_VERSION = DATA_VERSION_TYPE.lower()
OUTBOUND_RULE = OUTBOUND_RULE_TYPE.lower()
MANAGED_NETWORK = MANAGED_NETWORK_TYPE.lower()
PRIVATE_ENDPOINT = PRIVATE_ENDPOINT_TYPE.lower()
DNS_ZONE_GROUP = DNS_ZONE_GROUP_TYPE.lower()
VNET = VNET_TYPE.lower()
SUBNET = SUBNET_TYPE.lower()
PEERING = PEERING_TYPE.lower()
NSG = NSG_TYPE.lower()
ROUTE_TABLE = ROUTE_TABLE_TYPE.lower()
ROUTE = ROUTE_TYPE.lower()
DNS_ZONE = DNS_ZONE_TYPE.lower()
DNS_LINK = DNS_LINK_TYPE.lower()
BASTION = BASTION_TYPE.lower()
VNET_GATEWAY = VNET_GATEWAY_TYPE.lower()
STORAGE = STORAGE_TYPE.lower()
KEY_VAULT = KEY_VAULT_TYPE.lower()
REGISTRY = REGISTRY_TYPE.lower()
AKS = AKS_TYPE.lower()
AGENT_POOL = AGENT_POOL_TYPE.lower()
ARC_CLUSTER = ARC_CLUSTER_TYPE.lower()

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


def managed_vnet_key(workspace_id: str) -> str:
    """The managed VNet of a managed network workspace, as named in evidence (catalogue §1)."""
    return f"managed-vnet:{workspace_id}"


def is_managed_vnet(vnet_key: str) -> bool:
    return vnet_key.startswith("managed-vnet:")


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

    @property
    def approved(self) -> bool:
        return eq(self.status, "Approved")

    def describe(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint_id,
            "status": self.status,
            "group": self.group,
            "vnet": self.vnet_id,
            "endpoint_resource_present": self.endpoint_present,
            "managed": self.managed,
        }


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


class Topology:
    """Indexes over one inventory; built once, queried by every rule of every workspace."""

    def __init__(self, resources: Sequence[Resource], errors: Sequence[dict[str, Any]] = ()) -> None:
        self.errors = [e for e in errors if isinstance(e, dict)]
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

        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._children: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        for key, resource in self._by_id.items():
            rtype = type_of(resource)
            self._by_type[rtype].append(resource)
            if rtype.count("/") >= 2:
                self._children[(lid(parent_of(key)), rtype)].append(resource)
        # Sorted by id so that results never depend on the order of the inventory files.
        for group in (*self._by_type.values(), *self._children.values()):
            group.sort(key=lambda r: lid(r["id"]))

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

        self._peerings_to: dict[str, list[tuple[str, Resource]]] = defaultdict(list)
        for peering in self._by_type.get(PEERING, []):
            remote = ref_id(props(peering).get("remoteVirtualNetwork"))
            if remote:
                self._peerings_to[lid(remote)].append((lid(parent_of(peering["id"])), peering))

        self._zones_by_name: dict[str, list[Resource]] = defaultdict(list)
        for zone in self._by_type.get(DNS_ZONE, []):
            self._zones_by_name[str(zone.get("name", name_of(zone["id"]))).lower()].append(zone)

        self._operator_hosts: dict[str, list[Resource]] = defaultdict(list)
        for host in [*self._by_type.get(BASTION, []), *self._by_type.get(VNET_GATEWAY, [])]:
            for config in as_list(props(host).get("ipConfigurations")):
                subnet = ref_id(dig(config, "properties", "subnet"))
                vnet = vnet_of_subnet(subnet) if subnet else None
                if vnet:
                    self._operator_hosts[lid(vnet)].append(host)

        # Filled on demand by approved_endpoints, zone_linked_vnets and zone_name_linked.
        self._approved: dict[str, list[Connection]] = {}
        self._zone_links: dict[str, frozenset[str]] = {}
        self._linked_zone_names: set[tuple[str, str]] | None = None

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

    # --- private endpoints -----------------------------------------------------------------

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

    # --- workspaces ------------------------------------------------------------------------

    def workspaces(self) -> list[Resource]:
        return self.of_type(WORKSPACE)

    def managed_network_of(self, ws: Resource) -> dict[str, Any]:
        own = props(ws).get("managedNetwork")
        if isinstance(own, dict):
            return own
        for child in self.children(ws["id"], MANAGED_NETWORK):
            network = props(child).get("managedNetwork")
            if isinstance(network, dict):
                return network
        return {}

    def isolation_mode(self, ws: Resource) -> str:
        """`managedNetwork.isolationMode`, absent = `Disabled` (catalogue §1)."""
        mode = self.managed_network_of(ws).get("isolationMode")
        return mode if isinstance(mode, str) and mode else "Disabled"

    def is_managed_network(self, ws: Resource) -> bool:
        mode = self.isolation_mode(ws).lower()
        return mode in ("allowinternetoutbound", "allowonlyapprovedoutbound")

    def outbound_rules(self, workspace_id: str) -> list[Resource]:
        """Managed outbound rules: the map, `managedNetworks/default`, and standalone resources.

        A map entry and a resource of the same name are one rule (the resource wins).
        """
        rules: dict[str, Resource] = {}
        for child in self.children(workspace_id, OUTBOUND_RULE):
            rules[str(child.get("name", name_of(child["id"]))).lower()] = child
        for network in self.children(workspace_id, MANAGED_NETWORK):
            for rule in self.children(network["id"], f"{MANAGED_NETWORK}/outboundRules"):
                rules.setdefault(str(rule.get("name")).lower(), rule)
        return list(rules.values())

    def computes_of(self, workspace_id: str) -> list[Resource]:
        return self.children(workspace_id, COMPUTE)

    def datastores_of(self, workspace_id: str) -> list[Resource]:
        return self.children(workspace_id, DATASTORE)

    def online_endpoints_of(self, workspace_id: str) -> list[Resource]:
        return self.children(workspace_id, ONLINE_ENDPOINT)

    def deployments_of(self, endpoint_id: str) -> list[Resource]:
        return self.children(endpoint_id, DEPLOYMENT)

    def labeling_jobs_of(self, workspace_id: str) -> list[Resource]:
        return self.children(workspace_id, LABELING_JOB)

    # --- networks --------------------------------------------------------------------------

    def subnet(self, subnet_id: str | None) -> Resource | None:
        return self.get(subnet_id)

    def vnet(self, vnet_id: str | None) -> Resource | None:
        return self.get(vnet_id)

    def peering_states(self, vnet_id: str) -> dict[str, tuple[str, str | None]]:
        """Peerings listed by a VNet: remote key → (remote id as written, peeringState)."""
        out: dict[str, tuple[str, str | None]] = {}
        for peering in self.children(vnet_id, PEERING):
            remote = ref_id(props(peering).get("remoteVirtualNetwork"))
            if remote:
                out[lid(remote)] = (remote, props(peering).get("peeringState"))
        return out

    def peering_partners(self, vnet_id: str) -> dict[str, str]:
        """VNets with a peering entry on either side with this one: key → id as written."""
        partners = {key: remote for key, (remote, _) in self.peering_states(vnet_id).items()}
        for owner_key, peering in self._peerings_to.get(lid(vnet_id), []):
            owner = self.vnet(owner_key)
            partners.setdefault(owner_key, owner["id"] if owner else parent_of(peering["id"]))
        return partners

    def peered(self, a: str, b: str) -> bool | None:
        """True when each lists the other `Connected`; None when a side is absent (catalogue §1)."""
        if is_managed_vnet(a) or is_managed_vnet(b):
            return False
        sides = ((a, b), (b, a))
        present = [self.vnet(x) is not None for x, _ in sides]
        for (x, y), here in zip(sides, present, strict=True):
            # A present side that does not list the other as Connected already settles it.
            state = self.peering_states(x).get(lid(y))
            if here and not (state and eq(state[1], "Connected")):
                return False
        return True if all(present) else None

    def operator_hosts_in(self, vnet_id: str) -> list[Resource]:
        """Bastion hosts and VNet gateways with an IP configuration in this VNet."""
        return self._operator_hosts.get(lid(vnet_id), [])

    def zones_named(self, zone_name: str) -> list[Resource]:
        return self._zones_by_name.get(zone_name.lower(), [])

    def zone_linked_vnets(self, zone_id: str) -> frozenset[str]:
        # Cached: a rule asks this of every zone of a name for every workspace, and a tenant with
        # per-team zones holds one zone of each name per team.
        # Looked up by the id as given first: lid() costs more than the lookup itself.
        linked = self._zone_links.get(zone_id)
        if linked is None:
            key = lid(zone_id)
            linked = self._zone_links.get(key)
            if linked is None:
                vnets = (ref_id(props(link).get("virtualNetwork")) for link in self.children(key, DNS_LINK))
                linked = self._zone_links[key] = frozenset(lid(v) for v in vnets if v)
            self._zone_links[zone_id] = linked
        return linked

    def zone_name_linked(self, zone_name: str, vnet_key: str) -> bool:
        """Whether any zone of this name is linked to the VNet: one lookup however many zones share it."""
        if self._linked_zone_names is None:
            self._linked_zone_names = {
                (name, vnet)
                for name, zones in self._zones_by_name.items()
                for z in zones
                for vnet in self.zone_linked_vnets(z["id"])
            }
        return (zone_name.lower(), lid(vnet_key)) in self._linked_zone_names

    def service_endpoint_reach(self, target: Resource, service: str) -> tuple[dict[str, list[str]], list[str]]:
        """VNets whose subnets reach `target` through a service endpoint, and the gaps.

        The target's firewall lists the subnet and the subnet enables the matching service.
        """
        reach: dict[str, list[str]] = defaultdict(list)
        gaps: list[str] = []
        for rule in as_list(dig(props(target), "networkAcls", "virtualNetworkRules")):
            subnet_id = ref_id(rule) if isinstance(rule, dict) else None
            if not subnet_id:
                continue
            vnet_id = vnet_of_subnet(subnet_id)
            subnet = self.subnet(subnet_id)
            if subnet is None:
                gaps.append(f"subnet {subnet_id} (listed in the firewall of {target['id']}) is absent")
                continue
            services = [dig(e, "service") for e in as_list(props(subnet).get("serviceEndpoints"))]
            if vnet_id and any(eq(s, service) for s in services):
                reach[lid(vnet_id)].append(subnet_id)
        return dict(reach), gaps


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


def _entry_group(entry: dict[str, Any]) -> str | None:
    groups = as_list(_entry_field(entry, "groupIds"))
    return groups[0] if groups and isinstance(groups[0], str) else None


def _describe_error(error: dict[str, Any], resource_type: str) -> str:
    status = error.get("status")
    code = error.get("code")
    scope = error.get("scope") or "every scope"
    head = " ".join(str(x) for x in (status, code) if x)
    message = error.get("message")
    text = f"collection error{(' ' + head) if head else ''} on {resource_type} at {scope}"
    return f"{text}: {message}" if message else text
