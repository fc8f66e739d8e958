"""Whether one Azure Firewall rule matches a flow (catalogue §4, Egress, step 3; egress-notes §E7).

A firewall's rules are read into `RuleFields` once, when they are put in processing order (once per
firewall and topology); each flow then compares against the fields, not the raw rule body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.arm import as_list, eq, props
from auditor.egress_match import Destination, address_overlaps, covering, fqdn_covers, port_span
from auditor.egress_topology import EgressIndex


@dataclass(frozen=True)
class Flow:
    """One outbound flow from a subnet: protocol, port, destination, and the host names an application
    rule would have to cover (none: network rules only)."""

    protocol: str
    port: int
    destination: Destination
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleFields:
    """What matching reads of a network or application rule."""

    protocols: frozenset[str]  # network: `ipProtocols` (or `protocols`), lower-cased
    ports: tuple[tuple[int, int], ...]  # network: `destinationPorts` spans
    destinations: frozenset[str]  # network: `destinationAddresses`, lower-cased and stripped
    https_ports: frozenset[str]  # application: the ports of its `Https` protocols
    fqdns: tuple[str, ...]  # application: `targetFqdns`
    any_source: bool  # `sourceAddresses` holds `*`
    source_addresses: tuple[str, ...]
    source_groups: tuple[str, ...]  # `sourceIpGroups` ids


def rule_fields(rule: dict[str, Any], kind: str) -> RuleFields:
    """What a `network` or an `application` rule's matching reads (the other kind's fields empty)."""
    addresses = _strings(rule.get("sourceAddresses"))
    any_source = any(a.strip() == "*" for a in addresses)
    groups = tuple(_strings(rule.get("sourceIpGroups")))
    if kind == "application":
        protocols = [p for p in as_list(rule.get("protocols")) if isinstance(p, dict)]
        https = frozenset(str(p.get("port")) for p in protocols if eq(p.get("protocolType"), "Https"))
        fqdns = tuple(_strings(rule.get("targetFqdns")))
        return RuleFields(frozenset(), (), frozenset(), https, fqdns, any_source, tuple(addresses), groups)
    names = _strings(rule.get("ipProtocols")) or _strings(rule.get("protocols"))
    spans = (port_span(p) for p in _strings(rule.get("destinationPorts")))
    return RuleFields(
        protocols=frozenset(p.strip().lower() for p in names),
        ports=tuple(span for span in spans if span is not None),
        destinations=frozenset(d.strip().lower() for d in _strings(rule.get("destinationAddresses"))),
        https_ports=frozenset(),
        fqdns=(),
        any_source=any_source,
        source_addresses=tuple(addresses),
        source_groups=groups,
    )


def _strings(value: Any) -> list[str]:
    return [str(v) for v in as_list(value) if isinstance(v, (str, int))]


def source_matches(index: EgressIndex, rule: RuleFields, prefixes: list[str]) -> bool | None:
    """`sourceAddresses` holds `*` or an address, range or CIDR overlapping a source prefix, or a
    `sourceIpGroups` group's `ipAddresses` do; None when an IP group it names cannot be read."""
    if rule.any_source or any(address_overlaps(a, prefixes) for a in rule.source_addresses):
        return True
    undecided = False
    for group_id in rule.source_groups:
        group = index.ip_group(group_id)
        if group is None:
            undecided = True
        elif any(address_overlaps(a, prefixes) for a in _strings(props(group).get("ipAddresses"))):
            return True
    return None if undecided else False


def network_rule_matches(index: EgressIndex, rule: RuleFields, flow: Flow, prefixes: list[str]) -> bool | None:
    if "any" not in rule.protocols and flow.protocol.lower() not in rule.protocols:
        return False
    if not any(low <= flow.port <= high for low, high in rule.ports):
        return False
    # Only destinationAddresses can name a service tag; FQDNs and IP groups never cover one.
    if covering(flow.destination, nsg=False).isdisjoint(rule.destinations):
        return False
    return source_matches(index, rule, prefixes)


def application_rule_matches(index: EgressIndex, rule: RuleFields, flow: Flow, prefixes: list[str]) -> bool | None:
    if not flow.hosts or not eq(flow.protocol, "TCP") or str(flow.port) not in rule.https_ports:
        return False
    if not all(any(fqdn_covers(p, host) for p in rule.fqdns) for host in flow.hosts):
        return False
    return source_matches(index, rule, prefixes)
