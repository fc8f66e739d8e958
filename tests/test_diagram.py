"""The diagram model and its renderings, for every fixture and for the relations each draws."""

from __future__ import annotations

import copy
import json
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from mermaid_grammar import check_flowchart

from auditor.arm import lid, props
from auditor.context import compute_subnet
from auditor.diagram import Diagram, build_diagram, build_structure, marked
from auditor.diagram.dot import render_dot
from auditor.diagram.layout import layout
from auditor.diagram.mermaid import render_mermaid
from auditor.diagram.svg import render_svg
from auditor.engine import load_rules, scan_inventory
from auditor.inventory import Inventory, load_inventory
from auditor.topology import Topology

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "fixtures" / "cases"
FIXTURES = [ROOT / "fixtures" / "sample-tenant", *sorted(CASES.glob("*.json"))]
RULES = load_rules()
SVG = "{http://www.w3.org/2000/svg}"


def diagrams_of(inventory: Inventory) -> list[tuple[Topology, dict[str, Any], Diagram]]:
    results = [r.to_dict() for r in scan_inventory(inventory, RULES).results]
    topo = Topology(inventory.resources, inventory.errors)
    return [(topo, ws, build_diagram(topo, ws, results)) for ws in topo.workspaces()]


def results_of(inventory: Inventory) -> list[dict[str, Any]]:
    return [r.to_dict() for r in scan_inventory(inventory, RULES).results]


def keys_of(diagram: Diagram) -> set[str]:
    return {key for node in diagram.nodes for key in (node.key, *node.aliases)}


def referenced(topo: Topology, ws: dict[str, Any]) -> set[str]:
    """What a workspace refers to and the inventory holds: the diagram must draw all of it."""
    hub = topo.get(props(ws).get("hubResourceId")) if ws.get("kind") == "Project" else None
    owner = hub or ws
    p = props(owner)
    refs = [owner["id"]]
    refs += [p[k] for k in ("storageAccount", "keyVault", "containerRegistry", "applicationInsights") if p.get(k)]
    for target in list(refs):
        refs += [c.endpoint_id for c in topo.connections_to(target)]
    for compute in topo.computes_of(owner["id"]):
        refs += [compute["id"], compute_subnet(compute) or "", props(compute).get("resourceId") or ""]
    return {lid(r) for r in refs if isinstance(r, str) and r and topo.get(r) is not None}


def svg_boxes(svg: str) -> tuple[ET.Element, dict[str, tuple[float, float, float, float]]]:
    root = ET.fromstring(svg)
    boxes = {}
    for group in root.iter(f"{SVG}g"):
        key = group.get("data-key")
        if key is not None:
            rect = group.find(f"{SVG}rect")
            assert rect is not None
            boxes[key] = tuple(float(rect.get(a, "nan")) for a in ("x", "y", "width", "height"))
    return root, boxes  # type: ignore[return-value]


