"""Azure Firewall rule processing for one flow (catalogue §4, Egress, step 3; egress-notes §E7).

Network rules first, then application rules; within each pass the policies from the root
`basePolicy` down to the firewall's own, then rule collection groups by `priority`, then filter rule
collections by `priority` (ties by name), then rules in order. The first match decides; nothing
matching is a deny. A firewall without a policy uses its classic collections in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.arm import Resource, as_list, dig, eq, lid, props, ref_id
from auditor.egress_topology import EgressIndex
from auditor.firewall_match import Flow, RuleFields, application_rule_matches, network_rule_matches, rule_fields

ALLOWED, BLOCKED, UNDECIDED = "allowed", "blocked", "undecided"

__all__ = ["ALLOWED", "BLOCKED", "UNDECIDED", "Decision", "FirewallRule", "Flow", "firewall_decision", "verdict_of"]


@dataclass(frozen=True)
class FirewallRule:
    """One rule in processing order, with the names that locate it (policy / group / collection / rule)."""

    kind: str  # "network" | "application"
    policy: str | None  # None: a classic collection on the firewall itself
    group: str | None
    collection: str
    name: str
    action: str | None
    fields: RuleFields

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
    return index.memo(("firewall rules", lid(firewall["id"])), lambda: _ordered_rules(index, firewall))


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
                        rule_fields(rule, kind),
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
                            rule_fields(rule, kind),
                        )
                    )
    return OrderedRules(tuple(passes["network"]), tuple(passes["application"]), None)


def _priority(body: dict[str, Any]) -> int:
    value = body.get("priority")
    return value if isinstance(value, int) else 65536


def verdict_of(action: object) -> str:
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
            matched = matches(index, rule.fields, flow, prefixes)
            if matched is False:
                continue
            if matched is None:
                pending.append(rule)
                continue
            final = Decision(verdict_of(rule.action), rule.label(), f"first matching {rule.kind} rule")
            break
        if final is not None:
            break
    if final is None:
        final = Decision(BLOCKED, f"{name}: no rule matches", "Azure Firewall denies by default")
    doubtful = [r for r in pending if verdict_of(r.action) != final.verdict]
    if doubtful:
        return Decision(
            UNDECIDED,
            doubtful[0].label(),
            f"rule {doubtful[0].name} may match (an IP group it names is absent); without it: {final.verdict}",
        )
    return final
