"""Azure Firewall rule processing for one flow (catalogue §4, Egress, step 3; egress-notes §E7).

Network rules first, then application rules; within each pass the policies from the root
`basePolicy` down to the firewall's own, then rule collection groups by `priority`, then filter rule
collections by `priority` (ties by name), then rules in order. The first match decides; nothing
matching is a deny. A firewall without a policy uses its classic collections in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.arm import Resource, as_list, dig, eq, props, ref_id
from auditor.egress_match import (
    Destination,
    address_overlaps,
    covers,
    fqdn_covers,
    port_spec_includes,
    protocol_matches,
)
from auditor.egress_topology import EgressIndex

ALLOWED, BLOCKED, UNDECIDED = "allowed", "blocked", "undecided"


@dataclass(frozen=True)
class Flow:
    """One outbound flow from a subnet: protocol, port, destination, and the host names an application
    rule would have to cover (none: network rules only)."""

    protocol: str
    port: int
    destination: Destination
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class FirewallRule:
    """One rule in processing order, with the names that locate it (policy / group / collection / rule)."""

    kind: str  # "network" | "application"
    policy: str | None  # None: a classic collection on the firewall itself
    group: str | None
    collection: str
    name: str
    action: str | None
    body: dict[str, Any]

    def label(self) -> str:
        where = [p for p in (self.policy, self.group, self.collection, self.name) if p]
        return " / ".join(where) + f" ({self.action or 'no action'})"


@dataclass(frozen=True)
class Decision:
    verdict: str  # allowed | blocked | undecided
    by: str
    reason: str


@dataclass(frozen=True)
class OrderedRules:
    network: tuple[FirewallRule, ...]
    application: tuple[FirewallRule, ...]
    gap: str | None


def ordered_rules(index: EgressIndex, firewall: Resource) -> OrderedRules:
    """Every filter rule of the firewall in processing order, or the gap that keeps them unknown
    (computed once per firewall: a hub firewall serves every spoke)."""
    key = firewall["id"].lower()
    cached = index.rules_cache.get(key)
    if cached is None:
        cached = index.rules_cache[key] = _ordered_rules(index, firewall)
    return cached  # type: ignore[no-any-return]


def _ordered_rules(index: EgressIndex, firewall: Resource) -> OrderedRules:
    policy_id = ref_id(props(firewall).get("firewallPolicy"))
    if policy_id is None:
        return _classic_rules(firewall)
    chain = index.policy_chain(policy_id)
    if chain.gap:
        return OrderedRules((), (), chain.gap)
    network: list[FirewallRule] = []
    application: list[FirewallRule] = []
    for policy in chain.policies:
        groups, gaps = index.rule_collection_groups(policy)
        if gaps:
            return OrderedRules((), (), "; ".join(gaps))
        for group in sorted(groups, key=lambda g: (_priority(props(g)), str(g.get("name", "")).lower())):
            collections = [c for c in as_list(props(group).get("ruleCollections")) if isinstance(c, dict)]
            for collection in sorted(collections, key=lambda c: (_priority(c), str(c.get("name", "")).lower())):
                if not eq(collection.get("ruleCollectionType"), "FirewallPolicyFilterRuleCollection"):
                    continue  # NAT collections are neither inherited nor filter rules
                action = dig(collection, "action", "type")
                for rule in as_list(collection.get("rules")):
                    if not isinstance(rule, dict):
                        continue
                    kind = {"networkrule": "network", "applicationrule": "application"}.get(
                        str(rule.get("ruleType", "")).lower()
                    )
                    if kind is None:
                        continue
                    entry = FirewallRule(
                        kind,
                        str(policy.get("name") or policy["id"]),
                        str(group.get("name") or group["id"]),
                        str(collection.get("name", "?")),
                        str(rule.get("name", "?")),
                        action if isinstance(action, str) else None,
                        rule,
                    )
                    (network if kind == "network" else application).append(entry)
    return OrderedRules(tuple(network), tuple(application), None)


def _classic_rules(firewall: Resource) -> OrderedRules:
    p = props(firewall)
    passes: dict[str, list[FirewallRule]] = {"network": [], "application": []}
    for kind, key in (("network", "networkRuleCollections"), ("application", "applicationRuleCollections")):
        collections = [c for c in as_list(p.get(key)) if isinstance(c, dict)]
        for collection in sorted(collections, key=lambda c: (_priority(props(c)), str(c.get("name", "")).lower())):
            action = dig(props(collection), "action", "type")
            for rule in as_list(props(collection).get("rules")):
                if isinstance(rule, dict):
                    passes[kind].append(
                        FirewallRule(
                            kind,
                            None,
                            None,
                            str(collection.get("name", "?")),
                            str(rule.get("name", "?")),
                            action if isinstance(action, str) else None,
                            rule,
                        )
                    )
    return OrderedRules(tuple(passes["network"]), tuple(passes["application"]), None)


def _priority(body: dict[str, Any]) -> int:
    value = body.get("priority")
    return value if isinstance(value, int) else 65536


def _strings(value: Any) -> list[str]:
    return [str(v) for v in as_list(value) if isinstance(v, str | int)]


def source_matches(index: EgressIndex, rule: dict[str, Any], prefixes: list[str]) -> bool | None:
    """`sourceAddresses` holds `*` or an address, range or CIDR overlapping a source prefix, or a
    `sourceIpGroups` group's `ipAddresses` do; None when an IP group it names cannot be read."""
    addresses = _strings(rule.get("sourceAddresses"))
    if "*" in (a.strip() for a in addresses) or any(address_overlaps(a, prefixes) for a in addresses):
        return True
    undecided = False
    for group_id in _strings(rule.get("sourceIpGroups")):
        group = index.ip_group(group_id)
        if group is None:
            undecided = True
        elif any(address_overlaps(a, prefixes) for a in _strings(props(group).get("ipAddresses"))):
            return True
    return None if undecided else False


