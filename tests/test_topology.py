"""The topology's relations: ids, children, endpoint connections, peerings, collection errors."""

from __future__ import annotations

import copy

from arm_builders import ML, NET, RG, SUB, peering, private_endpoint, storage, subnet_id, vnet, workspace

from auditor.topology import Topology, managed_vnet_key


def test_lookups_ignore_id_case() -> None:
    ws = workspace("Alpha")
    topo = Topology([ws])
    assert topo.get(ws["id"].upper().replace("RESOURCEGROUPS", "resourcegroups")) is ws
    assert topo.get(ws["id"] + "/") is ws


def test_resource_graph_lower_case_types_are_read() -> None:
    ws = workspace("w")
    ws["type"] = ws["type"].lower()
    assert Topology([ws]).workspaces() == [ws]


def test_standalone_child_wins_over_embedded() -> None:
    net = vnet("v", {"a": {"networkSecurityGroup": {"id": f"{NET}/networkSecurityGroups/embedded"}}})
    standalone = {
        "id": subnet_id("v", "a").replace("/subnets/", "/SUBNETS/"),
        "name": "a",
        "type": "Microsoft.Network/virtualNetworks/subnets",
        "properties": {"networkSecurityGroup": {"id": f"{NET}/networkSecurityGroups/standalone"}},
    }
    topo = Topology([net, standalone])
    assert topo.subnet(subnet_id("v", "a"))["properties"]["networkSecurityGroup"]["id"].endswith("standalone")
    assert len(topo.children(net["id"], "Microsoft.Network/virtualNetworks/subnets")) == 1


def test_embedded_child_without_id_gets_parent_path() -> None:
    cluster = {
        "id": f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks",
        "name": "aks",
        "type": "Microsoft.ContainerService/managedClusters",
        "properties": {"agentPoolProfiles": [{"name": "pool1", "vnetSubnetID": subnet_id("v")}]},
    }
    pools = Topology([cluster]).children(cluster["id"], "Microsoft.ContainerService/managedClusters/agentPools")
    assert [p["id"] for p in pools] == [cluster["id"] + "/agentPools/pool1"]
    assert pools[0]["properties"]["vnetSubnetID"] == subnet_id("v")


def test_target_record_decides_state_and_endpoint_gives_vnet() -> None:
    ws = workspace("w")
    pe = private_endpoint("pe", ws["id"], "amlworkspace", subnet_id("v"))
    ws["properties"]["privateEndpointConnections"] = [
        {
            "properties": {
                "privateEndpoint": {"id": pe["id"].lower()},
                "privateLinkServiceConnectionState": {"status": "Pending"},
            }
        }
    ]
    [conn] = Topology([ws, pe]).connections_to(ws["id"])
    assert conn.status == "Pending" and not conn.approved
    assert conn.group == "amlworkspace" and conn.vnet_id == f"{NET}/virtualNetworks/v"


def test_connection_without_endpoint_resource_counts_but_has_no_vnet() -> None:
    ws = workspace("w")
    ws["properties"]["privateEndpointConnections"] = [
        {
            "properties": {
                "privateEndpoint": {"id": f"{NET}/privateEndpoints/gone"},
                "privateLinkServiceConnectionState": {"status": "Approved"},
            }
        }
    ]
    [conn] = Topology([ws]).approved_endpoints(ws["id"])
    assert conn.endpoint_present is False and conn.vnet_id is None and conn.group is None


def test_manual_connections_count_like_automatic_ones() -> None:
    sa = storage("sa")
    pe = private_endpoint("pe", sa["id"], "blob", subnet_id("v"), manual=True)
    assert [c.group for c in Topology([sa, pe]).approved_endpoints(sa["id"])] == ["blob"]


def test_managed_outbound_rules_map_and_resources_are_one_rule() -> None:
    sa = storage("sa")
    ws = workspace(
        "w",
        managedNetwork={
            "isolationMode": "AllowOnlyApprovedOutbound",
            "outboundRules": {
                "blob": {
                    "type": "PrivateEndpoint",
                    "destination": {"serviceResourceId": sa["id"], "subresourceTarget": "blob"},
                },
                "file": {
                    "type": "PrivateEndpoint",
                    "status": "Inactive",
                    "destination": {"serviceResourceId": sa["id"], "subresourceTarget": "file"},
                },
            },
        },
    )
    resource = {
        "id": ws["id"] + "/outboundRules/BLOB",
        "name": "BLOB",
        "type": "Microsoft.MachineLearningServices/workspaces/outboundRules",
        "properties": {
            "type": "PrivateEndpoint",
            "status": "Active",
            "destination": {"serviceResourceId": sa["id"], "subresourceTarget": "blob"},
        },
    }
    topo = Topology([ws, sa, resource])
    assert len(topo.outbound_rules(ws["id"])) == 2
    approved = topo.approved_endpoints(sa["id"])
    assert [(c.group, c.vnet_id, c.managed) for c in approved] == [("blob", managed_vnet_key(ws["id"]), True)]


