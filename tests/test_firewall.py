"""Azure Firewall processing order (catalogue §4, Egress, step 3): parent policy before child, group
priority, collection priority, rule order, network before application rules, default deny."""

from __future__ import annotations

from typing import Any

from auditor.egress_match import Destination
from auditor.egress_topology import egress_index
from auditor.firewall import ALLOWED, BLOCKED, UNDECIDED, Flow, firewall_decision
from auditor.topology import Topology

P = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"
FW = f"{P}/azureFirewalls/fw"
PARENT = f"{P}/firewallPolicies/parent"
CHILD = f"{P}/firewallPolicies/child"
IPG = f"{P}/ipGroups/compute"
SOURCE = ["10.0.1.0/24"]
AAD = Flow("TCP", 443, Destination("AzureActiveDirectory"), ("login.microsoftonline.com",))
STORAGE = Flow("TCP", 443, Destination("Storage", "westeurope", regional=True), ("*.blob.core.windows.net",))


def net(name: str, dest: str, *, src: str = "*", groups: tuple[str, ...] = (), port: str = "443") -> dict[str, Any]:
    return {
        "ruleType": "NetworkRule",
        "name": name,
        "ipProtocols": ["TCP"],
        "sourceAddresses": [src] if src else [],
        "sourceIpGroups": list(groups),
        "destinationAddresses": [dest],
        "destinationPorts": [port],
    }


def app(name: str, *fqdns: str) -> dict[str, Any]:
    return {
        "ruleType": "ApplicationRule",
        "name": name,
        "protocols": [{"protocolType": "Https", "port": 443}],
        "sourceAddresses": ["*"],
        "targetFqdns": list(fqdns),
    }


def coll(name: str, priority: int, action: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
        "name": name,
        "priority": priority,
        "action": {"type": action},
        "rules": list(rules),
    }


def group(policy: str, name: str, priority: int, *collections: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{policy}/ruleCollectionGroups/{name}",
        "name": name,
        "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
        "properties": {"priority": priority, "ruleCollections": list(collections)},
    }


