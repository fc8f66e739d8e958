"""Terraform plans (azurerm and azapi) as planned ARM state: mapping, references, unknown values."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.arm import lid
from auditor.engine import load_rules, scan_inventory
from auditor.errors import InputError
from auditor.inventory import Inventory, load_inventory
from auditor.plan import apply_plans, load_plan
from auditor.plan.azurerm import BY_TYPE, MAPPINGS
from auditor.plan.overlay import AUTOMATIC_ASSUMED

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "fixtures" / "plans"
RULES = load_rules()
SUB = "3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d"
QUICKSTART_SUB = "7d1e3b5a-2c4f-4e6a-8b9c-1d2e3f4a5b6c"
SPOKE = f"/subscriptions/{QUICKSTART_SUB}/resourceGroups/rg-mlq-dev/providers"


def scan(inventory: Inventory) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (r.rule_id, lid(r.resource_id)): (str(r.status), r.message) for r in scan_inventory(inventory, RULES).results
    }


def status(found: dict[tuple[str, str], tuple[str, str]], rule: str, resource_end: str) -> str:
    matches = [v[0] for (rule_id, rid), v in found.items() if rule_id == rule and rid.endswith(resource_end.lower())]
    assert len(matches) == 1, (rule, resource_end, matches)
    return matches[0]


@pytest.fixture(scope="module")
def tenant() -> Inventory:
    return load_inventory([str(ROOT / "fixtures" / "sample-tenant")])


@pytest.fixture(scope="module")
def baseline(tenant: Inventory) -> dict[tuple[str, str], tuple[str, str]]:
    return scan(tenant)


def test_every_type_the_issue_lists_is_mapped() -> None:
    wanted = [
        "azurerm_machine_learning_workspace",
        "azurerm_machine_learning_workspace_network_outbound_rule_fqdn",
        "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint",
        "azurerm_machine_learning_workspace_network_outbound_rule_service_tag",
        "azurerm_machine_learning_compute_instance",
        "azurerm_machine_learning_compute_cluster",
        "azurerm_machine_learning_inference_cluster",
        "azurerm_machine_learning_datastore_blobstorage",
        "azurerm_machine_learning_datastore_fileshare",
        "azurerm_machine_learning_datastore_datalake_gen2",
        "azurerm_storage_account",
        "azurerm_storage_account_network_rules",
        "azurerm_key_vault",
        "azurerm_container_registry",
        "azurerm_private_endpoint",
        "azurerm_virtual_network",
        "azurerm_subnet",
        "azurerm_subnet_network_security_group_association",
        "azurerm_subnet_route_table_association",
        "azurerm_virtual_network_peering",
        "azurerm_network_security_group",
        "azurerm_network_security_rule",
        "azurerm_route_table",
        "azurerm_route",
        "azurerm_private_dns_zone",
        "azurerm_private_dns_zone_virtual_network_link",
        "azurerm_kubernetes_cluster",
        "azurerm_kubernetes_cluster_node_pool",
        "azurerm_bastion_host",
        "azurerm_virtual_network_gateway",
        "azurerm_firewall",
        "azurerm_firewall_policy",
        "azurerm_firewall_policy_rule_collection_group",
        "azurerm_ip_group",
        "azurerm_nat_gateway",
        "azurerm_subnet_nat_gateway_association",
        "azurerm_nat_gateway_public_ip_association",
    ]
    assert sorted(set(wanted) - set(BY_TYPE)) == []
    assert len({m.tf_type for m in MAPPINGS}) == len(MAPPINGS)


def test_201_quickstart_plan_alone(tenant: Inventory) -> None:
    plan = load_plan(str(PLANS / "tf-201-moderately-secure.json"))
    assert plan.ignored == {"azurerm_resource_group": 1, "azurerm_public_ip": 1, "random_string": 1}
    planned = apply_plans(None, [plan])
    found = scan(planned)
    # Ids of resources the plan creates come from the references: the endpoints reach their targets.
    for rule, target in (
        ("AML-ST-002", "/storageaccounts/stmlqdev"),
        ("AML-ST-003", "/storageaccounts/stmlqdev"),
        ("AML-KV-002", "/vaults/kv-mlq-dev"),
        ("AML-CR-001", "/registries/crmlqdev"),
        ("AML-CR-005", "/registries/crmlqdev"),
        ("AML-NET-001", "/virtualnetworks/vnet-mlq-dev"),
    ):
        assert status(found, rule, target) == "pass", rule
    # The quickstart leaves node public IPs on (azurerm's default): its computes fail in a private workspace.
    assert status(found, "AML-CMP-009", "/computes/cpu-cluster") == "fail"
    # `managed_network` is computed by the provider: the workspace's passes wait for apply.
    ws_status, ws_message = found[
        ("AML-WS-001", lid(f"{SPOKE}/Microsoft.MachineLearningServices/workspaces/mlw-mlq-dev"))
    ]
    assert ws_status == "unknown"
    assert "managedNetwork.isolationMode known only after apply" in ws_message
    # The compute instance's name comes from random_string: named after its address, judged all the same.
    instance = next(
        r
        for r in planned.resources
        if r["id"].endswith("/computes/<azurerm_machine_learning_compute_instance.compute_instance>")
    )
    assert instance["properties"]["properties"]["subnet"]["id"].endswith(
        "/virtualNetworks/vnet-mlq-dev/subnets/snet-training"
    )
    pe = next(r for r in planned.resources if r["id"].endswith("/privateEndpoints/ple-mlq-dev-st-blob"))
    assert pe["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"] == {
        "status": "Approved",
        "amlauditAssumed": AUTOMATIC_ASSUMED,
    }
    assert [
        g["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"]
        for g in pe["privateDnsZoneGroups"]
    ] == [f"{SPOKE}/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"]
    subnet = next(r for r in planned.resources if r["id"].endswith("/subnets/snet-training"))
    assert subnet["properties"]["networkSecurityGroup"]["id"].endswith("/networkSecurityGroups/nsg-training")
    assert subnet["properties"]["routeTable"]["id"].endswith("/routeTables/rt-training")


def test_301_quickstart_hub_and_spoke() -> None:
    planned = apply_plans(None, [load_plan(str(PLANS / "tf-301-hub-spoke-secure.json"))])
    found = scan(planned)
    by_id = {lid(r["id"]): r for r in planned.resources}
    hub = f"/subscriptions/{QUICKSTART_SUB}/resourceGroups/rg-hub-mlq-dev/providers/Microsoft.Network"
    peering = by_id[lid(f"{hub}/virtualNetworks/vnet-hub-mlq-dev/virtualNetworkPeerings/rg-hub-mlq-dev-to-rg-mlq-dev")]
    assert peering["properties"]["peeringState"] == "Connected"  # both directions are planned
    assert (
        peering["properties"]["remoteVirtualNetwork"]["id"] == f"{SPOKE}/Microsoft.Network/virtualNetworks/vnet-mlq-dev"
    )
    firewall = by_id[lid(f"{hub}/azureFirewalls/afw-mlq-dev")]
    assert firewall["properties"]["firewallPolicy"]["id"] == f"{hub}/firewallPolicies/afwp-base-01"
    assert (
        firewall["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"]["id"]
        == f"{hub}/publicIPAddresses/pip-azfw"
    )
    assert "privateIPAddress" not in firewall["properties"]["ipConfigurations"][0]["properties"]
    # The quickstart links its zones to the hub VNet only: the spoke resolves no private zone.
    assert status(found, "AML-NET-001", "/virtualnetworks/vnet-mlq-dev") == "fail"
    assert status(found, "AML-ST-002", "/storageaccounts/stmlqdev") == "pass"


def test_e2e_quickstart_in_azapi_scans_like_the_deployed_baseline(
    baseline: dict[tuple[str, str], tuple[str, str]],
) -> None:
    plan = load_plan(str(PLANS / "tf-e2e-secure-azapi.json"))
    planned = apply_plans(None, [plan])
    assert {k: v[0] for k, v in scan(planned).items()} == {k: v[0] for k, v in baseline.items()}


def test_moving_a_compute_to_another_vnet_fails_cmp_002(tenant: Inventory, baseline: Any) -> None:
    found = scan(apply_plans(tenant, [load_plan(str(PLANS / "tf-move-compute.json"))]))
    assert status(baseline, "AML-CMP-002", "/computes/ci-dev") == "pass"
    assert status(found, "AML-CMP-002", "/computes/ci-dev") == "fail"


def test_unknown_subnet_is_unknown_never_pass(tenant: Inventory) -> None:
    plan = load_plan(str(PLANS / "tf-unknown-subnet.json"))
    found = scan(apply_plans(tenant, [plan]))
    for rule in ("AML-CMP-001", "AML-CMP-002", "AML-CMP-003", "AML-CMP-004"):
        got, message = found[next(k for k in found if k[0] == rule and k[1].endswith("/computes/cpu-cluster"))]
        assert got == "unknown", rule
        assert "subnet.id known only after apply" in message


def test_deleting_the_blob_endpoint_fails_st_002(tenant: Inventory) -> None:
    found = scan(apply_plans(tenant, [load_plan(str(PLANS / "tf-delete-blob-pe.json"))]))
    assert status(found, "AML-ST-002", "/storageaccounts/stmlprodwe01") == "fail"


def test_module_inputs_resolve_through_the_module_call(tenant: Inventory, baseline: Any) -> None:
    plan = load_plan(str(PLANS / "tf-blob-pe-in-module.json"))
    planned = apply_plans(tenant, [plan])
    pe = next(r for r in planned.resources if r["id"].endswith("/pe-stmlprodwe01-blob"))
    assert pe["properties"]["subnet"]["id"].endswith("/virtualNetworks/vnet-ml/subnets/snet-pe")
    zone = pe["privateDnsZoneGroups"][0]["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"]
    assert zone.endswith("/privateDnsZones/privatelink.blob.core.windows.net")  # var.zone_id → the root's zone
    assert {k: v[0] for k, v in scan(planned).items()} == {k: v[0] for k, v in baseline.items()}


def _write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def _minimal(resource_changes: list[dict[str, Any]], version: str = "1.2") -> dict[str, Any]:
    return {"format_version": version, "terraform_version": "1.9.5", "resource_changes": resource_changes}


def _azapi(body: Any) -> dict[str, Any]:
    return {
        "address": "azapi_resource.vnet",
        "mode": "managed",
        "type": "azapi_resource",
        "name": "vnet",
        "provider_name": "registry.terraform.io/azure/azapi",
        "change": {
            "actions": ["create"],
            "before": None,
            "after": {
                "type": "Microsoft.Network/virtualNetworks@2024-05-01",
                "name": "vnet-x",
                "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-x",
                "location": "westeurope",
                "body": body,
            },
            "after_unknown": {"id": True},
        },
    }


def test_azapi_body_string_and_object_give_the_same_resource(tmp_path: Path) -> None:
    body = {"properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}
    as_object = load_plan(_write(tmp_path, _minimal([_azapi(body)]))).changes[0].body
    as_string = load_plan(_write(tmp_path, _minimal([_azapi(json.dumps(body))]))).changes[0].body
    assert as_object == as_string
    assert as_object == {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/vnet-x",
        "name": "vnet-x",
        "type": "Microsoft.Network/virtualNetworks",
        "location": "westeurope",
        **body,
    }


def test_azapi_update_resource_merges_into_the_current_body(tmp_path: Path, tenant: Inventory) -> None:
    storage = next(r for r in tenant.resources if r["id"].endswith("/stmlprodwe01"))
    change = _azapi({"properties": {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow"}}})
    change.update(type="azapi_update_resource", address="azapi_update_resource.open")
    change["change"]["after"].update(type="Microsoft.Storage/storageAccounts@2023-05-01", resource_id=storage["id"])
    planned = apply_plans(tenant, [load_plan(_write(tmp_path, _minimal([change])))])
    got = next(r for r in planned.resources if r["id"] == storage["id"])
    assert got["properties"]["networkAcls"]["defaultAction"] == "Allow"
    assert got["properties"]["networkAcls"]["bypass"] == storage["properties"]["networkAcls"]["bypass"]
    assert status(scan(planned), "AML-ST-001", "/stmlprodwe01") == "fail"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (_minimal([_azapi({})], version="2.0"), "unsupported Terraform JSON format_version '2.0'"),
        (_minimal([_azapi("{not json")]), "malformed body string"),
        (_minimal([_azapi(["a list"])]), "body must be an object or a JSON string"),
        (
            _minimal(
                [
                    {
                        "address": "aws_s3_bucket.b",
                        "mode": "managed",
                        "type": "aws_s3_bucket",
                        "name": "b",
                        "provider_name": "registry.terraform.io/hashicorp/aws",
                        "change": {"actions": ["create"], "before": None, "after": {}, "after_unknown": {}},
                    }
                ]
            ),
            "no Azure resources",
        ),
        (_minimal([]), "no Azure resources"),
        (_minimal([{**_azapi({}), "change": {"actions": ["explode"], "after": {}}}]), "unknown actions"),
    ],
)
def test_bad_terraform_plan_is_an_input_error(tmp_path: Path, document: Any, problem: str) -> None:
    with pytest.raises(InputError) as err:
        load_plan(_write(tmp_path, document))
    assert problem in str(err.value)


def test_unread_types_are_counted_not_mapped(tmp_path: Path) -> None:
    change = copy.deepcopy(_azapi({}))
    change["change"]["after"]["type"] = "Microsoft.Web/sites@2023-01-01"
    plan = load_plan(_write(tmp_path, _minimal([change, _azapi({})])))
    assert plan.ignored == {"Microsoft.Web/sites": 1}
    assert [c.resource_type for c in plan.changes] == ["Microsoft.Network/virtualNetworks"]


def test_terraform_fixtures_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(PLANS / "build_terraform.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_terraform_docs_are_current() -> None:
    from auditor.plan.docs import DOC, terraform_markdown

    assert DOC.read_text(encoding="utf-8") == terraform_markdown(), "regenerate: python -m auditor.plan.docs"


_LISTS = {"refs", "csv", "allow_values", "values", "allow_ids", "services", "zone_configs", "protocols"}


def _sample(fields: tuple[Any, ...]) -> dict[str, Any]:
    """Terraform values for every attribute a mapping reads (blocks as one-element lists)."""
    from auditor.plan.mapping import F

    out: dict[str, Any] = {}
    for field in fields:
        *blocks, last = field.tf.split(".")
        target = out
        for block in blocks:
            target = target.setdefault(block, [{}])[0]
        if isinstance(field, F):
            value: Any = True if field.conv in ("enabled", "not") else f"v-{last}"
            if field.conv in _LISTS:
                value = [{"type": "Https", "port": 443}] if field.conv == "protocols" else [f"/x/v-{last}"]
            if field.conv == "present":
                value = [{}]
            target[last] = value
        else:
            item = _sample(field.item)
            if field.where:
                item[field.where[0]] = field.where[1]
            target[last] = [item]
    return out


@pytest.mark.parametrize("mapping", MAPPINGS, ids=lambda m: m.tf_type)
def test_every_mapping_builds_each_arm_path(mapping: Any) -> None:
    from auditor.plan.build import Builder
    from auditor.plan.mapping import F
    from auditor.plan.model import Plan
    from auditor.plan.values import Values

    after = _sample(mapping.fields)
    for key in (
        "name",
        "resource_group_name",
        "virtual_network_name",
        "network_security_group_name",
        "route_table_name",
        "private_dns_zone_name",
    ):
        after.setdefault(key, f"v-{key}")
    for key in (
        "workspace_id",
        "machine_learning_workspace_id",
        "storage_account_id",
        "subnet_id",
        "kubernetes_cluster_id",
        "firewall_policy_id",
        "nat_gateway_id",
    ):
        after.setdefault(key, f"/subscriptions/{SUB}/resourceGroups/rg/providers/T/t/v-{key}")
    plan = Plan("p", "terraform")
    Builder(SUB, plan).put(mapping, Values("addr", after, {}, None, ""))
    assert not plan.errors
    built = plan.changes[0].body if plan.changes else {"patch": plan.patches[0].value}

    def has(data: Any, path: list[str]) -> bool:
        for step in path:
            if isinstance(data, list):
                data = data[0] if data else None
            if not isinstance(data, dict) or step not in data:
                return False
            data = data[step]
        return True

    def check(fields: tuple[Any, ...], data: Any) -> None:
        taken: dict[str, int] = {}  # blocks that add to the same ARM list fill it in their order
        for field in fields:
            path = field.arm.split(".")
            assert has(data, path), (mapping.tf_type, field.arm)
            if not isinstance(field, F):
                entries = data
                for step in path:
                    entries = entries[0][step] if isinstance(entries, list) else entries[step]
                if not entries and field.where:  # the sample block took the other branch of `where`
                    continue
                index = taken[field.arm] = taken.get(field.arm, -1) + 1
                check(field.item, entries[index])

    check(mapping.fields, built.get("patch", built))


def test_in_place_update_merges_into_the_current_body(tenant: Inventory) -> None:
    planned = apply_plans(tenant, [load_plan(str(PLANS / "tf-open-storage-firewall.json"))])
    before = next(r for r in tenant.resources if r["id"].endswith("/stmlprodwe01"))
    after = next(r for r in planned.resources if r["id"].endswith("/stmlprodwe01"))
    assert after["properties"]["networkAcls"]["defaultAction"] == "Allow"
    # What the azurerm mapping does not read stays as the current state has it.
    for kept in ("privateEndpointConnections", "supportsHttpsTrafficOnly"):
        assert after["properties"][kept] == before["properties"][kept]
    assert status(scan(planned), "AML-ST-001", "/stmlprodwe01") == "fail"


def test_a_replaced_resource_takes_the_planned_body_alone(tenant: Inventory) -> None:
    planned = apply_plans(tenant, [load_plan(str(PLANS / "tf-move-compute.json"))])
    ci_dev = next(r for r in planned.resources if r["id"].endswith("/computes/ci-dev"))
    assert "applicationSharingPolicy" not in ci_dev["properties"]["properties"]  # recreated from the plan


def test_applying_plans_changes_neither_the_current_state_nor_the_plans(tenant: Inventory) -> None:
    names = [
        "tf-open-storage-firewall.json",
        "tf-delete-blob-pe.json",
        "tf-blob-pe-in-module.json",
        "tf-move-compute.json",
    ]
    plans = [load_plan(str(PLANS / name)) for name in names]
    plans.append(load_plan(str(PLANS.parent / "plans" / "whatif-baseline-create.json")))
    before = copy.deepcopy((tenant.resources, plans))
    first = apply_plans(tenant, plans)
    second = apply_plans(tenant, plans)
    assert (tenant.resources, plans) == before
    assert first.resources == second.resources


def test_unknown_values_inside_an_azapi_body_are_missing_data(tmp_path: Path, tenant: Inventory) -> None:
    # A compute whose body names a subnet the plan creates: Terraform keeps only the references of
    # an object expression, so the id cannot be placed; it stays unknown.
    compute = next(r for r in tenant.resources if r["id"].endswith("/computes/cpu-cluster"))
    body = {"properties": copy.deepcopy(compute["properties"])}
    body["properties"]["properties"]["subnet"] = {"id": None}
    change = _azapi(body)
    change["change"]["after"].update(
        type="Microsoft.MachineLearningServices/workspaces/computes@2024-10-01",
        name="cpu-cluster",
        parent_id=compute["id"].rsplit("/computes/", 1)[0],
    )
    change["change"]["after_unknown"] = {"id": True, "body": {"properties": {"properties": {"subnet": {"id": True}}}}}
    planned = apply_plans(tenant, [load_plan(_write(tmp_path, _minimal([change])))])
    got = next(r for r in planned.resources if r["id"] == compute["id"])
    assert got["properties"]["properties"]["subnet"]["id"].startswith("/known-after-apply/azapi_resource.vnet/")
    found = scan(planned)
    for rule in ("AML-CMP-001", "AML-CMP-002", "AML-CMP-004"):
        assert status(found, rule, "/computes/cpu-cluster") == "unknown", rule