def test_managed_rules_do_not_count_without_managed_isolation() -> None:
    sa = storage("sa")
    ws = workspace(
        "w",
        managedNetwork={
            "isolationMode": "Disabled",
            "outboundRules": {
                "blob": {
                    "type": "PrivateEndpoint",
                    "destination": {"serviceResourceId": sa["id"], "subresourceTarget": "blob"},
                }
            },
        },
    )
    assert Topology([ws, sa]).approved_endpoints(sa["id"]) == []


def test_peering_needs_both_sides_connected() -> None:
    a, b = vnet("a"), vnet("b")
    a["properties"]["virtualNetworkPeerings"] = [peering("a", "b")]
    assert Topology([a, b]).peered(a["id"], b["id"]) is False  # one-sided
    b["properties"]["virtualNetworkPeerings"] = [peering("b", "a")]
    assert Topology([a, b]).peered(a["id"], b["id"].upper()) is True
    b2 = copy.deepcopy(b)
    b2["properties"]["virtualNetworkPeerings"] = [peering("b", "a", state="Initiated")]
    assert Topology([a, b2]).peered(a["id"], b["id"]) is False


def test_peering_with_absent_remote_cannot_be_confirmed() -> None:
    a = vnet("a")
    a["properties"]["virtualNetworkPeerings"] = [peering("a", "elsewhere")]
    topo = Topology([a])
    assert topo.peered(a["id"], f"{NET}/virtualNetworks/elsewhere") is None
    assert f"{NET}/virtualNetworks/elsewhere".lower() in topo.peering_partners(a["id"])


def test_peering_entry_on_the_other_side_makes_a_partner() -> None:
    a, b = vnet("a"), vnet("b")
    b["properties"]["virtualNetworkPeerings"] = [peering("b", "a")]
    assert b["id"].lower() in Topology([a, b]).peering_partners(a["id"])


def test_collection_error_covers_its_scope_and_types_only() -> None:
    errors = [
        {
            "scope": f"/subscriptions/{SUB}",
            "status": 403,
            "code": "AuthorizationFailed",
            "resource_types": ["Microsoft.Network/privateEndpoints"],
        }
    ]
    topo = Topology([], errors)
    assert "403 AuthorizationFailed" in (topo.gap("microsoft.network/privateendpoints", f"{ML}/workspaces/w") or "")
    assert topo.gap("Microsoft.Network/virtualNetworks", f"{ML}/workspaces/w") is None
    assert topo.gap("Microsoft.Network/privateEndpoints", "/subscriptions/other/resourceGroups/x") is None
    assert topo.gap("Microsoft.Network/privateEndpoints", f"/subscriptions/{SUB}0/x") is None


def test_operator_hosts_are_indexed_by_vnet() -> None:
    bastion = {
        "id": f"{NET}/bastionHosts/b",
        "name": "b",
        "type": "Microsoft.Network/bastionHosts",
        "properties": {
            "ipConfigurations": [{"properties": {"subnet": {"id": subnet_id("hub", "AzureBastionSubnet")}}}]
        },
    }
    topo = Topology([bastion])
    assert topo.operator_hosts_in(f"{NET}/virtualNetworks/HUB") == [bastion]


def test_abbreviated_child_type_is_read_from_the_id() -> None:
    """ARM's outbound-rule list prints `type: workspace/outboundRules` (rest-examples)."""
    sa = storage("sa")
    ws = workspace("w", managedNetwork={"isolationMode": "AllowInternetOutbound"})
    rule = {
        "id": ws["id"] + "/outboundRules/blob",
        "name": "blob",
        "type": "workspace/outboundRules",
        "properties": {
            "type": "PrivateEndpoint",
            "destination": {"serviceResourceId": sa["id"], "subresourceTarget": "blob"},
        },
    }
    topo = Topology([ws, sa, rule])
    assert [r["name"] for r in topo.outbound_rules(ws["id"])] == ["blob"]
    assert [c.group for c in topo.approved_endpoints(sa["id"])] == ["blob"]