def contains(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    ox, oy, ow, oh = outer
    ix, iy, iw, ih = inner
    return ox <= ix and oy <= iy and ix + iw <= ox + ow and iy + ih <= oy + oh


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return not (b[0] >= a[0] + a[2] or a[0] >= b[0] + b[2] or b[1] >= a[1] + a[3] or a[1] >= b[1] + b[3])


@pytest.fixture(scope="module", params=FIXTURES, ids=lambda p: p.stem)
def fixture_diagrams(request: pytest.FixtureRequest) -> tuple[list[dict[str, Any]], list[Any]]:
    inventory = load_inventory([str(request.param)])
    return results_of(inventory), diagrams_of(inventory)


def test_every_referenced_resource_is_a_node(fixture_diagrams: tuple[list[Any], list[Any]]) -> None:
    _, drawn = fixture_diagrams
    for topo, ws, diagram in drawn:
        missing = referenced(topo, ws) - keys_of(diagram)
        assert not missing, f"{ws['name']}: not drawn: {sorted(missing)}"
        parents = {node.parent for node in diagram.nodes if node.parent}
        assert parents <= {node.key for node in diagram.nodes if node.container}
        ends = {e.source for e in diagram.edges} | {e.target for e in diagram.edges}
        assert ends <= {node.key for node in diagram.nodes}
        subnets = {node.key for node in diagram.nodes if node.kind == "subnet"}
        placed = {(e.source, e.target) for e in diagram.edges if e.kind == "in_subnet"}
        assert {(n.key, n.parent) for n in diagram.nodes if n.parent in subnets} <= placed


def test_every_failing_result_about_a_drawn_resource_marks_it(fixture_diagrams: tuple[list[Any], list[Any]]) -> None:
    results, drawn = fixture_diagrams
    for _, ws, diagram in drawn:
        by_key = {key: node for node in diagram.nodes for key in (node.key, *node.aliases)}
        by_edge = {lid(i): edge for edge in diagram.edges for i in edge.ids}
        mine = [r for r in results if lid(r["workspace_id"]) == lid(ws["id"]) and r["status"] in ("fail", "unknown")]
        for result in mine:
            subject = lid(result["resource_id"])
            marked = by_key.get(subject) or by_edge.get(subject)
            if marked is None:
                continue  # datastores, deployments, labelling jobs: not on the network picture
            assert any(
                (m.rule_id, m.status, m.role) == (result["rule_id"], result["status"], "subject") for m in marked.marks
            ), f"{result['rule_id']} {result['status']} does not mark {subject}"


def test_the_svg_parses_is_self_contained_and_its_boxes_nest(fixture_diagrams: tuple[list[Any], list[Any]]) -> None:
    _, drawn = fixture_diagrams
    for _, _, diagram in drawn:
        svg = render_svg(diagram)
        root, boxes = svg_boxes(svg)
        assert root.tag == f"{SVG}svg"
        for element in root.iter():
            assert element.tag.split("}")[-1] not in ("script", "style", "image", "foreignObject", "a", "use")
            assert not any("href" in name for name in element.attrib), element.attrib
            assert not any("url(" in value for value in element.attrib.values())
        nodes = {node.key: node for node in diagram.nodes}
        assert set(boxes) == set(nodes)
        for node in diagram.nodes:
            if node.parent:
                assert contains(boxes[node.parent], boxes[node.key]), f"{node.key} outside {node.parent}"
        siblings: dict[str | None, list[str]] = {}
        for node in diagram.nodes:
            siblings.setdefault(node.parent, []).append(node.key)
        for keys in siblings.values():
            for i, a in enumerate(keys):
                for b in keys[i + 1 :]:
                    assert not overlap(boxes[a], boxes[b]), f"{a} overlaps {b}"
        width, height = float(root.get("width", "0")), float(root.get("height", "0"))
        assert all(contains((0, 0, width, height), box) for box in boxes.values())


def test_mermaid_follows_the_grammar_and_dot_strings_close(fixture_diagrams: tuple[list[Any], list[Any]]) -> None:
    _, drawn = fixture_diagrams
    for _, _, diagram in drawn:
        assert check_flowchart(render_mermaid(diagram)) == []
        assert dot_problems(render_dot(diagram)) == []


def dot_problems(text: str) -> list[str]:
    """Every quoted string closes on its line, braces balance, and no line holds stray quotes."""
    problems = []
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', "", line)
        if '"' in unquoted:
            problems.append(f"line {number}: unbalanced quote")
        depth += unquoted.count("{") - unquoted.count("}")
    if depth:
        problems.append("braces do not balance")
    return problems


def test_the_diagram_does_not_depend_on_the_order_of_the_inventory() -> None:
    inventory = load_inventory([str(CASES / "kv-one-sided-peering.json")])
    results = results_of(inventory)
    shuffled = list(inventory.resources)
    random.Random(7).shuffle(shuffled)
    first = [
        build_diagram(Topology(inventory.resources), ws, results) for ws in Topology(inventory.resources).workspaces()
    ]
    second = [build_diagram(Topology(shuffled), ws, results) for ws in Topology(shuffled).workspaces()]
    assert [d.to_dict() for d in first] == [d.to_dict() for d in second]
    assert [render_svg(d) for d in first] == [render_svg(d) for d in second]
    assert Diagram.from_dict(json.loads(json.dumps(first[0].to_dict()))) == first[0]


def only_diagram(fixture: str) -> Diagram:
    drawn = diagrams_of(load_inventory([str(CASES / fixture)]))
    assert len(drawn) == 1
    return drawn[0][2]


def node_named(diagram: Diagram, label: str) -> Any:
    return next(node for node in diagram.nodes if node.label == label)


def edge_between(diagram: Diagram, kind: str, source: str, target: str) -> Any:
    keys = {node.label: node.key for node in diagram.nodes}
    return next(e for e in diagram.edges if e.kind == kind and {e.source, e.target} == {keys[source], keys[target]})


def rules_on(item: Any, status: str = "fail") -> set[str]:
    return {m.rule_id for m in item.marks if m.status == status}


def test_a_one_sided_peering_is_drawn_so_and_red() -> None:
    diagram = only_diagram("kv-one-sided-peering.json")
    peering = edge_between(diagram, "peered_with", "vnet-ml", "vnet-hub")
    assert peering.partial and peering.label == "one-sided: only vnet-ml lists it"
    assert "AML-NET-003" in rules_on(peering)
    # The vault is reached only from the hub: its endpoint there carries the failure.
    assert "AML-KV-002" in rules_on(edge_between(diagram, "endpoint_of", "pe-kv-mlw-prod-we", "kv-mlw-prod-we"))
    assert node_named(diagram, "pe-kv-mlw-prod-we").parent == lid(
        "/subscriptions/3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d/resourceGroups/rg-connectivity/providers/"
        "Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-shared-pe"
    )
    svg = render_svg(diagram)
    assert svg.count('data-status="fail"') >= 2 and "✗ AML-KV-002" in svg


def test_storage_reachable_only_from_another_vnet_marks_the_service_endpoint() -> None:
    diagram = only_diagram("storage-service-endpoint-other-vnet.json")
    assert "AML-ST-003" in rules_on(node_named(diagram, "stmlprodwe01"))
    assert "AML-ST-003" in rules_on(edge_between(diagram, "service_endpoint", "snet-data", "stmlprodwe01"))
    assert "AML-ST-003" not in rules_on(edge_between(diagram, "endpoint_of", "pe-mlw-prod", "mlw-prod"))


def test_the_sample_tenant_draws_its_whole_network() -> None:
    drawn = diagrams_of(load_inventory([str(ROOT / "fixtures" / "sample-tenant")]))
    diagram = drawn[0][2]
    kinds = {node.kind for node in diagram.nodes}
    assert kinds >= {"workspace", "storage", "key_vault", "registry", "app_insights", "private_endpoint", "vnet"}
    assert kinds >= {"subnet", "compute", "aks", "online_endpoint", "bastion", "dns_zone"}
    vnet = node_named(diagram, "vnet-ml")
    assert vnet.details == ["10.0.0.0/16", "DNS: Azure-provided"]
    assert node_named(diagram, "snet-training").details[1] == "NSG: nsg-training"
    assert node_named(diagram, "aks-inference").parent == node_named(diagram, "snet-scoring").key
    assert {e.kind for e in diagram.edges} >= {"endpoint_of", "linked_zone", "service_endpoint"}
    assert rules_on(node_named(diagram, "mlw-prod")) == {"AML-WS-004"}


def test_a_managed_network_is_one_box_with_its_outbound_rules() -> None:
    diagram = only_diagram("managed-network.json")
    box = next(node for node in diagram.nodes if node.kind == "managed_vnet")
    assert any("PrivateEndpoint stmlprodwe01" in line for line in box.details)
    targets = {e.target for e in diagram.edges if e.kind == "outbound_rule" and e.source == box.key}
    assert node_named(diagram, "stmlprodwe01").key in targets


def test_an_absent_storage_account_is_drawn_absent() -> None:
    diagram = only_diagram("storage-absent.json")
    storage = next(node for node in diagram.nodes if node.kind == "storage")
    assert storage.absent and "unknown" in {m.status for m in storage.marks}
    assert any("absent" in note for note in diagram.notes)


def test_a_project_is_drawn_with_its_hub_network() -> None:
    drawn = diagrams_of(load_inventory([str(CASES / "hub-and-project.json")]))
    project = next(d for _, ws, d in drawn if ws.get("kind") == "Project")
    hub = next(node for node in project.nodes if node.kind == "hub_workspace")
    assert any(e.kind == "hub_of" and e.source == hub.key for e in project.edges)
    assert any(node.kind == "vnet" for node in project.nodes)


def test_marking_leaves_the_unmarked_diagram_as_it_was() -> None:
    # The HTML and Markdown reports mark one structure per workspace; `graph` may mark it again.
    inventory = load_inventory([str(ROOT / "fixtures" / "sample-tenant")])
    topo = Topology(inventory.resources)
    structure = build_structure(topo, topo.workspaces()[0])
    before = structure.to_dict()
    drawn = marked(structure, results_of(inventory))
    drawn.nodes[0].details.append("x")
    drawn.nodes[0].aliases.append("x")
    drawn.edges[0].ids.append("x")
    drawn.notes.append("x")
    assert any(node.marks for node in drawn.nodes) and any(edge.marks for edge in drawn.edges)
    assert structure.to_dict() == before


def azure_firewall(firewall_id: str, vnet_id: str) -> dict[str, Any]:
    """An Azure Firewall at 10.10.0.4 in the VNet's AzureFirewallSubnet."""
    config = {"privateIPAddress": "10.10.0.4", "subnet": {"id": f"{vnet_id}/subnets/AzureFirewallSubnet"}}
    return {
        "id": firewall_id,
        "name": firewall_id.rsplit("/", 1)[-1],
        "type": "Microsoft.Network/azureFirewalls",
        "properties": {"ipConfigurations": [{"name": "c", "properties": config}]},
    }


def firewall_tenant() -> list[dict[str, Any]]:
    """A spoke whose training subnet routes 0.0.0.0/0 to the hub's Azure Firewall."""
    inventory = load_inventory([str(CASES / "kv-via-peered-vnet.json")])
    resources = copy.deepcopy(inventory.resources)
    hub = next(r for r in resources if r.get("name") == "vnet-hub")
    hub_id = hub["id"]
    rg = hub_id.split("/providers/")[0]
    hub["properties"].setdefault("subnets", []).append(
        {
            "name": "AzureFirewallSubnet",
            "id": f"{hub_id}/subnets/AzureFirewallSubnet",
            "properties": {"addressPrefix": "10.10.0.0/26"},
        }
    )
    table_id = f"{rg}/providers/Microsoft.Network/routeTables/rt-spoke"
    resources.append(
        {
            "id": table_id,
            "name": "rt-spoke",
            "type": "Microsoft.Network/routeTables",
            "properties": {
                "routes": [
                    {
                        "name": "default",
                        "properties": {
                            "addressPrefix": "0.0.0.0/0",
                            "nextHopType": "VirtualAppliance",
                            "nextHopIpAddress": "10.10.0.4",
                        },
                    }
                ]
            },
        }
    )
    resources.append(azure_firewall(f"{rg}/providers/Microsoft.Network/azureFirewalls/afw-hub", hub_id))
    for resource in resources:
        for subnet in (
            props(resource).get("subnets", []) if resource.get("type") == "Microsoft.Network/virtualNetworks" else []
        ):
            if subnet.get("name") == "snet-training":
                subnet["properties"]["routeTable"] = {"id": table_id}
        if resource.get("name") == "snet-training":
            resource["properties"]["routeTable"] = {"id": table_id}
    return resources


def test_a_route_to_the_hub_firewall_is_drawn_to_the_firewall_where_it_sits() -> None:
    resources = firewall_tenant()
    topo = Topology(resources)
    diagram = build_structure(topo, topo.workspaces()[0])
    firewall = next(node for node in diagram.nodes if node.kind == "firewall")
    assert firewall.parent is not None and firewall.parent.endswith("/subnets/azurefirewallsubnet")
    route = next(e for e in diagram.edges if e.kind == "routes_to")
    assert route.target == firewall.key and route.source.endswith("/subnets/snet-training")
    assert route.label == "0.0.0.0/0 → 10.10.0.4"
    svg = render_svg(diagram)
    svg_boxes(svg)
    assert 'data-edge="routes_to"' in svg


def test_a_route_is_drawn_to_the_firewall_the_egress_rules_judge_when_another_has_its_ip() -> None:
    # Hubs of unrelated VNets often reuse one private IP: the firewall in a VNet peered with the
    # subnet's is the one its route reaches, whichever the inventory lists last.
    resources = firewall_tenant()
    rg = resources[0]["id"].split("/providers/")[0]
    far_vnet = f"{rg}/providers/Microsoft.Network/virtualNetworks/vnet-far"
    resources.append(azure_firewall(f"{rg}/providers/Microsoft.Network/azureFirewalls/afw-elsewhere", far_vnet))
    topo = Topology(resources)
    diagram = build_structure(topo, topo.workspaces()[0])
    assert [node.label for node in diagram.nodes if node.kind == "firewall"] == ["afw-hub"]


HOSTILE = "x\"'<script>alert(1)]\n\x07|end;--> {\\n}&amp;"


def test_inventory_strings_cannot_break_or_inject_into_any_rendering() -> None:
    inventory = load_inventory([str(ROOT / "fixtures" / "sample-tenant")])
    hostile = json.loads(json.dumps(inventory.resources).replace("stmlprodwe01", json.dumps(HOSTILE)[1:-1]))
    hostile = json.loads(json.dumps(hostile).replace("vnet-ml", json.dumps("vnet" + HOSTILE)[1:-1]))
    topo = Topology(hostile)
    diagram = build_structure(topo, topo.workspaces()[0])
    assert any("<script>" in node.label for node in diagram.nodes)
    svg = render_svg(diagram)
    root, _ = svg_boxes(svg)
    assert not any(element.tag.endswith("script") for element in root.iter())
    assert "<script>" not in svg and "\x07" not in svg
    assert check_flowchart(render_mermaid(diagram)) == []
    assert dot_problems(render_dot(diagram)) == []


def test_the_layout_fits_a_hub_and_spoke_on_a_laptop_screen() -> None:
    diagram = only_diagram("kv-via-peered-vnet.json")
    shape = layout(diagram)
    assert len(diagram.nodes) >= 25
    assert shape.width <= 1440, shape.width
