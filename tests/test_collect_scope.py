"""What a scope collects: one workspace's closure, whole subscriptions, a tenant or a management group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
import requests
from click.testing import CliRunner
from fakearm.harness import fake_settings
from fakearm.server import FakeArm, Fault
from fakearm.tenant import SAMPLE_SUBSCRIPTION, cloned_tenant, workspace_id

from auditor.arm import lid, resource_group_of
from auditor.collect import CollectionError, ConnectionSettings, Scope, collect_snapshot, connection_options
from auditor.collect import resource_types as rt
from auditor.collect.scope import scope_options
from auditor.inventory import load_inventory

OTHER_SUBSCRIPTION = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
GRAPH = "/providers/microsoft.resourcegraph/resources"
CASES = Path(__file__).resolve().parent.parent / "fixtures" / "cases"


def collect(fake: FakeArm, scope: Scope, **settings: Any) -> dict[str, Any]:
    return collect_snapshot(scope, fake_settings(fake, **settings), progress=False)


def groups_of(snapshot: dict[str, Any]) -> set[str]:
    return {(resource_group_of(r["id"]) or "").lower() for r in snapshot["resources"]}


def ids_of(snapshot: dict[str, Any]) -> set[str]:
    return {lid(r["id"]) for r in snapshot["resources"]}


def workspaces_of(snapshot: dict[str, Any]) -> set[str]:
    return {lid(r["id"]) for r in snapshot["resources"] if r["type"] == rt.WORKSPACES}


def test_workspace_collects_its_closure_only(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(1))
    alone = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)))
    fake_arm.reset()
    fake_arm.load(cloned_tenant(3))

    snapshot = collect(fake_arm, Scope(workspaces=(workspace_id(0),)))

    assert groups_of(snapshot) == {"rg-ml-0000"}
    assert ids_of(snapshot) == ids_of(alone)
    assert snapshot["subscriptions"] == [SAMPLE_SUBSCRIPTION]


def test_requests_for_a_workspace_do_not_grow_with_its_neighbours(fake_arm: FakeArm) -> None:
    counts = []
    for neighbours in (1, 6):
        fake_arm.reset()
        fake_arm.load(cloned_tenant(1 + neighbours))
        collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,), workspaces=("mlw-prod-0000",)))
        counts.append(len(fake_arm.requests))
    assert counts[0] == counts[1]


def test_subscription_lists_are_read_once(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(4))

    snapshot = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)))

    assert len(workspaces_of(snapshot)) == 4
    lists = [r.path.lower() for r in fake_arm.requests if r.path.lower().count("/providers/") == 1
             and r.path.count("/") == 5]
    assert lists and len(lists) == len(set(lists))


def test_resource_group_narrows_the_workspaces(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(3))

    snapshot = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,), resource_group="RG-ML-0002"))

    assert workspaces_of(snapshot) == {lid(workspace_id(2))}
    assert groups_of(snapshot) == {"rg-ml-0002"}


def test_unknown_workspace_name_fails_the_collection(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(1))

    with pytest.raises(CollectionError, match="no-such-workspace"):
        collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,), workspaces=("no-such-workspace",)))


def test_missing_workspace_id_is_recorded(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(1))
    missing = workspace_id(7)

    snapshot = collect(fake_arm, Scope(workspaces=(missing,)))

    assert snapshot["resources"] == []
    assert [(e["scope"], e["status"]) for e in snapshot["errors"]] == [(missing, 404)]


def test_project_brings_its_hub(fake_arm: FakeArm) -> None:
    resources = cloned_tenant(2)
    hub, project = (next(r for r in resources if lid(r["id"]) == lid(workspace_id(i))) for i in (0, 1))
    hub["kind"] = "Hub"
    project["kind"] = "Project"
    project["properties"]["hubResourceId"] = hub["id"]
    fake_arm.load(resources)

    snapshot = collect(fake_arm, Scope(workspaces=(project["id"],)))

    assert workspaces_of(snapshot) == {lid(hub["id"]), lid(project["id"])}
    assert groups_of(snapshot) == {"rg-ml-0000", "rg-ml-0001"}


def two_subscription_tenant(fake: FakeArm) -> list[dict[str, Any]]:
    resources = cloned_tenant(4, (SAMPLE_SUBSCRIPTION, OTHER_SUBSCRIPTION))
    fake.load(resources)
    return resources


def test_all_subscriptions_reads_top_level_resources_through_resource_graph(fake_arm: FakeArm) -> None:
    two_subscription_tenant(fake_arm)
    arm = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION, OTHER_SUBSCRIPTION)))
    fake_arm.requests.clear()
    fake_arm.page_size = 25

    snapshot = collect(fake_arm, Scope(all_subscriptions=True))

    assert sorted(snapshot["subscriptions"]) == sorted([SAMPLE_SUBSCRIPTION, OTHER_SUBSCRIPTION])
    assert snapshot["tenant"] == fake_arm.tenant_id
    assert ids_of(snapshot) == ids_of(arm)
    assert snapshot["errors"] == []
    queries = [r for r in fake_arm.requests if r.method == "POST"]
    assert {r.path.lower() for r in queries} == {GRAPH}
    assert len(queries) > 2, "the answer should have needed several $skipToken pages"
    assert any(r.body["options"].get("$skipToken") for r in queries)
    # Top-level types come from Resource Graph; ARM is asked for children and for workspaces
    # (read again at the ML api-version), never for a subscription-wide list.
    assert not [r.path for r in fake_arm.requests if r.method == "GET" and r.path.count("/") == 5
                and r.path.lower().startswith("/subscriptions/")]


def test_management_group_limits_the_subscriptions(fake_arm: FakeArm) -> None:
    two_subscription_tenant(fake_arm)
    fake_arm.management_groups = {"mg-ml": [OTHER_SUBSCRIPTION]}

    snapshot = collect(fake_arm, Scope(management_group="mg-ml"))

    assert snapshot["subscriptions"] == [OTHER_SUBSCRIPTION]
    assert workspaces_of(snapshot) == {lid(workspace_id(i, OTHER_SUBSCRIPTION)) for i in (1, 3)}
    assert all(OTHER_SUBSCRIPTION in r["id"] for r in snapshot["resources"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "nothing to collect"),
        ({"workspaces": ("mlw",)}, "by name needs"),
        ({"all_subscriptions": True, "management_group": "mg"}, "exclude each other"),
        ({"all_subscriptions": True, "subscriptions": ("s",)}, "cannot be combined"),
        ({"resource_graph": True, "workspaces": ("/subscriptions/s/resourceGroups/g",)}, "needs --subscription"),
    ],
)
def test_scope_refuses_what_cannot_be_collected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Scope(**kwargs)


def test_scope_accepts_subscription_ids_and_workspace_ids() -> None:
    scope = Scope(subscriptions=(f"/subscriptions/{SAMPLE_SUBSCRIPTION}",), workspaces=(workspace_id(0), "mlw"))
    assert scope.subscriptions == (SAMPLE_SUBSCRIPTION,)
    assert scope.workspace_ids == (workspace_id(0),)
    assert scope.workspace_names == ("mlw",)
    assert Scope(workspaces=(workspace_id(0),)).subscriptions == ()


def test_click_options_build_scope_and_connection() -> None:
    seen: dict[str, Any] = {}

    @click.command()
    @scope_options
    @connection_options
    def command(scope: Scope, connection: ConnectionSettings) -> None:
        seen.update(scope=scope, connection=connection)

    runner = CliRunner()
    result = runner.invoke(
        command,
        ["--subscription", "s1", "--subscription", "s2", "--workspace", "mlw", "--cloud", "AzureChinaCloud",
         "--timeout", "30", "--concurrency", "4", "--resource-graph"],
    )
    assert result.exit_code == 0, result.output
    assert seen["scope"] == Scope(subscriptions=("s1", "s2"), workspaces=("mlw",), resource_graph=True)
    assert seen["scope"].uses_resource_graph
    assert seen["connection"].endpoint == "https://management.chinacloudapi.cn"
    assert (seen["connection"].timeout, seen["connection"].concurrency) == (30.0, 4)

    refused = runner.invoke(command, ["--workspace", "mlw"])
    assert refused.exit_code == 2
    assert "by name needs" in refused.output


def test_resource_graph_refusal_fails_the_collection(fake_arm: FakeArm) -> None:
    two_subscription_tenant(fake_arm)
    fake_arm.fault("^/providers/Microsoft.ResourceGraph/resources$", 403, method="POST")

    with pytest.raises(CollectionError, match="Resource Graph could not be read"):
        collect(fake_arm, Scope(all_subscriptions=True))


def arm_reads(fake: FakeArm) -> list[str]:
    return [r.path.lower() for r in fake.requests if r.method == "GET"]


def read_types(paths: list[str]) -> set[str]:
    """`microsoft.network/privatednszones/virtualnetworklinks` for a read of a link or of their list."""
    types = set()
    for path in paths:
        segments = path.split("/providers/", 1)[-1].split("/")
        types.add("/".join(segments[:2] + segments[3::2]))
    return types


def test_resource_graph_for_subscriptions_reads_through_arm_only_what_it_lacks(fake_arm: FakeArm) -> None:
    workspaces = 4
    fake_arm.load(cloned_tenant(workspaces, per_hub=workspaces))
    arm = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)))
    arm_requests = len(arm_reads(fake_arm))
    fake_arm.requests.clear()

    snapshot = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,), resource_graph=True))

    assert ids_of(snapshot) == ids_of(arm)
    assert snapshot["errors"] == []
    assert snapshot["subscriptions"] == [SAMPLE_SUBSCRIPTION]
    reads = arm_reads(fake_arm)
    # 11 reads per workspace, and one rule collection group list per firewall policy of their shared hub
    # (a policy and its parent): Resource Graph does not hold those groups.
    assert len(reads) == 11 * workspaces + 2
    assert len(reads) / workspaces <= 12 < arm_requests / workspaces
    # Resource Graph holds zone links, online endpoints and their deployments: no ARM read for them.
    assert read_types(reads) == {
        "microsoft.machinelearningservices/workspaces",
        "microsoft.machinelearningservices/workspaces/computes",
        "microsoft.machinelearningservices/workspaces/datastores",
        "microsoft.machinelearningservices/workspaces/labelingjobs",
        "microsoft.machinelearningservices/workspaces/data/versions",
        "microsoft.network/privateendpoints/privatednszonegroups",
        "microsoft.network/firewallpolicies/rulecollectiongroups",
    }
    assert {r.body["subscriptions"][0] for r in fake_arm.requests if r.method == "POST"} == {SAMPLE_SUBSCRIPTION}


def test_resource_graph_reads_vnet_gateways_in_bulk(fake_arm: FakeArm) -> None:
    inventory = load_inventory([str(CASES / "net-gateway-in-peered-vnet.json")])
    fake_arm.load(inventory.resources)

    snapshot = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,), resource_graph=True))

    assert rt.NETWORK_GATEWAYS in {r["type"] for r in snapshot["resources"]}
    assert "microsoft.network/virtualnetworkgateways" not in read_types(arm_reads(fake_arm))


def test_resource_graph_narrows_to_a_resource_group_and_named_workspaces(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(3))

    grouped = collect(
        fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,), resource_group="rg-ml-0001", resource_graph=True)
    )
    named = collect(
        fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,), workspaces=("mlw-prod-0002",), resource_graph=True)
    )

    assert workspaces_of(grouped) == {lid(workspace_id(1))}
    assert workspaces_of(named) == {lid(workspace_id(2))}


def test_fake_resource_graph_holds_only_the_children_the_real_one_does(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(1))
    asked = (rt.COMPUTES, rt.DATASTORES, rt.DNS_ZONE_GROUPS, rt.ZONE_LINKS, rt.ONLINE_ENDPOINTS, rt.DEPLOYMENTS)
    query = "resources | where type in~ ({})".format(", ".join(f"'{t}'" for t in asked))

    answer = requests.post(
        f"{fake_arm.base_url}{GRAPH}",
        params={"api-version": rt.RESOURCE_GRAPH_API_VERSION},
        json={"subscriptions": [SAMPLE_SUBSCRIPTION], "query": query},
        headers={"Authorization": "Bearer t"},
        verify=fake_arm.ca_path,
        timeout=10,
    )

    rows = answer.json()["data"]
    assert {r["type"] for r in rows} == {t.lower() for t in (rt.ZONE_LINKS, rt.ONLINE_ENDPOINTS, rt.DEPLOYMENTS)}
    assert all(r["subscriptionId"] == SAMPLE_SUBSCRIPTION and r["resourceGroup"] == "rg-ml-0000" for r in rows)


class AfterTheFirst(Fault):
    """A fault that lets the first matching request through (discovery's query) and refuses the rest."""

    def matches(self, method: str, path: str) -> bool:
        matched = super().matches(method, path)
        if matched and not getattr(self, "passed", False):
            self.passed = True
            return False
        return matched


def test_a_refused_resource_graph_query_after_discovery_is_recorded_and_read_through_arm(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(1))
    fake_arm.faults.append(AfterTheFirst("^/providers/Microsoft.ResourceGraph/resources$", 403, method="POST"))

    snapshot = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,), resource_graph=True))

    [error] = snapshot["errors"]
    assert (error["scope"], error["status"]) == (f"/subscriptions/{SAMPLE_SUBSCRIPTION}", 403)
    assert set(error["resource_types"]) >= {rt.PRIVATE_ENDPOINTS, rt.ZONE_LINKS, rt.ONLINE_ENDPOINTS}
    # What the workspace names is still read, by id, through ARM: its resources, and the endpoints
    # its own private-link connections name.
    types = {r["type"] for r in snapshot["resources"]}
    assert {rt.WORKSPACES, rt.STORAGE_ACCOUNTS, rt.VAULTS, rt.COMPUTES, rt.PRIVATE_ENDPOINTS} <= types
