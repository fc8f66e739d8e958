"""Malformed-but-loadable inventories: the engine never crashes and every rule still reports."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.engine import load_rules, scan_inventory
from auditor.inventory import Inventory, load_inventory

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "sample-tenant"
BASE = load_inventory([str(SAMPLE)]).resources
RULES = load_rules()
RULE_IDS = {r.id for r in RULES}

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(["", "*", "Enabled", "/"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every replaceable location inside `properties` of the resources."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.append((*prefix, i))
            found.extend(_paths(value, (*prefix, i)))
    return found


ALL_PATHS = [(i, "properties", *p) for i, r in enumerate(BASE) for p in _paths(r.get("properties", {}))]


def _replace(resources: list[dict[str, Any]], path: tuple[Any, ...], value: Any) -> None:
    node: Any = resources[path[0]]
    for step in path[1:-1]:
        node = node[step]
    node[path[-1]] = value


@settings(
    max_examples=int(os.environ.get("AMLAUDIT_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), junk), min_size=1, max_size=6))
def test_junk_property_values_never_crash_the_scan(edits: list[tuple[tuple[Any, ...], Any]]) -> None:
    resources = copy.deepcopy(BASE)
    for path, value in edits:
        try:
            _replace(resources, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed that path
    result = scan_inventory(Inventory(resources=resources), RULES)
    for ws in result.workspaces:
        assert {r.rule_id for r in result.results if r.workspace_id == ws["id"]} == RULE_IDS
    crashed = [r for r in result.results if "could not be evaluated" in r.message]
    assert not crashed, crashed[0].message


def test_empty_properties_everywhere_give_no_pass_on_associated_resources() -> None:
    resources = [{k: v for k, v in r.items() if k != "properties"} for r in BASE]
    result = scan_inventory(Inventory(resources=resources), RULES)
    statuses = {r.rule_id: r.status.value for r in result.results}
    assert statuses["AML-ST-001"] == "unknown"  # the workspace names no storage any more
    assert statuses["AML-WS-001"] == "fail"
