"""ARM what-if results overlaid on the current state: the planned topology judged by the same rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from auditor.arm import lid
from auditor.engine import load_rules, scan_inventory
from auditor.errors import InputError
from auditor.inventory import Inventory, load_inventory
from auditor.plan import apply_plans, load_plan
from auditor.plan.overlay import AUTOMATIC_ASSUMED, MANUAL_ASSUMED
from auditor.plan.whatif import read_whatif

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "fixtures" / "plans"
TENANT = str(ROOT / "fixtures" / "sample-tenant")
CASES = sorted((ROOT / "fixtures" / "cases").glob("*.json"))
RULES = load_rules()
BLOB_PE = "pe-stmlprodwe01-blob"


def statuses(inventory: Inventory) -> dict[tuple[str, str, str], str]:
    return {
        (r.rule_id, lid(r.workspace_id), lid(r.resource_id)): str(r.status)
        for r in scan_inventory(inventory, RULES).results
    }


def results(inventory: Inventory) -> list[tuple[str, str, str, str, str]]:
    return sorted(
        (r.rule_id, lid(r.workspace_id), lid(r.resource_id), str(r.status), r.message)
        for r in scan_inventory(inventory, RULES).results
    )


def of_rule(found: dict[tuple[str, str, str], str], rule: str) -> dict[str, str]:
    return {resource: status for (rule_id, _, resource), status in found.items() if rule_id == rule}


def whatif(changes: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"status": "Succeeded", "error": None, "changes": changes, **extra}


@pytest.fixture(scope="module")
def tenant() -> Inventory:
    return load_inventory([TENANT])


@pytest.mark.parametrize("path", [TENANT, *map(str, CASES)], ids=lambda p: Path(p).stem)
def test_create_of_every_resource_scans_like_the_inventory(path: str) -> None:
    inventory = load_inventory([path])
    document = whatif([{"resourceId": r["id"], "changeType": "Create", "after": r} for r in inventory.resources])
    plan = read_whatif(json.loads(json.dumps(document)), "plan.json")
    # A snapshot's recorded collection errors and its cloud stay with the current state (which holds nothing
    # else).
    current = Inventory(errors=inventory.errors, meta=inventory.meta) if inventory.errors or inventory.meta else None
    planned = apply_plans(current, [plan])
    assert results(planned) == results(inventory)


def test_plan_creating_the_baseline_from_nothing_scans_like_the_deployed_baseline(tenant: Inventory) -> None:
    plan = load_plan(str(PLANS / "whatif-baseline-create.json"))
    planned = apply_plans(None, [plan])
    assert statuses(planned) == statuses(tenant)
    # The bodies had no connection state: the assumption is stated in the planned endpoints.
    pe = next(r for r in planned.resources if r["id"].endswith(BLOB_PE))
    state = pe["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]
    assert state == {"status": "Approved", "amlauditAssumed": AUTOMATIC_ASSUMED}
    # ... and in the evidence of the results that rely on it.
    st_002 = next(r for r in scan_inventory(planned, RULES).results if r.rule_id == "AML-ST-002")
    assert {e["assumed"] for e in st_002.evidence["private_endpoints"]} == {AUTOMATIC_ASSUMED}
    assert "assumed" not in json.dumps(
        next(r for r in scan_inventory(tenant, RULES).results if r.rule_id == "AML-ST-002").evidence
    )
    assert plan.ignored == {"Microsoft.Resources/resourceGroups": 1}
    assert any("1 resources of types amlaudit does not read ignored" in w for w in planned.warnings)


def test_deleting_the_blob_endpoint_fails_st_002(tenant: Inventory) -> None:
    before = statuses(tenant)
    plan = load_plan(str(PLANS / "whatif-delete-blob-pe.json"))  # the REST shape: properties.changes
    assert {c.action for c in plan.changes} == {"delete", "put"}
    planned = apply_plans(tenant, [plan])
    after = statuses(planned)
    assert set(of_rule(before, "AML-ST-002").values()) == {"pass"}
    assert set(of_rule(after, "AML-ST-002").values()) == {"fail"}
    # The file endpoint still puts the storage in the workspace's VNet: ST-003 passes (catalogue).
    assert set(of_rule(after, "AML-ST-003").values()) == {"pass"}
    assert not any(BLOB_PE in lid(r["id"]) for r in planned.resources)


def test_moving_the_storage_endpoints_out_of_the_workspace_vnet_fails_st_003(tenant: Inventory) -> None:
    plan = load_plan(str(PLANS / "whatif-move-storage-endpoints.json"))
    after = statuses(apply_plans(tenant, [plan]))
    assert set(of_rule(statuses(tenant), "AML-ST-003").values()) == {"pass"}
    assert set(of_rule(after, "AML-ST-003").values()) == {"fail"}


def test_moving_a_compute_to_another_vnet_fails_cmp_002(tenant: Inventory) -> None:
    plan = load_plan(str(PLANS / "whatif-move-compute.json"))
    after = of_rule(statuses(apply_plans(tenant, [plan])), "AML-CMP-002")
    assert after[next(k for k in after if k.endswith("/computes/ci-dev"))] == "fail"
    assert of_rule(statuses(tenant), "AML-CMP-002")[next(k for k in after if k.endswith("/computes/ci-dev"))] == "pass"


def test_unsupported_change_is_missing_data_never_pass(tenant: Inventory) -> None:
    plan = load_plan(str(PLANS / "whatif-unsupported-blob-pe.json"))
    planned = apply_plans(tenant, [plan])
    assert not any(r["id"].endswith(BLOB_PE) for r in planned.resources)
    after = statuses(planned)
    assert set(of_rule(after, "AML-ST-002").values()) == {"unknown"}
    # Proven by the known file endpoint whatever the hidden one does: a shared VNet exists.
    assert set(of_rule(after, "AML-ST-003").values()) == {"pass"}
    assert planned.errors[-1]["code"] == "WhatIfUnsupported"


def test_failed_whatif_is_missing_data(tenant: Inventory) -> None:
    plan = load_plan(str(PLANS / "whatif-failed.json"))
    planned = apply_plans(tenant, [plan])
    assert planned.errors == [
        {
            "code": "WhatIfFailed",
            "message": "what-if status Failed: InvalidTemplateDeployment: The template deployment 'main' is not "
            "valid according to the validation procedure.",
            "resource_types": [],
        }
    ]
    # The rules that ask whether data is hidden are `unknown` where they were decided on the current state.
    found, current = statuses(planned), statuses(tenant)
    for rule in ("AML-WS-005", "AML-NET-003", "AML-STU-001"):
        assert "unknown" not in of_rule(current, rule).values()
        assert set(of_rule(found, rule).values()) == {"unknown"}, rule
    assert any("what-if status 'Failed'" in w for w in planned.warnings)


def test_ignore_keeps_the_current_resource(tenant: Inventory) -> None:
    pe = next(r for r in tenant.resources if r["id"].endswith(BLOB_PE))
    plan = read_whatif(whatif([{"resourceId": pe["id"].upper(), "changeType": "Ignore", "before": pe}]), "p")
    planned = apply_plans(tenant, [plan])
    assert statuses(planned) == statuses(tenant)


def test_ids_match_case_insensitively(tenant: Inventory) -> None:
    pe = next(r for r in tenant.resources if r["id"].endswith(BLOB_PE))
    plan = read_whatif(whatif([{"resourceId": pe["id"].upper(), "changeType": "Delete", "before": pe}]), "p")
    planned = apply_plans(tenant, [plan])
    assert not any(r["id"].endswith(BLOB_PE) for r in planned.resources)


def test_manual_connection_of_a_planned_endpoint_is_pending(tenant: Inventory) -> None:
    pe = copy.deepcopy(next(r for r in tenant.resources if r["id"].endswith(BLOB_PE)))
    entry = pe["properties"].pop("privateLinkServiceConnections")[0]
    del entry["properties"]["privateLinkServiceConnectionState"]
    pe["properties"]["manualPrivateLinkServiceConnections"] = [entry]
    storage = copy.deepcopy(next(r for r in tenant.resources if r["id"].endswith("/stmlprodwe01")))
    storage["properties"]["privateEndpointConnections"] = [
        c for c in storage["properties"]["privateEndpointConnections"] if BLOB_PE not in json.dumps(c)
    ]
    changes = [
        {"resourceId": pe["id"], "changeType": "Modify", "after": pe},
        {"resourceId": storage["id"], "changeType": "Modify", "after": storage},
    ]
    planned = apply_plans(tenant, [read_whatif(whatif(changes), "p")])
    got = next(r for r in planned.resources if r["id"].endswith(BLOB_PE))
    state = got["properties"]["manualPrivateLinkServiceConnections"][0]["properties"]
    assert state["privateLinkServiceConnectionState"] == {"status": "Pending", "amlauditAssumed": MANUAL_ASSUMED}
    assert "fail" in of_rule(statuses(planned), "AML-ST-002").values()


def test_deleting_an_inline_subnet_removes_it_from_its_vnet(tenant: Inventory) -> None:
    vnet = next(r for r in tenant.resources if r["id"].endswith("/vnet-ml"))
    subnet_id = vnet["id"] + "/subnets/snet-training"
    plan = read_whatif(whatif([{"resourceId": subnet_id, "changeType": "Delete"}]), "p")
    planned = apply_plans(tenant, [plan])
    planned_vnet = next(r for r in planned.resources if r["id"].endswith("/vnet-ml"))
    assert "snet-training" not in [s["name"] for s in planned_vnet["properties"]["subnets"]]
    assert "snet-training" in [s["name"] for s in vnet["properties"]["subnets"]]  # the current state is untouched


def test_plans_apply_in_order(tenant: Inventory) -> None:
    pe = next(r for r in tenant.resources if r["id"].endswith(BLOB_PE))
    delete = read_whatif(whatif([{"resourceId": pe["id"], "changeType": "Delete"}]), "a")
    create = read_whatif(whatif([{"resourceId": pe["id"], "changeType": "Create", "after": pe}]), "b")
    assert statuses(apply_plans(tenant, [delete, create])) == statuses(tenant)
    assert not any(r["id"].endswith(BLOB_PE) for r in apply_plans(tenant, [create, delete]).resources)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"changes": [{"resourceId": "/x", "changeType": "Create"}]}, "no predicted body"),
        ({"changes": [{"changeType": "Create", "after": {}}]}, 'no "resourceId"'),
        ({"changes": [{"resourceId": "/x", "changeType": "Explode"}]}, "unknown changeType"),
        ({"changes": "nope"}, "not a plan"),
        ({"changes": [{"resourceId": "/x", "changeType": "Create", "after": "body"}]}, '"after" must be an object'),
        ({"status": "Succeeded", "changes": []}, "what-if result without changes"),
        ([], "not a plan"),
    ],
)
def test_bad_whatif_is_an_input_error(tmp_path: Path, document: Any, problem: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_plan(str(path))
    assert problem in str(err.value)
    assert "\n" not in str(err.value)


def test_resource_id_only_fixture_is_refused() -> None:
    with pytest.raises(InputError, match="ResourceIdOnly"):
        load_plan(str(PLANS / "whatif-resource-id-only.json"))


def test_whatif_fixtures_are_current() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(PLANS / "build_whatif.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_potential_changes_are_missing_data(tenant: Inventory) -> None:
    pe = next(r for r in tenant.resources if r["id"].endswith(BLOB_PE))
    document = whatif([], potentialChanges=[{"resourceId": pe["id"], "changeType": "Modify", "after": pe}])
    planned = apply_plans(tenant, [read_whatif(document, "p")])
    assert planned.errors[-1]["code"] == "WhatIfPotentialChange"
    assert set(of_rule(statuses(planned), "AML-WS-005").values()) == {"unknown"}
    assert any("1 potential changes" in w for w in planned.warnings)


def test_a_planned_peering_without_its_reverse_is_initiated(tenant: Inventory) -> None:
    vnet = next(r for r in tenant.resources if r["id"].endswith("/vnet-ml"))
    peering_id = vnet["id"] + "/virtualNetworkPeerings/to-hub"
    peering = {
        "id": peering_id,
        "name": "to-hub",
        "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        "properties": {"remoteVirtualNetwork": {"id": vnet["id"].replace("vnet-ml", "vnet-hub")}},
    }
    planned = apply_plans(
        tenant, [read_whatif(whatif([{"resourceId": peering_id, "changeType": "Create", "after": peering}]), "p")]
    )
    got = next(r for r in planned.resources if r["id"] == peering_id)["properties"]
    assert got["peeringState"] == "Initiated"
    assert "no reverse peering" in got["amlauditAssumed"]


def test_a_child_named_as_in_its_template_gets_its_arm_name(tenant: Inventory) -> None:
    compute = copy.deepcopy(next(r for r in tenant.resources if r["id"].endswith("/computes/cpu-cluster")))
    compute["name"] = "mlw-prod/cpu-cluster"
    planned = apply_plans(
        tenant, [read_whatif(whatif([{"resourceId": compute["id"], "changeType": "Modify", "after": compute}]), "p")]
    )
    assert next(r for r in planned.resources if r["id"] == compute["id"])["name"] == "cpu-cluster"
    assert statuses(planned) == statuses(tenant)  # AML-CR-005 still finds its image-build compute by name
