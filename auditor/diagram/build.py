"""The structure of one workspace's network, read from the topology: which nodes, what holds what,
which relations. It judges nothing: marks come from the results (`auditor.diagram.marks`).

The picture is bounded by what the workspace reaches: the subnets of its private endpoints, computes
and AKS pools (and of its storage's, vault's and registry's endpoints and service endpoints), the
VNets holding them, the VNets peered with those (one hop), the firewall their routes name, and the
private DNS zones their endpoints register in. Everything is visited in id order, so that the same
inventory always gives the same diagram.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.arm import Resource, as_list, dig, eq, lid, name_of, props, ref_id, vnet_of_subnet
from auditor.context import WorkspaceContext, compute_subnet, compute_type, subnet_prefixes
from auditor.diagram.model import Diagram, Edge, Node
from auditor.topology import (
    AGENT_POOL,
    DNS_LINK,
    DNS_ZONE_GROUP,
    KEY_VAULT_TYPE,
    PEERING,
    REGISTRY_TYPE,
    ROUTE,
    STORAGE_TYPE,
    SUBNET,
    Topology,
    managed_vnet_key,
)

FIREWALL = "microsoft.network/azurefirewalls"
BASTION = "microsoft.network/bastionhosts"
_SERVICE = {"storage": "Microsoft.Storage", "key_vault": "Microsoft.KeyVault"}


class _Builder:
    def __init__(self, topo: Topology, ws: Resource) -> None:
        self.topo = topo
        self.ws = ws
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self.notes: list[str] = []

    def node(self, resource_id: str, kind: str, parent: str | None = None, label: str | None = None) -> Node:
        key = lid(resource_id)
        found = self.nodes.get(key)
        if found is None:
            found = self.nodes[key] = Node(
                key=key, id=resource_id, kind=kind, label=label or name_of(resource_id), parent=parent
            )
        return found

    def edge(self, source: str, target: str, kind: str, label: str = "", ids: Iterable[str] = ()) -> Edge:
        key = f"{kind}:{source}->{target}"
        found = self.edges.get(key)
        if found is None:
            found = self.edges[key] = Edge(key=key, source=source, target=target, kind=kind, label=label)
        found.ids.extend(i for i in ids if i not in found.ids)
        return found

    def diagram(self) -> Diagram:
        return Diagram(
            workspace_id=str(self.ws["id"]),
            workspace_name=str(self.ws.get("name") or name_of(self.ws["id"])),
            nodes=list(self.nodes.values()),
            edges=list(self.edges.values()),
            notes=self.notes,
        )


def build_structure(topo: Topology, ws: Resource) -> Diagram:
    """The unmarked diagram of a workspace; a Project is drawn with its hub's network."""
    b = _Builder(topo, ws)
    ws_node = b.node(ws["id"], "workspace")
    owner = ws
    hub_id = props(ws).get("hubResourceId")
    if eq(ws.get("kind"), "Project") and isinstance(hub_id, str) and hub_id:
        hub = topo.get(hub_id)
        hub_node = b.node(hub["id"] if hub else hub_id, "hub_workspace")
        b.edge(hub_node.key, ws_node.key, "hub_of", "hub of")
        if hub is None:
            hub_node.absent = True
            b.notes.append(f"hub workspace {hub_id} is absent from the inventory")
        else:
            owner = hub
    ctx = WorkspaceContext(owner, topo)
    _describe_workspace(b, ctx, b.node(owner["id"], "workspace"))
    targets = _associated(b, ctx)
    managed = _managed_network(b, ctx) if ctx.is_managed else None
    anchors: list[str] = []
    for target in targets:
        anchors += _private_endpoints(b, target)
        anchors += _service_endpoints(b, target)
    anchors += _computes(b, ctx, managed)
    _online_endpoints(b, ctx, managed)
    vnets = _vnets(b, anchors)
    _subnets(b, vnets)
    _peerings(b, vnets)
    _hosts_and_routes(b, vnets)
    _dns_zones(b, vnets)
    _placements(b)
    return b.diagram()


def _placements(b: _Builder) -> None:
    """An `in subnet` edge for everything a subnet holds: renderers draw it as nesting, and the
    model states it as a relation for whoever reads the JSON."""
    subnets = {node.key for node in b.nodes.values() if node.kind == "subnet"}
    for node in list(b.nodes.values()):
        if node.parent in subnets:
            b.edge(node.key, node.parent, "in_subnet", "in subnet")


def _describe_workspace(b: _Builder, ctx: WorkspaceContext, node: Node) -> None:
    access, _ = ctx.public_access
    node.details = [f"public access: {access or 'unknown'}", f"isolation: {ctx.isolation_mode}"]
    if ctx.ws.get("kind"):
        node.details.insert(0, f"kind: {ctx.ws.get('kind')}")


