"""Egress indexes over the topology: Azure Firewalls by private IP, firewall policies and their
`basePolicy` chains, rule collection groups (child resources or embedded), IP groups (catalogue §4,
Egress; egress-notes §E0). Built once per topology, on first use; ids compare case-insensitively."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from auditor.arm import Resource, as_list, dig, lid, name_of, props, ref_id, vnet_of_subnet
from auditor.topology import Topology

FIREWALL_TYPE = "Microsoft.Network/azureFirewalls"
FIREWALL_POLICY_TYPE = "Microsoft.Network/firewallPolicies"
RULE_COLLECTION_GROUP_TYPE = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
IP_GROUP_TYPE = "Microsoft.Network/ipGroups"

FIREWALL = FIREWALL_TYPE.lower()
FIREWALL_POLICY = FIREWALL_POLICY_TYPE.lower()
RULE_COLLECTION_GROUP = RULE_COLLECTION_GROUP_TYPE.lower()
IP_GROUP = IP_GROUP_TYPE.lower()

T = TypeVar("T")


@dataclass(frozen=True)
class PolicyChain:
    """A firewall's policies from the root `basePolicy` down to its own, or why it cannot be read."""

    policies: tuple[Resource, ...]
    gap: str | None


class EgressIndex:
    """Lookups the egress path needs, built once over one topology."""

    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self._firewalls_by_ip: dict[str, list[Resource]] = defaultdict(list)
        # Private IPs repeat across VNets (every spoke's hub may use 10.x.0.4): also by (IP, VNet).
        self._firewalls_by_ip_vnet: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        for firewall in topo.of_type(FIREWALL):
            for ip in firewall_private_ips(firewall):
                self._firewalls_by_ip[ip].append(firewall)
                for vnet in firewall_vnets(firewall):
                    self._firewalls_by_ip_vnet[(ip, vnet)].append(firewall)
        self._memo: dict[Hashable, Any] = {}
        self._ip_groups_by_name: dict[str, list[Resource]] = defaultdict(list)
        for group in topo.of_type(IP_GROUP):
            self._ip_groups_by_name[str(group.get("name") or name_of(group["id"])).lower()].append(group)
        self._groups: dict[str, tuple[list[Resource], list[str]]] = {}

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()`, computed once per key over this topology: a firewall's rules in processing order, an
        NSG's outbound rules, a subnet's path. The key names what is built (a kind and an id), so that
        three rules asking about the same subnet share one answer; the topology never changes."""
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._memo[key] = build()
            return value

    def firewalls_at(self, ip: str, near: set[str] | None = None) -> list[Resource]:
        """Azure Firewalls with this private IP; those in the `near` VNets (lower-cased ids) when there are
        any, since the same private IP in an unrelated VNet is another firewall."""
        key = ip.strip().lower()
        if near:
            close = [fw for vnet in sorted(near) for fw in self._firewalls_by_ip_vnet.get((key, vnet), [])]
            if close:
                return close
        return self._firewalls_by_ip.get(key, [])

    def ip_group(self, group_id: str) -> Resource | None:
        """An IP group by id; spec examples misplace `resourceGroups` after the provider, so an id that
        does not resolve falls back to the one IP group of that name, when there is exactly one."""
        found = self.topo.get(group_id)
        if found is not None:
            return found
        same_name = self._ip_groups_by_name.get(name_of(group_id).lower(), [])
        return same_name[0] if len(same_name) == 1 else None

    def policy_chain(self, policy_id: str) -> PolicyChain:
        """Policies from the root parent down to `policy_id`; a cycle or an absent policy is a gap."""
        chain: list[Resource] = []
        seen: set[str] = set()
        current: str | None = policy_id
        while current:
            key = lid(current)
            if key in seen:
                return PolicyChain((), f"firewall policy {current} is its own ancestor (basePolicy cycle)")
            seen.add(key)
            policy = self.topo.get(current)
            if policy is None:
                reason = self.topo.gap(FIREWALL_POLICY_TYPE, current) or "absent from the inventory"
                return PolicyChain((), f"firewall policy {current}: {reason}")
            chain.append(policy)
            current = ref_id(props(policy).get("basePolicy"))
        return PolicyChain(tuple(reversed(chain)), None)

    def rule_collection_groups(self, policy: Resource) -> tuple[list[Resource], list[str]]:
        """A policy's rule collection groups (standalone children win over embedded entries), and the
        groups it references that cannot be read."""
        key = lid(policy["id"])
        cached = self._groups.get(key)
        if cached is not None:
            return cached
        groups: dict[str, Resource] = {}
        for entry in as_list(props(policy).get("ruleCollectionGroups")):
            embedded = _embedded_group(entry, policy)
            if embedded is not None:
                groups[lid(embedded["id"])] = embedded
        for child in self.topo.children(policy["id"], RULE_COLLECTION_GROUP):
            groups[lid(child["id"])] = child
        gaps = []
        for entry in as_list(props(policy).get("ruleCollectionGroups")):
            ref = ref_id(entry)
            if ref and lid(ref) not in groups:
                reason = self.topo.gap(RULE_COLLECTION_GROUP_TYPE, ref) or "absent from the inventory"
                gaps.append(f"rule collection group {ref}: {reason}")
        hidden = self.topo.gap(RULE_COLLECTION_GROUP_TYPE, policy["id"])
        if hidden and not gaps:
            gaps.append(hidden)
        result = [groups[k] for k in sorted(groups)], gaps
        self._groups[key] = result
        return result


def _embedded_group(entry: Any, policy: Resource) -> Resource | None:
    """An embedded rule collection group: an entry that carries its rule collections (a bare `{id}` is a
    reference, not a group)."""
    if not isinstance(entry, dict):
        return None
    inner = entry.get("properties")
    body: dict[str, Any] = inner if isinstance(inner, dict) else entry
    if "ruleCollections" not in body:
        return None
    name = entry.get("name")
    group_id = ref_id(entry) or (f"{policy['id'].rstrip('/')}/ruleCollectionGroups/{name}" if name else None)
    if not group_id:
        return None
    return {"id": group_id, "name": name or name_of(group_id), "type": RULE_COLLECTION_GROUP_TYPE, "properties": body}


def firewall_private_ips(firewall: Resource) -> list[str]:
    """`ipConfigurations[].properties.privateIPAddress` (VNet firewall) and `hubIPAddresses.privateIPAddress`."""
    p = props(firewall)
    ips = [dig(c, "properties", "privateIPAddress") for c in as_list(p.get("ipConfigurations"))]
    ips.append(dig(p, "hubIPAddresses", "privateIPAddress"))
    return [ip.strip().lower() for ip in ips if isinstance(ip, str) and ip.strip()]


def firewall_vnets(firewall: Resource) -> set[str]:
    """Lower-cased ids of the VNets a VNet firewall's IP configurations sit in."""
    vnets = set()
    for config in as_list(props(firewall).get("ipConfigurations")):
        subnet = ref_id(dig(config, "properties", "subnet"))
        vnet = vnet_of_subnet(subnet) if subnet else None
        if vnet:
            vnets.add(lid(vnet))
    return vnets


def egress_index(topo: Topology) -> EgressIndex:
    """The topology's egress index, built on first use (most scans never route to a firewall)."""
    index = topo.derived.get("egress")
    if index is None:
        index = topo.derived["egress"] = EgressIndex(topo)
    return index  # type: ignore[no-any-return]
