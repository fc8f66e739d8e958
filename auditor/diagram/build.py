"""The structure of one workspace's network, read from the topology: which nodes, what holds what,
which relations. It judges nothing: marks come from the results (`auditor.diagram.marks`).

The picture is bounded by what the workspace reaches: the subnets of its private endpoints, computes
and AKS pools (and of its storage's, vault's and registry's endpoints and service endpoints), the
VNets holding them, the VNets peered with those (one hop), the firewall their routes name, and the
private DNS zones their endpoints register in. Everything is visited in id order, so that the same
inventory always gives the same diagram.
"""

from __future__ import annotations

from auditor.arm import Resource, dig, eq, lid, name_of, props
from auditor.context import WorkspaceContext, compute_subnet, compute_type
from auditor.diagram import networks
from auditor.diagram.builder import Builder
from auditor.diagram.model import Diagram, Node
from auditor.topology import (
    AGENT_POOL,
    KEY_VAULT_TYPE,
    REGISTRY_TYPE,
    STORAGE_TYPE,
    Topology,
    managed_vnet_key,
)

_SERVICE = {"storage": "Microsoft.Storage", "key_vault": "Microsoft.KeyVault"}


def build_structure(topo: Topology, ws: Resource) -> Diagram:
    """The unmarked diagram of a workspace; a Project is drawn with its hub's network."""
    b = Builder(topo, ws)
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
    drawn = networks.vnets(b, anchors)
    networks.subnets(b, drawn)
    networks.peerings(b, drawn)
    networks.hosts_and_routes(b, drawn)
    networks.dns_zones(b, drawn)
    _placements(b)
    return b.diagram()


def _placements(b: Builder) -> None:
    """An `in subnet` edge for everything a subnet holds: renderers draw it as nesting, and the
    model states it as a relation for whoever reads the JSON."""
    subnets = {node.key for node in b.nodes.values() if node.kind == "subnet"}
    for node in list(b.nodes.values()):
        if node.parent in subnets:
            b.edge(node.key, node.parent, "in_subnet", "in subnet")


def _describe_workspace(b: Builder, ctx: WorkspaceContext, node: Node) -> None:
    access, _ = ctx.public_access
    node.details = [f"public access: {access or 'unknown'}", f"isolation: {ctx.isolation_mode}"]
    if ctx.ws.get("kind"):
        node.details.insert(0, f"kind: {ctx.ws.get('kind')}")


def _associated(b: Builder, ctx: WorkspaceContext) -> list[Node]:
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


def _private_endpoints(b: Builder, target: Node) -> list[str]:
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


def _service_endpoints(b: Builder, target: Node) -> list[str]:
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


def _managed_network(b: Builder, ctx: WorkspaceContext) -> Node:
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


def _computes(b: Builder, ctx: WorkspaceContext, managed: Node | None) -> list[str]:
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


def _cluster(b: Builder, compute: Resource, node: Node) -> list[str]:
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


def _online_endpoints(b: Builder, ctx: WorkspaceContext, managed: Node | None) -> None:
    for endpoint in ctx.managed_online_endpoints:
        node = b.node(endpoint["id"], "online_endpoint", parent=managed.key if managed else None)
        access = props(endpoint).get("publicNetworkAccess")
        node.details = [f"public access: {access if isinstance(access, str) else 'Enabled (default)'}"]