def _associated(b: _Builder, ctx: WorkspaceContext) -> list[Node]:
    """The workspace, its storage, vault and registry (the targets of private endpoints), and
    Application Insights, which is drawn but reached by no endpoint that amlaudit collects."""
    targets = [b.nodes[lid(ctx.id)]]
    refs = (
        ("storage", "storageAccount", STORAGE_TYPE),
        ("key_vault", "keyVault", KEY_VAULT_TYPE),
        ("registry", "containerRegistry", REGISTRY_TYPE),
        ("app_insights", "applicationInsights", "microsoft.insights/components"),
    )
    for kind, key, rtype in refs:
        ref = ctx.p.get(key)
        if not isinstance(ref, str) or not ref.strip():
            continue
        resource = ctx.topo.get(ref)
        node = b.node(resource["id"] if resource else ref, kind)
        if resource is None:
            node.absent = True
            b.notes.append(ctx.absence(ref, rtype))
        else:
            node.details = _paas_details(resource)
        if kind != "app_insights":
            targets.append(node)
    return targets


def _paas_details(resource: Resource) -> list[str]:
    p = props(resource)
    access = p.get("publicNetworkAccess")
    action = dig(p, "networkAcls", "defaultAction") or dig(p, "networkRuleSet", "defaultAction")
    out = [f"public access: {access if isinstance(access, str) else 'Enabled (default)'}"]
    if isinstance(action, str):
        out.append(f"firewall: {action}")
    return out


def _private_endpoints(b: _Builder, target: Node) -> list[str]:
    """Endpoint nodes of a target, placed in their subnets; the subnets they sit in."""
    subnets: list[str] = []
    for conn in b.topo.connections_to(target.id):
        endpoint = b.topo.get(conn.endpoint_id)
        pe = b.node(endpoint["id"] if endpoint else conn.endpoint_id, "private_endpoint")
        pe.absent = endpoint is None
        if conn.subnet_id:
            pe.parent = lid(conn.subnet_id)
            subnets.append(conn.subnet_id)
        pe.details = [f"group: {conn.group or 'unknown'}", f"state: {conn.status or 'unknown'}"]
        edge = b.edge(pe.key, target.key, "endpoint_of", conn.group or "endpoint of")
        edge.partial = not conn.approved
        if not conn.approved:
            edge.label = f"{edge.label} ({conn.status or 'state unknown'})"
    gap = b.topo.endpoint_gap(target.id)
    if gap:
        b.notes.append(gap)
    return subnets


def _service_endpoints(b: _Builder, target: Node) -> list[str]:
    service = _SERVICE.get(target.kind)
    resource = b.topo.get(target.id)
    if service is None or resource is None:
        return []
    reach, gaps = b.topo.service_endpoint_reach(resource, service)
    b.notes.extend(gaps)
    subnets = [subnet for vnet in sorted(reach) for subnet in reach[vnet]]
    for subnet in subnets:
        b.edge(lid(subnet), target.key, "service_endpoint", "service endpoint")
    return subnets


def _managed_network(b: _Builder, ctx: WorkspaceContext) -> Node:
    box = b.node(managed_vnet_key(ctx.id), "managed_vnet", label=f"managed VNet of {ctx.name}")
    box.details = [f"isolation: {ctx.isolation_mode}"]
    for rule in sorted(ctx.topo.outbound_rules(ctx.id), key=lambda r: lid(r["id"])):
        p = props(rule)
        kind = p.get("type") if isinstance(p.get("type"), str) else "?"
        destination = dig(p, "destination", "serviceResourceId") or p.get("destination")
        if isinstance(destination, dict):
            destination = destination.get("serviceTag") or destination.get("portRanges") or ""
        text = name_of(destination) if isinstance(destination, str) and destination.startswith("/") else destination
        box.details.append(f"{rule.get('name')}: {kind} {text or ''}".rstrip())
        target = b.nodes.get(lid(destination)) if isinstance(destination, str) and destination else None
        if eq(kind, "PrivateEndpoint") and target is not None:
            b.edge(box.key, target.key, "outbound_rule", str(rule.get("name")), ids=[rule["id"]])
    return box


def _computes(b: _Builder, ctx: WorkspaceContext, managed: Node | None) -> list[str]:
    subnets: list[str] = []
    for compute in ctx.computes:
        node = b.node(compute["id"], "compute")
        ctype = compute_type(compute)
        node.details = [f"type: {props(compute).get('computeType') or 'unknown'}"]
        if ctype in ("aks", "kubernetes"):
            subnets += _cluster(b, compute, node)
            continue
        subnet = compute_subnet(compute)
        if subnet:
            node.parent = lid(subnet)
            subnets.append(subnet)
        elif managed is not None:
            node.parent = managed.key
    return subnets