def network_rule_matches(index: EgressIndex, rule: dict[str, Any], flow: Flow, prefixes: list[str]) -> bool | None:
    protocols = _strings(rule.get("ipProtocols")) or _strings(rule.get("protocols"))
    if not protocol_matches(protocols, flow.protocol, any_word="Any"):
        return False
    if not any(port_spec_includes(p, flow.port) for p in _strings(rule.get("destinationPorts"))):
        return False
    # Only destinationAddresses can name a service tag; FQDNs and IP groups never cover one.
    if not any(covers(d, flow.destination, nsg=False) for d in _strings(rule.get("destinationAddresses"))):
        return False
    return source_matches(index, rule, prefixes)


def application_rule_matches(index: EgressIndex, rule: dict[str, Any], flow: Flow, prefixes: list[str]) -> bool | None:
    if not flow.hosts or not eq(flow.protocol, "TCP"):
        return False
    https = any(
        isinstance(p, dict) and eq(p.get("protocolType"), "Https") and str(p.get("port")) == str(flow.port)
        for p in as_list(rule.get("protocols"))
    )
    if not https:
        return False
    patterns = _strings(rule.get("targetFqdns"))
    if not all(any(fqdn_covers(p, host) for p in patterns) for host in flow.hosts):
        return False
    return source_matches(index, rule, prefixes)


def _verdict_of(action: str | None) -> str:
    if eq(action, "Allow"):
        return ALLOWED
    if eq(action, "Deny"):
        return BLOCKED
    return UNDECIDED


def firewall_decision(index: EgressIndex, firewall: Resource, flow: Flow, prefixes: list[str]) -> Decision:
    """The firewall's verdict on the flow and the rule that decided it.

    A rule whose match cannot be decided (an IP group absent) leaves the flow undecided unless the
    rules after it reach the same verdict as its action.
    """
    name = str(firewall.get("name") or firewall["id"])
    rules = ordered_rules(index, firewall)
    if rules.gap:
        return Decision(UNDECIDED, name, rules.gap)
    pending: list[FirewallRule] = []
    final: Decision | None = None
    passes = ((rules.network, network_rule_matches), (rules.application, application_rule_matches))
    for ordered, matches in passes:
        for rule in ordered:
            matched = matches(index, rule.body, flow, prefixes)
            if matched is False:
                continue
            if matched is None:
                pending.append(rule)
                continue
            final = Decision(_verdict_of(rule.action), rule.label(), f"first matching {rule.kind} rule")
            break
        if final is not None:
            break
    if final is None:
        final = Decision(BLOCKED, f"{name}: no rule matches", "Azure Firewall denies by default")
    doubtful = [r for r in pending if _verdict_of(r.action) != final.verdict]
    if doubtful:
        return Decision(
            UNDECIDED,
            doubtful[0].label(),
            f"rule {doubtful[0].name} may match (an IP group it names is absent); without it: {final.verdict}",
        )
    return final
