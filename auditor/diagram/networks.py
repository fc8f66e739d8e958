"""The network half of a workspace's diagram: VNets and their peers, subnets, hosts, routes, DNS zones."""

from __future__ import annotations

from auditor.arm import Resource, as_list, dig, eq, lid, name_of, props, ref_id, vnet_of_subnet
from auditor.context import subnet_prefixes
from auditor.diagram.builder import Builder
from auditor.egress import subnet_path
from auditor.topology import DNS_LINK, DNS_ZONE_GROUP, PEERING, ROUTE, SUBNET

BASTION = "microsoft.network/bastionhosts"


def vnets(b: Builder, anchor_subnets: list[str]) -> list[str]:
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


def subnets(b: Builder, vnets: list[str]) -> None:
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


def peerings(b: Builder, vnets: list[str]) -> None:
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


def hosts_and_routes(b: Builder, vnets: list[str]) -> None:
    """Bastion hosts and gateways in the drawn VNets; the firewall (or appliance) that subnet routes
    send traffic to, drawn where it sits when its VNet is drawn."""
    for key in vnets:
        for host in b.topo.operator_hosts_in(key):
            kind = "bastion" if lid(host["id"]).split("/providers/")[-1].startswith(BASTION) else "gateway"
            node = b.node(host["id"], kind)
            node.parent = next((s for s in _configsubnets(host) if s in b.nodes), None)
    for subnet in [n for n in list(b.nodes.values()) if n.kind == "subnet" and not n.absent]:
        table = ref_id(props(b.topo.get(subnet.id)).get("routeTable"))
        for route in b.topo.children(table, ROUTE) if table else []:
            p = props(route)
            if not eq(p.get("nextHopType"), "VirtualAppliance"):
                continue
            ip = str(p.get("nextHopIpAddress") or "?")
            # The firewall the egress rules judge: the one in the subnet's VNet or a peered one first,
            # since hubs of unrelated VNets often share the same private IP.
            firewall = next(iter(subnet_path(b.topo, subnet.id).firewalls_at(ip)), None)
            if firewall is not None:
                hop = b.node(firewall["id"], "firewall")
                hop.parent = next((s for s in _configsubnets(firewall) if s in b.nodes), None)
                hop.details = [f"private IP {ip}"]
            else:
                hop = b.node(f"appliance:{ip}", "appliance", label=f"appliance {ip}")
                hop.details = ["no Azure Firewall in the inventory has this IP"]
            b.edge(subnet.key, hop.key, "routes_to", f"{p.get('addressPrefix') or '?'} → {ip}", ids=[route["id"]])


def _configsubnets(resource: Resource) -> list[str]:
    return [
        lid(s)
        for c in as_list(props(resource).get("ipConfigurations"))
        if (s := ref_id(dig(c, "properties", "subnet")))
    ]


def dns_zones(b: Builder, vnets: list[str]) -> None:
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
