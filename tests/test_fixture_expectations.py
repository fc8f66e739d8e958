"""The fixture oracle: run the engine on every fixture inventory and compare with ``fixtures/expected.json``.

``fixtures/expected.json`` was written by hand from the rule catalogue (``shared/spec/rules.md`` v1.4), not
from the engine. ``fixtures/README.md`` documents its format; in short:

* a case's ``results`` map ``rule_id`` -> ``{key: status}`` where ``key`` is the subject's *name path* (see
  :func:`name_path`), optionally qualified by the workspace as ``"<workspace>:<name path>"``, or ``"*"``
  (any further result of that rule, zero or more, has that status);
* for every rule a case lists, the engine's results for that rule must be exactly the listed ones (no missing,
  no extra subject, same status);
* ``extends`` starts from another case's resolved expectations; a key set to ``null`` removes it;
  ``unchecked`` names rules not compared in that case (with the reason);
* ``workspaces`` gives ``scenario``, ``isolation_mode`` and ``posture`` per workspace name (only the fields given
  are compared; a posture given replaces the inherited one).

The tests that need the engine import it lazily, so the fixture-integrity tests run on their own.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
EXPECTED_PATH = FIXTURES / "expected.json"

STATUSES = {"pass", "fail", "not_applicable", "unknown", "waived"}

# Catalogue §4, in order. The engine's registry is checked against it below.
CATALOGUE_RULE_IDS = (
    *(f"AML-WS-00{i}" for i in range(1, 6)),
    *(f"AML-ST-00{i}" for i in range(1, 6)),
    *(f"AML-KV-00{i}" for i in range(1, 4)),
    *(f"AML-CR-00{i}" for i in range(1, 6)),
    *(f"AML-CMP-00{i}" for i in range(1, 10)),
    *(f"AML-INF-00{i}" for i in range(1, 7)),
    "AML-STU-001",
    "AML-STU-002",
    *(f"AML-NET-00{i}" for i in range(1, 5)),
    *(f"AML-EGR-00{i}" for i in range(1, 4)),
)

# What "covered" means for a rule: at least one expected result of each status, agreed by the engine.
ATTESTATION_RULES = {"AML-NET-002"}  # can never pass without a waiver: not_applicable and fail instead


def required_statuses(rule_id: str) -> set[str]:
    return {"not_applicable", "fail"} if rule_id in ATTESTATION_RULES else {"pass", "fail"}


# --------------------------------------------------------------------------- name paths


def name_path(resource_id: str) -> str:
    """The subject's names below its provider namespace, type segments dropped, lower-cased.

    ``/subscriptions/S/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod/
    computes/cpu-cluster`` -> ``mlw-prod/cpu-cluster``; a VNet -> ``vnet-ml``; a deployment ->
    ``mlw-prod/ep-scoring/blue``. Subscription and resource group are dropped (fixture names are unique across
    them). An id without ``/providers/`` (e.g. ``managed-vnet:<id>``) is returned lower-cased as it is.
    """
    rid = resource_id.strip()
    segs = [s for s in rid.split("/") if s]
    low = [s.lower() for s in segs]
    if not rid.startswith("/") or "providers" not in low:
        return rid.lower()
    rest = segs[low.index("providers") + 2 :]
    names: list[str] = []
    i = 0
    while i < len(rest):
        if rest[i].lower() == "providers":  # an extension resource: skip `providers/<namespace>`
            i += 2
            continue
        if i + 1 < len(rest):
            names.append(rest[i + 1])
        i += 2
    return "/".join(names).lower()


def test_name_path_convention() -> None:
    sub = "/subscriptions/3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d/resourceGroups/rg-ml-prod/providers"
    assert name_path(f"{sub}/Microsoft.MachineLearningServices/workspaces/mlw-prod") == "mlw-prod"
    assert name_path(f"{sub}/Microsoft.MachineLearningServices/workspaces/mlw-prod/computes/cpu-cluster") == (
        "mlw-prod/cpu-cluster"
    )
    assert (
        name_path(
            f"{sub}/Microsoft.MachineLearningServices/workspaces/mlw-prod/onlineEndpoints/ep-scoring/deployments/blue"
        )
        == "mlw-prod/ep-scoring/blue"
    )
    assert name_path(f"{sub.lower()}/microsoft.network/virtualnetworks/VNET-ML") == "vnet-ml"
    assert name_path(f"{sub}/Microsoft.Storage/storageAccounts/stmlprodwe01") == "stmlprodwe01"
    assert name_path("managed-vnet:/subscriptions/x/providers/y") == "managed-vnet:/subscriptions/x/providers/y"


# --------------------------------------------------------------------------- expected.json


@cache
def expected_doc() -> dict[str, Any]:
    return json.loads(EXPECTED_PATH.read_text(encoding="utf-8"))


def _merge_results(base: dict[str, dict[str, str]], over: dict[str, Any]) -> dict[str, dict[str, str]]:
    out = copy.deepcopy(base)
    for rule, keys in over.items():
        merged = dict(out.get(rule, {}))
        for key, status in keys.items():
            if status is None:
                merged.pop(key, None)
            else:
                merged[key] = status
        out[rule] = merged
    return out


def _merge_workspaces(base: dict[str, dict[str, Any]], over: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = copy.deepcopy(base)
    for ws, fields in over.items():
        if fields is None:
            out.pop(ws, None)
            continue
        entry = dict(out.get(ws, {}))
        entry.update(copy.deepcopy(fields))  # a posture given replaces the inherited one
        out[ws] = entry
    return out


@cache
def resolved(case: str) -> dict[str, Any]:
    """A case's expectations with ``extends`` applied and ``unchecked`` rules removed."""
    raw = expected_doc()["cases"][case]
    if "extends" in raw:
        parent = resolved(raw["extends"])
        results = parent["results_all"]
        workspaces = parent["workspaces"]
    else:
        results, workspaces = {}, {}
    results = _merge_results(results, raw.get("results", {}))
    workspaces = _merge_workspaces(workspaces, raw.get("workspaces", {}))
    unchecked = dict(raw.get("unchecked", {}))
    return {
        "input": FIXTURES / raw["input"],
        "results_all": results,  # what an extending case inherits
        "results": {r: k for r, k in results.items() if r not in unchecked},
        "workspaces": workspaces,
        "unchecked": unchecked,
    }


