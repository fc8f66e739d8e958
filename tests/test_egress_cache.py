"""The egress path is computed once per topology (a subnet's path, an NSG's sorted outbound rules, a
firewall's rules in order): a scan of the planned state, where the same ids hold other bodies, must
never reuse what a scan of the current state computed, before or after it."""

from __future__ import annotations

import copy
import gc
import weakref
from pathlib import Path

from auditor.engine import load_rules, scan_inventory
from auditor.inventory import Inventory, load_inventory
from auditor.model import Result
from auditor.plan import apply_plans
from auditor.plan.model import Change, Plan

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "sample-tenant"
NSG_ID = (
    "/subscriptions/3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d/resourceGroups/rg-ml-prod/providers/"
    "Microsoft.Network/networkSecurityGroups/nsg-training"
)
DENY_UDP_5831 = {
    "name": "DenyAzureMLUdpOut",
    "properties": {
        "priority": 110,
        "direction": "Outbound",
        "access": "Deny",
        "protocol": "Udp",
        "sourceAddressPrefix": "VirtualNetwork",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "AzureMachineLearning",
        "destinationPortRange": "5831",
    },
}


def egress(inventory: Inventory) -> dict[str, Result]:
    results = scan_inventory(inventory, load_rules()).results
    return {r.rule_id: r for r in results if r.rule_id.startswith("AML-EGR-00")}


def planned_deny(current: Inventory) -> Inventory:
    nsg = copy.deepcopy(next(r for r in current.resources if r["id"].lower() == NSG_ID.lower()))
    nsg["properties"]["securityRules"].append(DENY_UDP_5831)
    plan = Plan("deny-udp.json", "what-if", changes=[Change(nsg["id"], nsg["type"], "put", nsg)])
    return apply_plans(current, [plan])


def test_a_planned_nsg_is_judged_on_its_own_rules_before_and_after_the_current_one() -> None:
    current = load_inventory([str(SAMPLE)])
    planned = planned_deny(current)
    before = egress(current)
    after = egress(planned)
    again = egress(current)
    assert before["AML-EGR-001"].status == again["AML-EGR-001"].status == "pass"
    assert after["AML-EGR-001"].status == "fail"
    assert "R3" in after["AML-EGR-001"].message
    rows = {row["requirement"]: row for row in after["AML-EGR-001"].evidence["requirements"]}
    assert rows["R3"]["nsg_rule"] == "nsg-training/DenyAzureMLUdpOut (110, Deny)"
    # The other flows of the same subnet, and the other rules walking its path, are unchanged.
    assert rows["R1"]["verdict"] == "allowed"
    assert after["AML-EGR-002"].evidence == before["AML-EGR-002"].evidence
    assert after["AML-EGR-003"].status == before["AML-EGR-003"].status == "pass"


def test_a_topology_is_freed_with_what_its_egress_rules_cached() -> None:
    # The caches hang off the topology: a long-running process that scans many inventories keeps none.
    scan = scan_inventory(load_inventory([str(SAMPLE)]), load_rules(), keep_topology=True)
    assert scan.topology is not None and "egress" in scan.topology.derived
    topology = weakref.ref(scan.topology)
    del scan
    gc.collect()
    assert topology() is None
