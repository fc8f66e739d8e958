"""Scenarios in an applies-when clause are three-valued (catalogue v1.5 §2): an unknown scenario that
the data present already rules out makes CMP-009, NET-004 and INF-001 not applicable."""

from __future__ import annotations

from typing import Any

import pytest
from arm_builders import SUB, compute, private_endpoint, storage, subnet_id, vault, vnet, workspace

from auditor.context import WorkspaceContext
from auditor.engine import load_rules, scan_inventory
from auditor.inventory import Inventory
from auditor.model import Status
from auditor.posture import possible_scenarios, scenario_in
from auditor.topology import Topology

RULES = load_rules()
HIDDEN = [
    {
        "scope": f"/subscriptions/{SUB}",
        "status": 403,
        "code": "AuthorizationFailed",
        "resource_types": ["Microsoft.Network/privateEndpoints"],
    }
]


def tenant(ws: dict[str, Any]) -> list[dict[str, Any]]:
    cluster = compute(ws["name"], "cpu", "AmlCompute", subnet=subnet_id("v"), enableNodePublicIp=False)
    return [ws, storage("stw"), vault("kvw"), vnet("v"), cluster]


def context(resources: list[dict[str, Any]], errors: list[dict[str, Any]]) -> WorkspaceContext:
    topo = Topology(resources, errors)
    return WorkspaceContext(topo.workspaces()[0], topo, "AzureCloud")


def statuses(resources: list[dict[str, Any]], errors: list[dict[str, Any]]) -> dict[str, set[Status]]:
    scan = scan_inventory(Inventory(resources=resources, errors=errors), RULES)
    wanted = ("AML-CMP-009", "AML-NET-004")
    return {rule: {r.status for r in scan.results if r.rule_id == rule} for rule in wanted}


@pytest.mark.parametrize(
    ("props", "errors", "possible", "private"),
    [
        # Endpoints hidden, public access Enabled: private-workspace is ruled out.
        (
            {"publicNetworkAccess": "Enabled"},
            HIDDEN,
            {"private-workspace-public-access", "public-workspace-secured-resources"},
            False,
        ),
        # Endpoints hidden, no publicNetworkAccess but the legacy flag true: Enabled either way.
        (
            {"publicNetworkAccess": None, "allowPublicAccessWhenBehindVnet": True},
            HIDDEN,
            {"private-workspace-public-access", "public-workspace-secured-resources"},
            False,
        ),
        # Endpoints hidden, public access Disabled: a hidden endpoint would make it private-workspace.
        ({"publicNetworkAccess": "Disabled"}, HIDDEN, {"private-workspace", "unreachable"}, None),
        # No legacy flag either: private-workspace with an endpoint, public without one.
        ({"publicNetworkAccess": None}, HIDDEN, {"private-workspace", "public-workspace-secured-resources"}, None),
    ],
    ids=["enabled", "legacy-flag", "disabled", "nothing-set"],
)
def test_the_scenarios_still_possible_decide_the_applies_when_clause(
    props: dict[str, Any], errors: list[dict[str, Any]], possible: set[str], private: bool | None
) -> None:
    resources = tenant(workspace("w", **props))
    ctx = context(resources, errors)

    assert possible_scenarios(ctx) == possible
    assert scenario_in(ctx, "private-workspace") is private
    expected = {Status.NOT_APPLICABLE} if private is False else {Status.UNKNOWN}
    assert statuses(resources, errors) == {"AML-CMP-009": expected, "AML-NET-004": expected}


def test_a_known_scenario_is_the_only_one_possible() -> None:
    ws = workspace("w")
    resources = [*tenant(ws), private_endpoint("pe-ws", ws["id"], "amlworkspace", subnet_id("v"))]
    ctx = context(resources, [])

    assert possible_scenarios(ctx) == {"private-workspace"}
    assert scenario_in(ctx, "private-workspace") is True
    assert scenario_in(ctx, "private-workspace", "private-workspace-public-access") is True
    assert scenario_in(ctx, "no-vnet") is False