def policy(pid: str, groups: list[dict[str, Any]], base: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ruleCollectionGroups": [{"id": g["id"]} for g in groups]}
    if base:
        body["basePolicy"] = {"id": base}
    return {"id": pid, "name": pid.rsplit("/", 1)[-1], "type": "Microsoft.Network/firewallPolicies", "properties": body}


def firewall(policy_id: str | None = CHILD, **classic: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ipConfigurations": [{"properties": {"privateIPAddress": "10.20.0.4"}}], **classic}
    if policy_id:
        body["firewallPolicy"] = {"id": policy_id}
    return {"id": FW, "name": "fw", "type": "Microsoft.Network/azureFirewalls", "properties": body}


def decide(resources: list[dict[str, Any]], flow: Flow = AAD) -> tuple[str, str]:
    topo = Topology(resources)
    fw = topo.get(FW)
    assert fw is not None
    decision = firewall_decision(egress_index(topo), fw, flow, SOURCE)
    return decision.verdict, decision.by


def two_level(parent_groups: list[dict[str, Any]], child_groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        firewall(),
        policy(PARENT, parent_groups),
        policy(CHILD, child_groups, base=PARENT),
        *parent_groups,
        *child_groups,
    ]


def test_parent_policy_wins_over_a_child_deny_with_a_lower_priority_number() -> None:
    parent = [group(PARENT, "g-parent", 500, coll("c", 500, "Allow", net("allow-aad", "AzureActiveDirectory")))]
    child = [group(CHILD, "g-child", 100, coll("c", 100, "Deny", net("deny-aad", "AzureActiveDirectory")))]
    assert decide(two_level(parent, child)) == (ALLOWED, "parent / g-parent / c / allow-aad (Allow)")


def test_group_priority_then_collection_priority_then_rule_order() -> None:
    groups = [
        group(CHILD, "g-late", 300, coll("c", 100, "Allow", net("allow", "AzureActiveDirectory"))),
        group(
            CHILD,
            "g-early",
            200,
            coll("c-second", 300, "Allow", net("allow", "AzureActiveDirectory")),
            coll("c-first", 150, "Deny", net("deny-other", "Storage"), net("deny-aad", "AzureActiveDirectory")),
        ),
    ]
    resources = [firewall(), policy(CHILD, groups), *groups]
    assert decide(resources) == (BLOCKED, "child / g-early / c-first / deny-aad (Deny)")
    assert decide(resources, STORAGE) == (BLOCKED, "child / g-early / c-first / deny-other (Deny)")


def test_network_rules_before_application_rules_and_default_deny() -> None:
    groups = [
        group(CHILD, "g-apps", 100, coll("apps", 100, "Allow", app("allow-login", "login.microsoftonline.com"))),
        group(CHILD, "g-net", 900, coll("net", 900, "Deny", net("deny-aad", "AzureCloud"))),
    ]
    resources = [firewall(), policy(CHILD, groups), *groups]
    assert decide(resources) == (BLOCKED, "child / g-net / net / deny-aad (Deny)")
    assert decide(resources, STORAGE)[0] == BLOCKED  # AzureCloud covers Storage.westeurope too
    only_apps = [firewall(), policy(CHILD, groups[:1]), groups[0]]
    assert decide(only_apps) == (ALLOWED, "child / g-apps / apps / allow-login (Allow)")
    assert decide(only_apps, STORAGE) == (BLOCKED, "fw: no rule matches")


def test_application_rule_must_cover_every_host_name() -> None:
    flow = Flow("TCP", 443, Destination("AzureMachineLearning"), ("*.azureml.ms", "*.azureml.net"))
    groups = [group(CHILD, "g", 100, coll("apps", 100, "Allow", app("ms-only", "*.azureml.ms")))]
    assert decide([firewall(), policy(CHILD, groups), *groups], flow)[0] == BLOCKED
    groups = [group(CHILD, "g", 100, coll("apps", 100, "Allow", app("both", "*.azureml.ms", "*.azureml.net")))]
    assert decide([firewall(), policy(CHILD, groups), *groups], flow)[0] == ALLOWED


def test_ip_groups_as_source() -> None:
    rule = net("allow-aad", "AzureActiveDirectory", src="", groups=(IPG,))
    groups = [group(CHILD, "g", 100, coll("c", 100, "Allow", rule))]
    base = [firewall(), policy(CHILD, groups), *groups]
    ipg = {"id": IPG, "name": "compute", "type": "Microsoft.Network/ipGroups", "properties": {"ipAddresses": []}}
    ipg["properties"]["ipAddresses"] = ["10.0.0.0-10.0.1.10"]
    assert decide([*base, ipg])[0] == ALLOWED
    ipg["properties"]["ipAddresses"] = ["10.0.4.0/22"]
    assert decide([*base, ipg])[0] == BLOCKED  # the group does not contain the subnet
    verdict, by = decide(base)  # the IP group is absent: the rule may match, the default is deny
    assert verdict == UNDECIDED and "allow-aad" in by


def test_undecided_rule_does_not_matter_when_the_rest_agree_with_its_action() -> None:
    deny = net("deny-aad-maybe", "AzureActiveDirectory", src="", groups=(IPG,))
    groups = [group(CHILD, "g", 100, coll("c", 100, "Deny", deny))]
    assert decide([firewall(), policy(CHILD, groups), *groups])[0] == BLOCKED


def test_embedded_groups_cycles_and_absent_parents() -> None:
    embedded = {
        "name": "g",
        "properties": {"priority": 100, "ruleCollections": [coll("c", 100, "Allow", net("a", "*"))]},
    }
    child = policy(CHILD, [])
    child["properties"]["ruleCollectionGroups"] = [embedded]
    assert decide([firewall(), child])[0] == ALLOWED
    looped = [firewall(), policy(CHILD, [], base=PARENT), policy(PARENT, [], base=CHILD)]
    verdict, _ = decide(looped)
    assert verdict == UNDECIDED
    assert decide([firewall(), policy(CHILD, [], base=PARENT)])[0] == UNDECIDED
    assert decide([firewall()])[0] == UNDECIDED  # the firewall's policy is absent
    missing_group = policy(CHILD, [group(CHILD, "gone", 100)])
    assert decide([firewall(), missing_group])[0] == UNDECIDED


def test_classic_collections() -> None:
    classic = {
        "networkRuleCollections": [
            {"name": "late", "properties": {"priority": 300, "action": {"type": "Allow"}, "rules": [net("a", "*")]}},
            {
                "name": "early",
                "properties": {
                    "priority": 100,
                    "action": {"type": "Deny"},
                    "rules": [{**net("d", "AzureActiveDirectory"), "protocols": ["Any"], "ipProtocols": None}],
                },
            },
        ]
    }
    assert decide([firewall(None, **classic)]) == (BLOCKED, "early / d (Deny)")
    assert decide([firewall(None, **classic)], STORAGE) == (ALLOWED, "late / a (Allow)")
    assert decide([firewall(None)])[0] == BLOCKED