CASE_NAMES = list(expected_doc()["cases"])


def test_expected_json_is_well_formed() -> None:
    doc = expected_doc()
    problems: list[str] = []
    for name, raw in doc["cases"].items():
        unknown_keys = set(raw) - {"input", "extends", "about", "workspaces", "results", "unchecked"}
        if unknown_keys:
            problems.append(f"{name}: unknown keys {sorted(unknown_keys)}")
        if not (FIXTURES / raw["input"]).exists():
            problems.append(f"{name}: input {raw['input']} does not exist")
        if "extends" in raw and raw["extends"] not in doc["cases"]:
            problems.append(f"{name}: extends unknown case {raw['extends']}")
        for rule, keys in raw.get("results", {}).items():
            if rule not in CATALOGUE_RULE_IDS:
                problems.append(f"{name}: unknown rule {rule}")
            for key, status in keys.items():
                if status is not None and status not in STATUSES:
                    problems.append(f"{name}: {rule} {key}: bad status {status}")
                if key != key.lower():
                    problems.append(f"{name}: {rule}: key {key} is not lower-case")
        for rule in raw.get("unchecked", {}):
            if rule not in CATALOGUE_RULE_IDS:
                problems.append(f"{name}: unchecked unknown rule {rule}")
        res = resolved(name)
        for rule, keys in res["results"].items():
            if not keys:
                problems.append(f"{name}: {rule} resolves to no expected result")
    base = resolved("sample-tenant")
    missing = [r for r in CATALOGUE_RULE_IDS if r not in base["results"]]
    if missing:
        problems.append(f"sample-tenant must list every rule; missing {missing}")
    assert not problems, "\n".join(problems)


