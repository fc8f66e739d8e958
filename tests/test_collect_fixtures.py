"""Collecting a fixture through the fake ARM, then scanning the snapshot, judges exactly like scanning the fixture.

This is the collector's end-to-end contract, reading through ARM alone and through Resource Graph:
every resource a rule reads is collected, in a form the topology reads the same way (ARM embeds some
children the fixtures give standalone; Resource Graph lower-cases types and adds columns), and a
collection error recorded in a fixture, reproduced as a fault of the fake, is recorded so that the
same rules turn unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fakearm.harness import collect_inventory_via_fake, shared_fake

from auditor.arm import subscription_of
from auditor.collect import Scope
from auditor.collect.graph import GRAPH_TYPES
from auditor.collect.settings import CLOUDS
from auditor.engine import load_rules, scan_inventory
from auditor.inventory import Inventory, load_inventory
from auditor.model import Rule

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
INVENTORIES = [FIXTURES / "sample-tenant", *sorted((FIXTURES / "cases").glob("*.json"))]


@cache
def rules() -> list[Rule]:
    return load_rules()


def judged(inventory: Inventory) -> list[tuple[str, str, str, str]]:
    result = scan_inventory(inventory, rules())
    return sorted((r.rule_id, r.workspace_id.lower(), r.resource_id.lower(), r.status.value) for r in result.results)


def reproduce(errors: list[dict[str, Any]]) -> None:
    """Make the fake refuse what a fixture's errors say was refused: every list of those types under the scope."""
    for error in errors:
        for resource_type in error["resource_types"]:
            segment = resource_type.rsplit("/", 1)[1]
            pattern = f"^{re.escape(error['scope'])}(/.*)?/{re.escape(segment)}$"
            shared_fake().fault(pattern, error["status"], code=error["code"], message=error["message"])


def graph_can_reproduce(path: Path) -> bool:
    """Whether a fixture's errors can happen when reading through Resource Graph. Its query cannot
    be refused for one type: it leaves out, silently, what the identity may not read. So an error on
    a type it holds (the endpoints of error-private-endpoints-hidden) has no Resource Graph twin."""
    errors = load_inventory([str(path)]).errors
    return not any(t in GRAPH_TYPES for error in errors for t in error["resource_types"])


def collect_like(inventory: Inventory, scope: Scope, prepare: Callable[[], None]) -> tuple[dict[str, Any], Inventory]:
    """The snapshot collected through the fake, and it as an inventory of the fixture's cloud.

    The collector reaches the three clouds it knows; a fixture of another cloud is collected through the
    public cloud's settings and judged under its own cloud name, as its snapshot would say."""
    cloud = str(inventory.meta.get("cloud") or "AzureCloud")
    known = cloud in CLOUDS
    snapshot = collect_inventory_via_fake(
        inventory.resources, scope, prepare=prepare, **({"cloud": cloud} if known else {})
    )
    meta = {"cloud": snapshot["cloud"] if known else cloud}
    return snapshot, Inventory(resources=snapshot["resources"], errors=snapshot["errors"], meta=meta)


MODES = [
    *(pytest.param(path, False, id=f"arm-{path.stem}") for path in INVENTORIES),
    *(pytest.param(path, True, id=f"resource-graph-{path.stem}") for path in INVENTORIES if graph_can_reproduce(path)),
]


@pytest.mark.parametrize(("path", "resource_graph"), MODES)
def test_scanning_the_collected_snapshot_judges_like_the_fixture(path: Path, resource_graph: bool) -> None:
    inventory = load_inventory([str(path)])
    subscriptions = sorted({(subscription_of(r["id"]) or "").lower() for r in inventory.resources} - {""})
    scope = Scope(subscriptions=tuple(subscriptions), resource_graph=resource_graph)

    snapshot, collected = collect_like(inventory, scope, lambda: reproduce(inventory.errors))
    assert judged(collected) == judged(inventory)
    assert bool(snapshot["errors"]) == bool(inventory.errors)


NETWORK_CASES = [INVENTORIES[0], *(p for p in INVENTORIES if p.stem.startswith("net-"))]


@pytest.mark.parametrize("path", NETWORK_CASES, ids=lambda p: p.stem)
def test_resource_graph_ids_in_lower_case_judge_the_same(path: Path) -> None:
    # Resource Graph answers some types with their ids lower-cased; every reference still resolves.
    inventory = load_inventory([str(path)])
    subscriptions = sorted({(subscription_of(r["id"]) or "").lower() for r in inventory.resources} - {""})

    def lower_case_ids() -> None:
        shared_fake().graph_lower_case_ids = True

    snapshot, collected = collect_like(
        inventory, Scope(subscriptions=tuple(subscriptions), resource_graph=True), lower_case_ids
    )

    assert any(r["id"] == r["id"].lower() and r["id"] != r["id"].upper() for r in snapshot["resources"])
    assert judged(collected) == judged(inventory)
