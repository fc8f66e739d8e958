"""The engine: rule loading, subjects, projects, collection errors and missing data (catalogue §2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from arm_builders import ML, NET, RG, SUB, compute, private_endpoint, storage, subnet_id, vault, vnet, workspace

from auditor.engine import load_rules, scan_inventory
from auditor.errors import InputError
from auditor.inventory import Inventory
from auditor.model import Status, fingerprint_of

RULES = load_rules()


def scan(resources, errors=(), **kw):
    return scan_inventory(Inventory(resources=list(resources), errors=list(errors)), RULES, **kw)


def status_of(result_set, rule_id, subject_suffix=None):
    found = [
        r
        for r in result_set.results
        if r.rule_id == rule_id and (subject_suffix is None or r.resource_id.lower().endswith(subject_suffix.lower()))
    ]
    assert found, f"no result for {rule_id} {subject_suffix}"
    return {r.status for r in found} if len(found) > 1 else found[0].status


def private_baseline():
    """A private workspace with storage and vault endpoints in one VNet."""
    ws = workspace("w")
    sa, kv = storage("stw"), vault("kvw")
    net = vnet("v")
    pes = [
        private_endpoint("pe-ws", ws["id"], "amlworkspace", subnet_id("v")),
        private_endpoint("pe-blob", sa["id"], "blob", subnet_id("v")),
        private_endpoint("pe-file", sa["id"], "file", subnet_id("v")),
        private_endpoint("pe-kv", kv["id"], "vault", subnet_id("v")),
    ]
    return [ws, sa, kv, net, *pes]


def test_every_rule_of_the_catalogue_is_registered_once() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) == 42
    assert ids[0] == "AML-WS-001" and ids[-1] == "AML-EGR-003"


def test_every_rule_gives_at_least_one_result_per_workspace() -> None:
    result = scan(private_baseline())
    assert {r.rule_id for r in result.results} == {r.id for r in RULES}


def test_fingerprint_is_stable_and_per_workspace() -> None:
    result = scan(private_baseline())
    r = next(x for x in result.results if x.rule_id == "AML-WS-001")
    assert r.fingerprint == fingerprint_of("aml-ws-001", r.workspace_id.upper(), r.resource_id)


def test_absent_storage_never_passes_its_rules() -> None:
    resources = [r for r in private_baseline() if r["type"] != "Microsoft.Storage/storageAccounts"]
    result = scan(resources)
    st = [r for r in result.results if r.rule_id.startswith("AML-ST-")]
    assert st and all(r.status in (Status.UNKNOWN, Status.NOT_APPLICABLE) for r in st)
    assert status_of(result, "AML-ST-001") == Status.UNKNOWN
    # A blob endpoint shares the workspace VNet, but an absent storage never passes its own rules.
    assert status_of(result, "AML-ST-003") == Status.UNKNOWN


def test_workspace_without_storage_reference_gets_one_result_per_storage_rule() -> None:
    resources = private_baseline()
    resources[0]["properties"].pop("storageAccount")
    result = scan(resources)
    for rule_id in ("AML-ST-001", "AML-ST-002", "AML-ST-003", "AML-ST-004", "AML-ST-005"):
        [r] = [x for x in result.results if x.rule_id == rule_id]
        assert r.resource_id == resources[0]["id"]
        assert r.status in (Status.UNKNOWN, Status.NOT_APPLICABLE)
    assert status_of(result, "AML-ST-005") == Status.NOT_APPLICABLE  # WS is not internet-reachable


def test_collection_error_on_endpoints_makes_endpoint_rules_unknown() -> None:
    resources = [r for r in private_baseline() if r["type"] != "Microsoft.Network/privateEndpoints"]
    errors = [
        {
            "scope": f"/subscriptions/{SUB}",
            "status": 403,
            "code": "AuthorizationFailed",
            "message": "denied",
            "resource_types": ["Microsoft.Network/privateEndpoints"],
        }
    ]
    result = scan(resources, errors)
    assert status_of(result, "AML-WS-001") == Status.UNKNOWN
    assert "AuthorizationFailed" in next(r.message for r in result.results if r.rule_id == "AML-WS-001")
    assert result.workspaces[0]["scenario"] == "unknown"
    # The same inventory without the error: endpoints are simply absent, so WS-001 fails.
    assert status_of(scan(resources), "AML-WS-001") == Status.FAIL


def test_collection_error_hiding_subjects_gives_one_unknown() -> None:
    ws_id = private_baseline()[0]["id"]
    errors = [
        {
            "scope": ws_id,
            "status": 404,
            "code": "NoRegisteredProviderFound",
            "resource_types": ["Microsoft.MachineLearningServices/workspaces/labelingJobs"],
        }
    ]
    result = scan(private_baseline(), errors)
    [r] = [x for x in result.results if x.rule_id == "AML-STU-002"]
    assert (r.status, r.resource_id) == (Status.UNKNOWN, ws_id)
    assert status_of(scan(private_baseline()), "AML-STU-002") == Status.NOT_APPLICABLE


def test_project_reports_every_rule_once_naming_its_hub() -> None:
    hub = workspace("hub")
    hub["kind"] = "Hub"
    project = workspace("proj", hubResourceId=hub["id"].upper())
    project["kind"] = "Project"
    result = scan([hub, project, *private_baseline()[1:]])
    mine = [r for r in result.results if r.workspace_id == project["id"]]
    assert len(mine) == len(RULES) and {r.status for r in mine} == {Status.NOT_APPLICABLE}
    assert all("hub" in r.message for r in mine)
    summary = {w["name"]: w for w in result.workspaces}
    assert summary["proj"]["scenario"] == summary["hub"]["scenario"]
    assert summary["proj"]["posture"] == summary["hub"]["posture"]


def test_project_with_absent_hub_is_unknown() -> None:
    project = workspace("proj", hubResourceId=f"{ML}/workspaces/gone")
    result = scan([project])
    assert {r.status for r in result.results} == {Status.UNKNOWN}
    assert result.workspaces[0]["scenario"] == "unknown"


def test_key_vault_reachable_only_through_peering() -> None:
    resources = private_baseline()
    kv_pe = next(r for r in resources if r["name"] == "pe-kv")
    kv_pe["properties"]["subnet"]["id"] = subnet_id("hub")
    hub = vnet("hub")
    spoke = next(r for r in resources if r["name"] == "v")
    hub["properties"]["virtualNetworkPeerings"] = [
        {"name": "h2s", "properties": {"remoteVirtualNetwork": {"id": spoke["id"]}, "peeringState": "Connected"}}
    ]
    result = scan([*resources, hub])
    assert status_of(result, "AML-KV-002") == Status.FAIL  # one-sided: not peered
    assert status_of(result, "AML-NET-003", "/hub") == Status.FAIL
    spoke["properties"]["virtualNetworkPeerings"] = [
        {"name": "s2h", "properties": {"remoteVirtualNetwork": {"id": hub["id"].lower()}, "peeringState": "Connected"}}
    ]
    result = scan([*resources, hub])
    kv002 = next(r for r in result.results if r.rule_id == "AML-KV-002")
    assert kv002.status == Status.PASS and "same VNet is recommended" in kv002.message
    assert status_of(result, "AML-NET-003", "/hub") == Status.PASS


def test_compute_rules_in_managed_network_skip_subnet_rules() -> None:
    resources = private_baseline()
    resources[0]["properties"]["managedNetwork"] = {"isolationMode": "AllowInternetOutbound"}
    resources.append(
        compute(
            "w", "cluster", enableNodePublicIp=True, remoteLoginPortPublicAccess="Enabled", computeLocation="westeurope"
        )
    )
    result = scan(resources)
    for rule_id in ("AML-CMP-001", "AML-CMP-002", "AML-CMP-004", "AML-CMP-005", "AML-CMP-006", "AML-CMP-007"):
        assert status_of(result, rule_id, "/cluster") == Status.NOT_APPLICABLE
    assert status_of(result, "AML-CMP-003", "/cluster") == Status.PASS
    assert status_of(result, "AML-CMP-008", "/cluster") == Status.FAIL
    assert status_of(result, "AML-CMP-009", "/cluster") == Status.FAIL


def test_public_ip_compute_nsg_semantics() -> None:
    resources = private_baseline()
    net = next(r for r in resources if r["name"] == "v")
    nsg_id = f"{NET}/networkSecurityGroups/n"
    net["properties"]["subnets"].append(
        {"name": "train", "properties": {"addressPrefix": "10.0.1.0/24", "networkSecurityGroup": {"id": nsg_id}}}
    )
    resources.append(compute("w", "cpu", subnet={"id": subnet_id("v", "train")}))
    assert status_of(scan(resources), "AML-CMP-005", "/cpu") == Status.UNKNOWN  # NSG referenced, absent
    from arm_builders import nsg, nsg_rule

    resources.append(nsg("n", [nsg_rule("deny", 100, access="Deny", sourceAddressPrefix="*"), nsg_rule("allow", 110)]))
    assert status_of(scan(resources), "AML-CMP-005", "/cpu") == Status.FAIL
    resources[-1] = nsg("n", [nsg_rule("allow", 100)])
    assert status_of(scan(resources), "AML-CMP-005", "/cpu") == Status.PASS


def test_rule_that_crashes_on_malformed_data_is_unknown_not_a_traceback() -> None:
    resources = private_baseline()
    resources[0]["properties"]["privateEndpointConnections"] = ["not-an-object", {"properties": 7}]
    result = scan(resources)
    assert {r.rule_id for r in result.results} == {r.id for r in RULES}


def test_workspace_filter_matches_name_or_id_case_insensitively() -> None:
    resources = [*private_baseline(), workspace("other")]
    assert [w["name"] for w in scan(resources, workspace_filters=["W"]).workspaces] == ["w"]
    assert len(scan(resources, workspace_filters=[resources[0]["id"].lower()]).workspaces) == 1
    with pytest.raises(InputError, match="nothing|no workspace"):
        scan(resources, workspace_filters=["missing"])


def test_custom_rules_dir_is_loaded_and_duplicates_refused(tmp_path: Path) -> None:
    (tmp_path / "org.py").write_text(
        "from auditor.rulekit import PASS, Severity, rule\n"
        "@rule(id='ORG-001', title='t', severity=Severity.LOW, family='custom', rationale='r', remediation='m',\n"
        "      source='s', help_uri='https://example.invalid', reads=())\n"
        "def org(ctx):\n    yield ctx.finding(PASS, ctx.id, 'ok')\n"
    )
    rules = load_rules([tmp_path])
    assert rules[-1].id == "ORG-001"
    (tmp_path / "dup.py").write_text(
        "from importlib import import_module\n"
        "import sys\nORG = [m for n, m in sys.modules.items() if n.endswith('_org')]\n"
        "from auditor.rulekit import PASS, Severity, rule\n"
        "@rule(id='AML-WS-001', title='t', severity=Severity.LOW, family='x', "
        "rationale='r', remediation='m', source='s', help_uri='u', reads=())\n"
        "def dup(ctx):\n    return []\n"
    )
    with pytest.raises(InputError, match="defined twice"):
        load_rules([tmp_path])


def test_broken_rule_module_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("raise RuntimeError('boom')\n")
    with pytest.raises(InputError, match="bad.py"):
        load_rules([tmp_path])
    with pytest.raises(InputError, match="not found"):
        load_rules([tmp_path / "nope"])


def test_scan_result_is_deterministic() -> None:
    a = [r.to_dict() for r in scan(private_baseline()).results]
    b = [r.to_dict() for r in scan(list(reversed(private_baseline()))).results]
    assert a == b


def online_endpoint(ws_id: str) -> dict:
    """A managed online endpoint of the workspace, scoring privately."""
    return {
        "id": f"{ws_id}/onlineEndpoints/ep",
        "name": "ep",
        "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        "properties": {"publicNetworkAccess": "Disabled"},
    }


def test_error_on_a_child_list_under_the_workspace_hides_those_subjects() -> None:
    resources = private_baseline()
    ws_id = resources[0]["id"]
    endpoint = online_endpoint(ws_id)
    errors = [
        {
            "scope": endpoint["id"],
            "status": 403,
            "resource_types": ["Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"],
        }
    ]
    [r] = [x for x in scan([*resources, endpoint], errors).results if x.rule_id == "AML-INF-002"]
    assert (r.status, r.resource_id) == (Status.UNKNOWN, ws_id)
    [r] = [x for x in scan([*resources, endpoint]).results if x.rule_id == "AML-INF-002"]
    assert r.status == Status.NOT_APPLICABLE


def test_deployment_kind_decides_whether_egress_is_judged() -> None:
    resources = private_baseline()
    ws_id = resources[0]["id"]
    endpoint = online_endpoint(ws_id)

    def deployment(name: str, **props: str) -> dict:
        return {
            "id": f"{endpoint['id']}/deployments/{name}",
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
            "properties": props,
        }

    deployments = [
        deployment("managed", endpointComputeType="Managed"),  # egress absent = Enabled: fail
        deployment("private", endpointComputeType="Managed", egressPublicNetworkAccess="Disabled"),
        deployment("k8s", endpointComputeType="Kubernetes"),  # not a managed deployment: no subject
        deployment("unsaid"),  # whether it is managed is unknown
    ]
    result = scan([*resources, endpoint, *deployments])
    assert status_of(result, "AML-INF-002", "/managed") == Status.FAIL
    assert status_of(result, "AML-INF-002", "/private") == Status.PASS
    assert status_of(result, "AML-INF-002", "/unsaid") == Status.UNKNOWN
    assert not [r for r in result.results if r.resource_id.endswith("/k8s")]


def test_every_builtin_rule_states_its_catalogue_clauses() -> None:
    for rule in RULES:
        assert rule.applies_when and rule.fails_when, rule.id
        assert rule.remediation and rule.rationale and rule.help_uri.startswith("https://learn.microsoft.com/")


def test_hub_and_spoke_relations() -> None:
    """Workspace, storage and zones in the hub; vault endpoint and compute in a peered spoke."""
    ws = workspace("w")
    sa, kv = storage("stw"), vault("kvw")
    hub, spoke = vnet("hub"), vnet("spoke", {"train": {"addressPrefix": "10.1.0.0/24"}})
    hub["properties"]["virtualNetworkPeerings"] = [
        {"name": "h2s", "properties": {"remoteVirtualNetwork": {"id": spoke["id"]}, "peeringState": "Connected"}}
    ]
    spoke["properties"]["virtualNetworkPeerings"] = [
        {"name": "s2h", "properties": {"remoteVirtualNetwork": {"id": hub["id"].upper()}, "peeringState": "Connected"}}
    ]
    pes = [
        private_endpoint("pe-ws", ws["id"], "amlworkspace", subnet_id("hub")),
        private_endpoint("pe-blob", sa["id"], "blob", subnet_id("hub")),
        private_endpoint("pe-file", sa["id"], "file", subnet_id("hub")),
        private_endpoint("pe-kv", kv["id"], "vault", subnet_id("spoke", "train")),
    ]
    zones = []
    for name in (
        "privatelink.api.azureml.ms",
        "privatelink.notebooks.azure.net",
        "privatelink.blob.core.windows.net",
        "privatelink.file.core.windows.net",
        "privatelink.vaultcore.azure.net",
    ):
        zone_id = f"{RG}/providers/Microsoft.Network/privateDnsZones/{name}"
        zones.append({"id": zone_id, "name": name, "type": "Microsoft.Network/privateDnsZones", "properties": {}})
        zones.append(
            {
                "id": f"{zone_id}/virtualNetworkLinks/hub",
                "name": "hub",
                "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                "properties": {"virtualNetwork": {"id": hub["id"]}},
            }
        )
    cluster = compute("w", "cpu", subnet={"id": subnet_id("spoke", "train")}, enableNodePublicIp=False)
    result = scan([ws, sa, kv, hub, spoke, *pes, *zones, cluster])
    assert status_of(result, "AML-ST-003") == Status.PASS
    kv002 = next(r for r in result.results if r.rule_id == "AML-KV-002")
    assert kv002.status == Status.PASS and "peered" in kv002.evidence["reached_via"]
    assert status_of(result, "AML-NET-003", "/spoke") == Status.PASS
    assert status_of(result, "AML-CMP-002", "/cpu") == Status.FAIL  # same VNet as the workspace, not a peer
    assert status_of(result, "AML-CMP-007", "/cpu") == Status.PASS
    assert status_of(result, "AML-NET-001", "/hub") == Status.PASS
    net001_spoke = next(r for r in result.results if r.rule_id == "AML-NET-001" and r.resource_id.endswith("/spoke"))
    assert net001_spoke.status == Status.FAIL
    assert net001_spoke.evidence["unlinked_zones"] == ["privatelink.vaultcore.azure.net"]
    assert result.workspaces[0]["posture"]["key_vault"] == "private-endpoint"


def test_net002_is_unknown_for_a_workspace_endpoint_without_resource() -> None:
    resources = private_baseline()
    ws = resources[0]
    net = next(r for r in resources if r["name"] == "v")
    net["properties"]["dhcpOptions"] = {"dnsServers": ["10.0.0.4"]}
    ws["properties"]["privateEndpointConnections"] = [
        {
            "properties": {
                "privateEndpoint": {"id": f"{NET}/privateEndpoints/elsewhere"},
                "privateLinkServiceConnectionState": {"status": "Approved"},
            }
        }
    ]
    result = scan(resources)
    by_subject = {r.resource_id.rsplit("/", 1)[-1]: r.status for r in result.results if r.rule_id == "AML-NET-002"}
    assert by_subject == {"v": Status.FAIL, "w": Status.UNKNOWN}
    # NET-001 takes no subject from it: only the VNet of the endpoint resource present is judged.
    assert {r.resource_id.rsplit("/", 1)[-1] for r in result.results if r.rule_id == "AML-NET-001"} == {"v"}
