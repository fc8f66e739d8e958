"""Network security group evaluation the Azure way: custom and default rules by ascending
priority, first match wins (catalogue AML-CMP-005)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from auditor.arm import Resource, as_list, eq, props
from auditor.egress_match import port_spec_includes

# Azure's fixed default rules, for an NSG whose `defaultSecurityRules` are absent.
AZURE_DEFAULT_RULES: tuple[dict[str, Any], ...] = tuple(
    {
        "name": name,
        "properties": {
            "priority": priority,
            "direction": direction,
            "access": access,
            "protocol": "*",
            "sourceAddressPrefix": source,
            "sourcePortRange": "*",
            "destinationAddressPrefix": destination,
            "destinationPortRange": "*",
        },
        "defaulted": True,
    }
    for name, priority, direction, access, source, destination in (
        ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
        ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
        ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
        ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
        ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
        ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
    )
)


@dataclass(frozen=True)
class Verdict:
    """The first matching rule for a flow: `access` is Allow, Deny, or None when undecidable."""

    access: str | None
    rule: str | None
    priority: int | None
    reason: str
    defaults_assumed: bool

    def evidence(self) -> dict[str, Any]:
        return {
            "decision": self.access or "unknown",
            "matched_rule": self.rule,
            "priority": self.priority,
            "reason": self.reason,
            "default_rules_assumed": self.defaults_assumed,
        }


def merged(rule_props: dict[str, Any], singular: str, plural: str) -> list[str]:
    """NSG rules use a singular or a plural field (or both); read them as one list."""
    values = [rule_props.get(singular), *as_list(rule_props.get(plural))]
    return [str(v).strip() for v in values if isinstance(v, str | int) and str(v).strip()]


def prefixes_overlap(a: str, b: str) -> bool:
    return ipaddress.ip_network(a, strict=False).overlaps(ipaddress.ip_network(b, strict=False))


def rules_by_priority(nsg: Resource) -> tuple[list[dict[str, Any]], bool]:
    """Custom and default rules in evaluation order; True when Azure's defaults were assumed."""
    p = props(nsg)
    defaults = p.get("defaultSecurityRules")
    assumed = defaults is None
    rules = [r for r in as_list(p.get("securityRules")) if isinstance(r, dict)]
    rules += list(AZURE_DEFAULT_RULES) if assumed else [r for r in as_list(defaults) if isinstance(r, dict)]
    return sorted(rules, key=lambda r: (_priority(r) is None, _priority(r) or 0)), assumed


def _priority(rule: dict[str, Any]) -> int | None:
    value = props(rule).get("priority")
    return value if isinstance(value, int) else None


def inbound_tcp_verdict(nsg: Resource, port: int, sources: set[str], subnet_prefixes: list[str]) -> Verdict:
    """First match for inbound TCP `port` from any of `sources` (lower-cased tags) into the subnet.

    A rule matches when: direction Inbound; protocol Tcp or *; a source in `sources` and no
    source application security group; source ports `*`; a destination `*`, `VirtualNetwork`
    or a prefix overlapping the subnet's, and no destination application security group; a
    destination port range including the port. An application security group on either side
    never matches, Deny rules included.
    """
    ordered, assumed = rules_by_priority(nsg)
    for rule in ordered:
        rp = props(rule)
        if not eq(rp.get("direction"), "Inbound"):
            continue
        if not (eq(rp.get("protocol"), "Tcp") or rp.get("protocol") == "*"):
            continue
        if as_list(rp.get("sourceApplicationSecurityGroups")) or as_list(
            rp.get("destinationApplicationSecurityGroups")
        ):
            continue
        if not any(s.lower() in sources for s in merged(rp, "sourceAddressPrefix", "sourceAddressPrefixes")):
            continue
        if "*" not in merged(rp, "sourcePortRange", "sourcePortRanges"):
            continue
        if not any(port_spec_includes(r, port) for r in merged(rp, "destinationPortRange", "destinationPortRanges")):
            continue
        destination = _destination_matches(
            merged(rp, "destinationAddressPrefix", "destinationAddressPrefixes"), subnet_prefixes
        )
        name = str(rule.get("name", "?"))
        if destination is None:
            return Verdict(None, name, _priority(rule), "destination prefix cannot be compared", assumed)
        if not destination:
            continue
        access = rp.get("access")
        if not isinstance(access, str):
            return Verdict(None, name, _priority(rule), "matching rule has no access", assumed)
        return Verdict(access.capitalize(), name, _priority(rule), "first matching rule", assumed)
    return Verdict("Deny", None, None, "no rule matches (implicit deny)", assumed)


def _destination_matches(destinations: list[str], subnet_prefixes: list[str]) -> bool | None:
    """True/False, or None when a CIDR destination cannot be compared with the subnet."""
    undecided = False
    for dest in destinations:
        if dest == "*" or eq(dest, "VirtualNetwork"):
            return True
        try:
            ipaddress.ip_network(dest, strict=False)
        except ValueError:
            continue  # another service tag: not the subnet
        if not subnet_prefixes:
            undecided = True
            continue
        try:
            if any(prefixes_overlap(dest, p) for p in subnet_prefixes):
                return True
        except ValueError:
            undecided = True
    return None if undecided else False