def test_every_case_file_has_expectations() -> None:
    inputs = {Path(raw["input"]).as_posix() for raw in expected_doc()["cases"].values()}
    on_disk = {f"cases/{p.name}" for p in (FIXTURES / "cases").glob("*.json")}
    assert on_disk - inputs == set(), "case files without expectations"
    assert {i for i in inputs if i.startswith("cases/")} - on_disk == set(), "expectations without case file"


def test_static_coverage_of_expected_json() -> None:
    """Across expected.json, every catalogue rule has >=1 fail and >=1 pass (NET-002: not_applicable and fail)."""
    seen: dict[str, set[str]] = {r: set() for r in CATALOGUE_RULE_IDS}
    for case in CASE_NAMES:
        for rule, keys in resolved(case)["results"].items():
            seen[rule].update(s for k, s in keys.items() if k != "*")
    gaps = {r: sorted(required_statuses(r) - s) for r, s in seen.items() if required_statuses(r) - s}
    assert not gaps, f"rules lacking required statuses in expected.json: {gaps}"


def _load_build_cases():
    spec = importlib.util.spec_from_file_location("fixture_build_cases", FIXTURES / "build_cases.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_case_files_are_reproducible() -> None:
    """The committed cases are exactly what build_cases.py builds (deterministic, references validated)."""
    built = _load_build_cases().build_all()
    stale = [name for name, text in built.items() if (FIXTURES / "cases" / name).read_text(encoding="utf-8") != text]
    assert not stale, f"re-run `python fixtures/build_cases.py`: out of date {stale}"


def test_sample_tenant_uses_every_input_shape() -> None:
    shapes = set()
    for path in (FIXTURES / "sample-tenant").glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, list):
            shapes.add("array")
        else:
            shapes.update(k for k in ("resources", "value", "data") if k in doc)
            if "data" in doc:
                assert all(r["type"] == r["type"].lower() for r in doc["data"]), "Resource Graph types are lower-case"
    assert shapes == {"array", "resources", "value", "data"}


# --------------------------------------------------------------------------- engine


@cache
def _engine():
    from auditor.engine import load_rules, scan_inventory
    from auditor.inventory import load_inventory

    return load_inventory, scan_inventory, load_rules


@cache
def scan(case: str):
    load_inventory, scan_inventory, _ = _engine()
    inventory = load_inventory([str(resolved(case)["input"])])
    return scan_inventory(inventory)


@cache
def registered_rule_ids() -> tuple[str, ...]:
    return tuple(rule.id for rule in _engine()[2]())


def _status(result) -> str:
    return str(getattr(result.status, "value", result.status))


def _severity(result) -> str:
    return str(getattr(result.severity, "value", result.severity))


