"""Where a compute subnet's appliance routes lead: the Azure Firewalls to collect, and the IP groups their
rules name (catalogue §4, Egress; egress-notes §E0)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from auditor.arm import as_list, dig, lid, parent_of, provider_type_of, ref_id
from auditor.collect import resource_types as rt

Json = dict[str, Any]

_APPLIANCE_HOPS = {"virtualappliance", "virtualapplianceecmp"}


class FirewallTrail:
    """Follows route tables to the Azure Firewalls at their next hops.

    A firewall is found in the VNets that use the table or peer with one, through the back-references
    ARM keeps on their subnets (`ipConfigurations[].id`), and read by id: a workspace's cost does not
    grow with the firewalls of its subscription. Tables and VNets arrive in any order.
    """

    def __init__(
        self, resources: dict[str, Json], want: Callable[[str], None], children: Callable[[str, str], None]
    ) -> None:
        self._resources = resources
        self._want = want
        self._children = children
        self._table_vnets: dict[str, set[str]] = {}  # route table → VNets whose subnets use it
        self._hops_in: dict[str, set[str]] = {}  # VNet → next hops that may lead into it

    def table_used(self, table_id: str, vnet_id: str) -> None:
        self._table_vnets.setdefault(lid(table_id), set()).add(lid(vnet_id))

    def route_table(self, table: Json) -> None:
        hops = {
            str(dig(route, "properties", "nextHopIpAddress")).strip()
            for route in as_list(dig(table, "properties", "routes"))
            if str(dig(route, "properties", "nextHopType")).lower() in _APPLIANCE_HOPS
            and isinstance(dig(route, "properties", "nextHopIpAddress"), str)
        }
        if not hops:
            return
        for vnet_key in sorted(self._table_vnets.get(lid(table["id"]), set())):
            peerings = as_list(dig(self._resources.get(vnet_key), "properties", "virtualNetworkPeerings"))
            peers = [ref_id(dig(p, "properties", "remoteVirtualNetwork")) for p in peerings]
            for key in sorted({vnet_key, *(lid(p) for p in peers if p)}):
                self._hops_in.setdefault(key, set()).update(hops)
                if key in self._resources:
                    self.vnet(self._resources[key])

    def vnet(self, vnet: Json) -> None:
        """Want the firewalls whose subnet in this VNet holds a next hop of a route table collected."""
        hops = self._hops_in.get(lid(vnet["id"]))
        if not hops:
            return
        for subnet in as_list(dig(vnet, "properties", "subnets")):
            if not _holds_any(subnet, hops):
                continue
            for config in as_list(dig(subnet, "properties", "ipConfigurations")):
                config_id = ref_id(config)
                owner = parent_of(config_id) if config_id else None
                if owner and rt.canonical_type(provider_type_of(owner)) == rt.AZURE_FIREWALLS:
                    self._want(owner)


    def firewall(self, firewall: Json) -> None:
        policy = ref_id(dig(firewall, "properties", "firewallPolicy"))
        if policy:
            self._want(policy)
        self.ip_groups(firewall)

    def policy(self, policy: Json) -> None:
        """Its parent policy and its own rule collection groups (the policy names only their ids)."""
        parent = ref_id(dig(policy, "properties", "basePolicy"))
        if parent:
            self._want(parent)
        self._children(policy["id"], rt.RULE_COLLECTION_GROUPS)

    def ip_groups(self, holder: Json) -> None:
        for group in ip_groups_named(holder):
            self._want(group)


def ip_groups_named(holder: Json) -> list[str]:
    """The IP groups the rules of a rule collection group or of a classic firewall name."""
    p = dig(holder, "properties")
    collections = [
        *as_list(dig(p, "ruleCollections")),
        *(dig(c, "properties") for c in as_list(dig(p, "networkRuleCollections"))),
        *(dig(c, "properties") for c in as_list(dig(p, "applicationRuleCollections"))),
    ]
    return [
        group
        for collection in collections
        for rule in as_list(dig(collection, "rules"))
        for key in ("sourceIpGroups", "destinationIpGroups")
        for group in as_list(dig(rule, key))
        if isinstance(group, str) and group
    ]


def _holds_any(subnet: Any, addresses: set[str]) -> bool:
    """Whether one of the subnet's prefixes contains one of the addresses."""
    prefixes = [dig(subnet, "properties", "addressPrefix"), *as_list(dig(subnet, "properties", "addressPrefixes"))]
    for prefix in prefixes:
        try:
            network = ipaddress.ip_network(str(prefix), strict=False)
        except ValueError:
            continue
        for address in addresses:
            try:
                if ipaddress.ip_address(address) in network:
                    return True
            except ValueError:
                continue
    return False
