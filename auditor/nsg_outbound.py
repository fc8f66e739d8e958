"""The NSG step of the egress path (catalogue §4, Egress, step 1): the first outbound rule, custom or
default, by ascending priority, that matches a flow.

Every compute subnet asks its NSG about a dozen flows (R1..R10 and the internet probe), so each NSG's
outbound rules are sorted and read into `OutboundRule`s once per topology, not once per flow.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.arm import Resource, as_list, eq, lid, props
from auditor.egress_match import address_overlaps, covering, port_span
from auditor.egress_topology import EgressIndex
from auditor.firewall import BLOCKED, Flow, verdict_of
from auditor.nsg import merged, rules_by_priority

IMPLICIT_DENY = (BLOCKED, "no outbound rule matches (implicit deny)")


@dataclass(frozen=True)
class OutboundRule:
    """An outbound rule without application security groups, its fields read once."""

    protocol: str  # lower-cased, stripped
    any_protocol: bool  # `*` or `Any`
    ports: tuple[tuple[int, int], ...]  # destination port spans
    destinations: frozenset[str]  # lower-cased
    any_source: bool  # `*` or `VirtualNetwork`: every compute subnet
    source_addresses: tuple[str, ...]  # the other sources: addresses, ranges, CIDRs (or tags, matching nothing)
    outcome: str  # what the rule decides when it matches
    label: str

    def matches(self, flow: Flow, prefixes: list[str]) -> bool:
        return (
            (self.any_protocol or self.protocol == flow.protocol.lower())
            and any(low <= flow.port <= high for low, high in self.ports)
            and not covering(flow.destination, nsg=True).isdisjoint(self.destinations)
            and (self.any_source or any(address_overlaps(s, prefixes) for s in self.source_addresses))
        )


def nsg_outbound(index: EgressIndex, nsg: Resource, flow: Flow, prefixes: list[str]) -> tuple[str, str]:
    """The first outbound rule (custom and default, ascending priority) matching the flow: (verdict, label)."""
    for rule in outbound_rules(index, nsg):
        if rule.matches(flow, prefixes):
            return rule.outcome, rule.label
    return IMPLICIT_DENY


def outbound_rules(index: EgressIndex, nsg: Resource) -> tuple[OutboundRule, ...]:
    """The NSG's outbound rules in evaluation order, read once per topology. Rules naming an
    application security group never match (the tool cannot resolve their members), Deny rules included."""
    return index.memo(("nsg outbound rules", lid(nsg["id"])), lambda: _read(nsg))


def _read(nsg: Resource) -> tuple[OutboundRule, ...]:
    ordered, _ = rules_by_priority(nsg)
    out = []
    for rule in ordered:
        rp = props(rule)
        if not eq(rp.get("direction"), "Outbound"):
            continue
        if as_list(rp.get("sourceApplicationSecurityGroups")) or as_list(
            rp.get("destinationApplicationSecurityGroups")
        ):
            continue
        protocol = str(rp.get("protocol", "")).strip().lower()
        sources = merged(rp, "sourceAddressPrefix", "sourceAddressPrefixes")
        spans = (port_span(r) for r in merged(rp, "destinationPortRange", "destinationPortRanges"))
        label = f"{rule.get('name', '?')} ({rp.get('priority')}, {rp.get('access')}"
        label += ", Azure default assumed)" if rule.get("defaulted") else ")"
        out.append(
            OutboundRule(
                protocol=protocol,
                any_protocol=protocol == "*" or eq(rp.get("protocol"), "Any"),
                ports=tuple(span for span in spans if span is not None),
                destinations=frozenset(
                    d.lower() for d in merged(rp, "destinationAddressPrefix", "destinationAddressPrefixes")
                ),
                any_source=any(s == "*" or eq(s, "VirtualNetwork") for s in sources),
                source_addresses=tuple(s for s in sources if s != "*" and not eq(s, "VirtualNetwork")),
                outcome=verdict_of(rp.get("access")),
                label=label,
            )
        )
    return tuple(out)