def _cluster(b: _Builder, compute: Resource, node: Node) -> list[str]:
    """An attached cluster is one node with the compute: results on either mark it."""
    cluster_id = props(compute).get("resourceId")
    if not isinstance(cluster_id, str) or not cluster_id:
        return []
    node.kind = "aks"
    node.aliases.append(lid(cluster_id))
    cluster = b.topo.get(cluster_id)
    node.details.append(f"cluster: {name_of(cluster_id)}{'' if cluster else ' (absent)'}")
    if cluster is None:
        return []
    if dig(props(cluster), "apiServerAccessProfile", "enablePrivateCluster") is True:
        node.details.append("private API server")
    pools = b.topo.children(cluster["id"], AGENT_POOL)
    subnets = sorted({lid(s): s for p in pools if isinstance(s := props(p).get("vnetSubnetID"), str) and s}.items())
    for index, (key, _) in enumerate(subnets):
        if index == 0:
            node.parent = key
        else:
            b.edge(node.key, key, "in_subnet", "agent pool")
    return [subnet for _, subnet in subnets]


def _online_endpoints(b: _Builder, ctx: WorkspaceContext, managed: Node | None) -> None:
    for endpoint in ctx.managed_online_endpoints:
        node = b.node(endpoint["id"], "online_endpoint", parent=managed.key if managed else None)
        access = props(endpoint).get("publicNetworkAccess")
        node.details = [f"public access: {access if isinstance(access, str) else 'Enabled (default)'}"]


def _vnets(b: _Builder, anchor_subnets: list[str]) -> list[str]:
    """VNets of the anchor subnets, then their peers (one hop), as VNet nodes; keys in order."""
    direct = list(dict.fromkeys(lid(v) for s in anchor_subnets if (v := vnet_of_subnet(s))))
    ids = {lid(v): v for s in anchor_subnets if (v := vnet_of_subnet(s))}
    keys = list(direct)
    for key in direct:
        for partner_key, partner_id in sorted(b.topo.peering_partners(ids[key]).items()):
            if partner_key not in ids:
                ids[partner_key] = partner_id
                keys.append(partner_key)
    for key in keys:
        vnet = b.topo.vnet(key)
        node = b.node(vnet["id"] if vnet else ids[key], "vnet")
        if vnet is None:
            node.absent = True
            b.notes.append(f"VNet {ids[key]} is absent from the inventory")
            continue
        p = props(vnet)
        space = [x for x in as_list(dig(p, "addressSpace", "addressPrefixes")) if isinstance(x, str)]
        dns = [x for x in as_list(dig(p, "dhcpOptions", "dnsServers")) if isinstance(x, str)]
        node.details = [", ".join(space) or "address space unknown", f"DNS: {', '.join(dns) or 'Azure-provided'}"]
    return keys


def _subnets(b: _Builder, vnets: list[str]) -> None:
    """Every subnet of every drawn VNet, and placeholders for referenced subnets that are absent."""
    for key in vnets:
        vnet = b.topo.vnet(key)
        for subnet in b.topo.children(key, SUBNET) if vnet else []:
            node = b.node(subnet["id"], "subnet", parent=key)
            node.details = _subnet_details(subnet)
    for node in list(b.nodes.values()):
        if node.parent and node.parent not in b.nodes:
            subnet_vnet = vnet_of_subnet(node.parent)
            if subnet_vnet and lid(subnet_vnet) in b.nodes:
                placeholder = b.node(node.parent, "subnet", parent=lid(subnet_vnet))
                placeholder.absent = True
            else:
                # Its VNet is not drawn (absent, or not reachable from here): drawn unplaced.
                node.details.append(f"in subnet {name_of(node.parent)} (not drawn)")
                node.parent = None
    for edge in list(b.edges.values()):
        if edge.kind in ("service_endpoint", "in_subnet") and edge.source not in b.nodes:
            b.node(edge.source, "subnet").absent = True


def _subnet_details(subnet: Resource) -> list[str]:
    p = props(subnet)
    out = [", ".join(subnet_prefixes(subnet)) or "no prefix"]
    for label, key in (("NSG", "networkSecurityGroup"), ("routes", "routeTable"), ("NAT", "natGateway")):
        ref = ref_id(p.get(key))
        out.append(f"{label}: {name_of(ref) if ref else 'none'}")
    return out