def _actual(case: str) -> dict[str, list[tuple[str, str, str]]]:
    """rule -> [(workspace name path, subject name path, status)]."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for r in scan(case).results:
        out.setdefault(r.rule_id, []).append((name_path(r.workspace_id), name_path(r.resource_id), _status(r)))
    return out


def compare_rule(rule: str, expected: dict[str, str], actual: list[tuple[str, str, str]]) -> list[str]:
    problems: list[str] = []
    unmatched = list(actual)
    for key, status in expected.items():
        if key == "*":
            continue
        if ":" in key:
            ws, path = key.split(":", 1)
            hits = [a for a in actual if a[0] == ws and a[1] == path]
        else:
            hits = [a for a in actual if a[1] == key]
        if not hits:
            problems.append(f"{rule} {key}: expected {status}, no result")
        for hit in hits:
            if hit[2] != status:
                problems.append(f"{rule} {key}: expected {status}, got {hit[2]} (workspace {hit[0]})")
            if hit in unmatched:
                unmatched.remove(hit)
    wildcard = expected.get("*")
    for ws, path, status in unmatched:
        if wildcard is None:
            problems.append(f"{rule} {path}: unexpected result {status} (workspace {ws})")
        elif status != wildcard:
            problems.append(f"{rule} {path}: expected {wildcard} (via '*'), got {status} (workspace {ws})")
    return problems


@pytest.mark.parametrize("case", CASE_NAMES)
def test_results_match_expectations(case: str) -> None:
    exp = resolved(case)
    actual = _actual(case)
    problems: list[str] = []
    for rule, keys in exp["results"].items():
        problems += compare_rule(rule, keys, actual.get(rule, []))
    assert not problems, f"{case}: {len(problems)} mismatch(es)\n" + "\n".join(problems)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_workspaces_match_expectations(case: str) -> None:
    exp = resolved(case)["workspaces"]
    got = {str(w.get("name") or name_path(w["id"])).lower(): w for w in scan(case).workspaces}
    problems: list[str] = []
    if set(got) != set(exp):
        problems.append(f"workspaces: expected {sorted(exp)}, got {sorted(got)}")
    for ws, fields in exp.items():
        actual = got.get(ws)
        if actual is None:
            continue
        for key in ("scenario", "isolation_mode"):
            if key in fields and actual.get(key) != fields[key]:
                problems.append(f"{ws}.{key}: expected {fields[key]!r}, got {actual.get(key)!r}")
        for key, value in fields.get("posture", {}).items():
            got_value = (actual.get("posture") or {}).get(key)
            if got_value != value:
                problems.append(f"{ws}.posture.{key}: expected {value!r}, got {got_value!r}")
    assert not problems, f"{case}:\n" + "\n".join(problems)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_catalogue_invariants(case: str) -> None:
    """§2: one result per (rule, workspace, subject); every workspace has >=1 result per rule; §5 fingerprints."""
    import hashlib

    result = scan(case)
    rules = set(registered_rule_ids())
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    per_ws: dict[str, set[str]] = {}
    for r in result.results:
        key = (r.rule_id, r.workspace_id.lower(), r.resource_id.lower())
        if key in seen:
            problems.append(f"duplicate result {key}")
        seen.add(key)
        per_ws.setdefault(r.workspace_id.lower(), set()).add(r.rule_id)
        if r.rule_id not in rules:
            problems.append(f"result for unregistered rule {r.rule_id}")
        if _status(r) not in STATUSES:
            problems.append(f"{r.rule_id}: bad status {_status(r)}")
        want = hashlib.sha256(f"{r.rule_id}|{r.workspace_id}|{r.resource_id}".lower().encode()).hexdigest()
        if r.fingerprint != want:
            problems.append(f"{r.rule_id} {r.resource_id}: fingerprint is not sha256(rule|workspace|resource)")
    for w in result.workspaces:
        missing = rules - per_ws.get(str(w["id"]).lower(), set())
        if missing:
            problems.append(f"workspace {w['name']} has no result for {sorted(missing)}")
    assert not problems, f"{case}:\n" + "\n".join(problems[:50])


def test_registered_rules_are_the_catalogue() -> None:
    assert sorted(registered_rule_ids()) == sorted(CATALOGUE_RULE_IDS)


def test_every_rule_fails_and_passes_somewhere_and_the_engine_agrees() -> None:
    """Each registered rule has >=1 expected fail and >=1 expected pass (NET-002: not_applicable and fail)
    across expected.json, counted only where the engine produced exactly that status for that subject."""
    agreed: dict[str, set[str]] = {r: set() for r in registered_rule_ids()}
    for case in CASE_NAMES:
        actual = _actual(case)
        for rule, keys in resolved(case)["results"].items():
            for key, status in keys.items():
                if key == "*" or rule not in agreed:
                    continue
                if ":" in key:
                    ws, path = key.split(":", 1)
                    hits = [a for a in actual.get(rule, []) if a[0] == ws and a[1] == path]
                else:
                    hits = [a for a in actual.get(rule, []) if a[1] == key]
                if hits and all(h[2] == status for h in hits):
                    agreed[rule].add(status)
    gaps = {r: sorted(required_statuses(r) - s) for r, s in agreed.items() if required_statuses(r) - s}
    assert not gaps, f"statuses not covered with the engine's agreement: {gaps}"


def test_baseline_has_no_high_or_critical_failure() -> None:
    """The sample tenant must exit 0 with the default fail-on threshold (high)."""
    bad = [
        (r.rule_id, r.resource_id)
        for r in scan("sample-tenant").results
        if _status(r) == "fail" and _severity(r) in {"high", "critical"}
    ]
    assert not bad, bad
