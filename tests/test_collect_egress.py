"""Collecting the egress path: Azure Firewalls behind a compute subnet's routes, their policies (parents
included), rule collection groups and IP groups, in every scope mode, read-only."""

from __future__ import annotations

import json
from typing import Any

from fakearm.harness import fake_settings
from fakearm.server import FakeArm
from fakearm.tenant import SAMPLE_SUBSCRIPTION, cloned_tenant, sample_tenant, workspace_id

from auditor.arm import lid
from auditor.collect import Scope, collect_snapshot
from auditor.collect import resource_types as rt
from auditor.engine import load_rules, scan_inventory
from auditor.inventory import Inventory

EGRESS_TYPES = {rt.AZURE_FIREWALLS, rt.FIREWALL_POLICIES, rt.RULE_COLLECTION_GROUPS, rt.IP_GROUPS}
OTHER_SUBSCRIPTION = "7b9e4d2a-1c3f-4e5d-8a6b-9c0d1e2f3a4b"


def collect(fake: FakeArm, scope: Scope) -> dict[str, Any]:
    return collect_snapshot(scope, fake_settings(fake), progress=False)


def egress_ids(snapshot: dict[str, Any]) -> set[str]:
    return {lid(r["id"]) for r in snapshot["resources"] if r["type"] in EGRESS_TYPES}


def egress_results(snapshot: dict[str, Any]) -> dict[str, Any]:
    inventory = Inventory(resources=snapshot["resources"], errors=snapshot["errors"])
    return {r.rule_id: r for r in scan_inventory(inventory, load_rules()).results if r.rule_id.startswith("AML-EGR")}


def test_subscription_scan_collects_the_firewall_its_policies_groups_and_ip_groups(fake_arm: FakeArm) -> None:
    served = sample_tenant()
    fake_arm.load(served)

    snapshot = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)))

    assert egress_ids(snapshot) == {lid(r["id"]) for r in served if r["type"] in EGRESS_TYPES}
    assert len(egress_ids(snapshot)) == 8  # firewall, 2 policies, 3 groups, 2 IP groups
    assert {r.status.value for r in egress_results(snapshot).values()} == {"pass"}
    assert {r.method for r in fake_arm.requests} == {"GET"}


def test_workspace_scan_reads_only_the_firewall_its_routes_lead_to(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(3))

    snapshot = collect(fake_arm, Scope(workspaces=(workspace_id(1),)))

    ids = egress_ids(snapshot)
    assert len(ids) == 8 and all("/resourcegroups/rg-ml-0001/" in i for i in ids)
    # Found through the hub subnet's back-reference and read by id: no list of every firewall.
    assert not [r for r in fake_arm.requests if r.path.lower().endswith("/microsoft.network/azurefirewalls")]


def test_resource_graph_mode_reads_the_same_egress_resources(fake_arm: FakeArm) -> None:
    fake_arm.load(sample_tenant())
    listed = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)))
    fake_arm.reset()
    fake_arm.load(sample_tenant())

    graphed = collect(fake_arm, Scope(all_subscriptions=True))

    assert egress_ids(graphed) == egress_ids(listed)


def test_a_parent_policy_outside_the_scope_is_missing_data(fake_arm: FakeArm) -> None:
    """The parent policy lives in a subscription the reader may not read: the refusal is recorded and the
    flows the firewall decides become unknown, never pass."""
    text = json.dumps(sample_tenant())
    base = "resourceGroups/rg-ml-prod/providers/Microsoft.Network/firewallPolicies/fwp-org-base"
    moved = text.replace(f"{SAMPLE_SUBSCRIPTION}/{base}", f"{OTHER_SUBSCRIPTION}/{base}")
    fake_arm.load(json.loads(moved))
    fake_arm.fault(f"^/subscriptions/{OTHER_SUBSCRIPTION}/", 403, code="AuthorizationFailed", message="no access")

    snapshot = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)))

    refused = [e for e in snapshot["errors"] if rt.FIREWALL_POLICIES in e["resource_types"]]
    assert refused and OTHER_SUBSCRIPTION in refused[0]["scope"]
    results = egress_results(snapshot)
    assert results["AML-EGR-001"].status.value == "unknown"
    assert "AuthorizationFailed" in json.dumps(results["AML-EGR-001"].evidence)
    assert results["AML-EGR-003"].status.value == "pass"  # the route itself is an outbound path
