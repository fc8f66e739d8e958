"""Questions about networks: subnets, VNets, peerings, private DNS zones and their links, operator hosts
(Bastion, VNet gateways) and service endpoints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from auditor.arm import Resource, as_list, dig, eq, lid, name_of, parent_of, props, ref_id, vnet_of_subnet
from auditor.topology.resources import ResourceIndex
from auditor.topology.types import BASTION, DNS_LINK, DNS_LINK_TYPE, DNS_ZONE, PEERING, VNET_GATEWAY, is_managed_vnet


class NetworkIndex(ResourceIndex):
    """Network questions: peerings by remote VNet, zones by name and operator hosts by VNet, indexed once."""

    def __init__(self, resources: Sequence[Resource], errors: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(resources, errors)
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

        # Filled on demand by zone_linked_vnets and zone_name_linked.
        self._zone_links: dict[str, frozenset[str]] = {}
        self._linked_zone_names: set[tuple[str, str]] | None = None
        self._zones_of_vnet: dict[str, list[Resource]] | None = None
        self._zone_name_gaps: dict[str, str | None] = {}

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

    def zone_name_gap(self, zone_name: str) -> str | None:
        """The first collection error hiding the VNet links of a zone of this name, described: once
        per name, as every workspace whose VNet lacks the zone asks it of every zone of the name."""
        key = zone_name.lower()
        if key not in self._zone_name_gaps:
            zones = self.zones_named(key)
            self._zone_name_gaps[key] = next((g for z in zones if (g := self.gap(DNS_LINK_TYPE, z["id"]))), None)
        return self._zone_name_gaps[key]

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

    def zones_linked_to(self, vnet_key: str) -> list[Resource]:
        """Private DNS zones with a link to this VNet, in id order (built once for every VNet)."""
        if self._zones_of_vnet is None:
            index: dict[str, list[Resource]] = defaultdict(list)
            for zones in self._zones_by_name.values():
                for zone in zones:
                    for vnet in self.zone_linked_vnets(zone["id"]):
                        index[vnet].append(zone)
            for linked in index.values():
                linked.sort(key=lambda z: lid(z["id"]))
            self._zones_of_vnet = dict(index)
        return self._zones_of_vnet.get(lid(vnet_key), [])

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