def _peerings(b: _Builder, vnets: list[str]) -> None:
    drawn = set(vnets)
    for key in vnets:
        for remote_key, (_, state) in sorted(b.topo.peering_states(key).items()):
            if remote_key not in drawn:
                continue
            low, high = sorted((key, remote_key))
            back = b.topo.peering_states(remote_key).get(key) if b.topo.vnet(remote_key) else None
            edge = b.edge(low, high, "peered_with", "peered with")
            edge.ids.extend(
                p["id"]
                for p in b.topo.children(key, PEERING)
                if lid(ref_id(props(p).get("remoteVirtualNetwork")) or "") == remote_key
            )
            if eq(state, "Connected") and back is not None and eq(back[1], "Connected"):
                continue
            edge.partial = True
            if b.topo.vnet(remote_key) is None:
                edge.label = f"{name_of(remote_key)} absent: one side known"
            elif back is None:
                edge.label = f"one-sided: only {name_of(key)} lists it"
            else:
                edge.label = f"{state or '?'} / {back[1] or '?'}"


def _hosts_and_routes(b: _Builder, vnets: list[str]) -> None:
    """Bastion hosts and gateways in the drawn VNets; the firewall (or appliance) that subnet routes
    send traffic to, drawn where it sits when its VNet is drawn."""
    for key in vnets:
        for host in b.topo.operator_hosts_in(key):
            kind = "bastion" if lid(host["id"]).split("/providers/")[-1].startswith(BASTION) else "gateway"
            node = b.node(host["id"], kind)
            node.parent = next((s for s in _config_subnets(host) if s in b.nodes), None)
    firewalls = {ip: fw for fw in b.topo.of_type(FIREWALL) for ip in _private_ips(fw)}
    for subnet in [n for n in list(b.nodes.values()) if n.kind == "subnet" and not n.absent]:
        table = ref_id(props(b.topo.get(subnet.id)).get("routeTable"))
        for route in b.topo.children(table, ROUTE) if table else []:
            p = props(route)
            if not eq(p.get("nextHopType"), "VirtualAppliance"):
                continue
            ip = str(p.get("nextHopIpAddress") or "?")
            firewall = firewalls.get(ip)
            if firewall is not None:
                hop = b.node(firewall["id"], "firewall")
                hop.parent = next((s for s in _config_subnets(firewall) if s in b.nodes), None)
                hop.details = [f"private IP {ip}"]
            else:
                hop = b.node(f"appliance:{ip}", "appliance", label=f"appliance {ip}")
                hop.details = ["no Azure Firewall in the inventory has this IP"]
            b.edge(subnet.key, hop.key, "routes_to", f"{p.get('addressPrefix') or '?'} → {ip}", ids=[route["id"]])


def _config_subnets(resource: Resource) -> list[str]:
    return [
        lid(s)
        for c in as_list(props(resource).get("ipConfigurations"))
        if (s := ref_id(dig(c, "properties", "subnet")))
    ]


def _private_ips(firewall: Resource) -> list[str]:
    p = props(firewall)
    ips = [dig(c, "properties", "privateIPAddress") for c in as_list(p.get("ipConfigurations"))]
    ips.append(dig(p, "hubIPAddresses", "privateIPAddress"))
    return [ip for ip in ips if isinstance(ip, str) and ip]


def _dns_zones(b: _Builder, vnets: list[str]) -> None:
    """Zones the drawn endpoints register in, and same-named zones linked to a drawn VNet."""
    drawn = set(vnets)
    zone_ids: dict[str, str] = {}
    for pe in [n for n in b.nodes.values() if n.kind == "private_endpoint" and not n.absent]:
        for group in b.topo.children(pe.id, DNS_ZONE_GROUP):
            for config in as_list(props(group).get("privateDnsZoneConfigs")):
                zone_id = dig(config, "properties", "privateDnsZoneId") or dig(config, "privateDnsZoneId")
                if isinstance(zone_id, str) and zone_id:
                    zone_ids.setdefault(lid(zone_id), zone_id)
    names = {name_of(z).lower() for z in zone_ids.values()}
    for vnet_key in vnets:
        for linked in b.topo.zones_linked_to(vnet_key):
            if str(linked.get("name") or name_of(linked["id"])).lower() in names:
                zone_ids.setdefault(lid(linked["id"]), linked["id"])
    for key, zone_id in sorted(zone_ids.items()):
        zone: Resource | None = b.topo.get(zone_id)
        node = b.node(zone["id"] if zone else zone_id, "dns_zone")
        node.aliases.append(name_of(zone_id).lower())
        if zone is None:
            node.absent = True
            continue
        for link in b.topo.children(key, DNS_LINK):
            linked_vnet = ref_id(props(link).get("virtualNetwork"))
            if linked_vnet and lid(linked_vnet) in drawn:
                b.edge(key, lid(linked_vnet), "linked_zone", "linked", ids=[link["id"]])


def structure_dict(topo: Topology, ws: Resource) -> dict[str, Any]:
    return build_structure(topo, ws).to_dict()
