"""The JSON report contract (README "JSON report"): shape, order, determinism, generated_at.

The helpers `result_of`, `workspace_of` and `scan_of` build engine output by hand; the console and
CLI tests import them so that reporters are tested apart from the rules.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from auditor import __version__
from auditor.engine import ScanResult
from auditor.errors import InputError
from auditor.model import Result, Severity, Status
from auditor.reporters.jsonreport import SCHEMA_VERSION, build_report, generated_at_now, render_json

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml/providers"
WS_ID = f"{SUB}/Microsoft.MachineLearningServices/workspaces/ws-one"
ST_ID = f"{SUB}/Microsoft.Storage/storageAccounts/stone"

POSTURE = {
    "workspace": "public",
    "storage": "public",
    "key_vault": "private-endpoint",
    "container_registry": None,
    "training_compute": "none",
    "inference_compute": "none",
}


def workspace_of(ws_id: str = WS_ID, **overrides: Any) -> dict[str, Any]:
    name = ws_id.rsplit("/", 1)[-1]
    return {
        "id": ws_id,
        "name": name,
        "location": "westeurope",
        "kind": "Default",
        "scenario": "no-vnet",
        "isolation_mode": "Disabled",
        "hub_id": None,
        "posture": dict(POSTURE),
        **overrides,
    }


def result_of(
    status: Status = Status.FAIL,
    severity: Severity = Severity.HIGH,
    rule_id: str = "AML-WS-001",
    resource_id: str = WS_ID,
    workspace_id: str = WS_ID,
    **overrides: Any,
) -> Result:
    fields: dict[str, Any] = {
        "title": f"Title of {rule_id}",
        "message": f"{rule_id} says {status.value} about {resource_id.rsplit('/', 1)[-1]}.",
        "evidence": {"properties.publicNetworkAccess": "Enabled"},
        "remediation": f"Fix {rule_id}: az ml workspace update --public-network-access Disabled",
        **overrides,
    }
    return Result(
        rule_id=rule_id,
        status=status,
        severity=severity,
        workspace_id=workspace_id,
        resource_id=resource_id,
        **fields,
    )


def scan_of(results: list[Result], workspaces: list[dict[str, Any]] | None = None, **extra: Any) -> ScanResult:
    return ScanResult(
        workspaces=[workspace_of()] if workspaces is None else workspaces,
        results=results,
        rules=[],
        **extra,
    )


GENERATED_AT = "2026-01-01T00:00:00Z"


def test_top_level_fields_in_contract_order() -> None:
    report = build_report(scan_of([result_of()]), ["inv.json"], GENERATED_AT)

    assert list(report) == [
        "schema_version",
        "tool",
        "generated_at",
        "inputs",
        "workspaces",
        "results",
        "collection_errors",
        "warnings",
        "summary",
    ]
    assert report["schema_version"] == SCHEMA_VERSION == 1
    assert report["tool"] == {"name": "amlaudit", "version": __version__}
    assert report["generated_at"] == GENERATED_AT


def test_inputs_are_kept_exactly_as_given() -> None:
    inputs = ["./a/../inv.json", "Folder With Spaces/", "inv.json"]

    assert build_report(scan_of([]), inputs, GENERATED_AT)["inputs"] == inputs


def test_workspaces_are_projected_to_the_contract_fields() -> None:
    engine_entry = workspace_of(hub_id="/hub", internal_detail={"not": "public"})

    (workspace,) = build_report(scan_of([], [engine_entry]), [], GENERATED_AT)["workspaces"]

    assert list(workspace) == [
        "id",
        "name",
        "location",
        "kind",
        "scenario",
        "isolation_mode",
        "hub_id",
        "posture",
    ]
    assert workspace["hub_id"] == "/hub"
    assert workspace["posture"] == POSTURE


def test_results_carry_the_catalogue_fields_in_engine_order() -> None:
    results = [
        result_of(Status.PASS, rule_id="AML-WS-002"),
        result_of(Status.FAIL, rule_id="AML-WS-001"),
        result_of(Status.UNKNOWN, Severity.MEDIUM, rule_id="AML-ST-004", resource_id=ST_ID),
    ]

    report = build_report(scan_of(results), [], GENERATED_AT)

    assert [r["rule_id"] for r in report["results"]] == ["AML-WS-002", "AML-WS-001", "AML-ST-004"]
    first = report["results"][0]
    assert list(first) == [
        "rule_id",
        "status",
        "severity",
        "title",
        "workspace_id",
        "resource_id",
        "message",
        "evidence",
        "remediation",
        "fingerprint",
    ]
    assert first["status"] == "pass"
    assert re.fullmatch(r"[0-9a-f]{64}", first["fingerprint"])


def test_waiver_and_baseline_fields_appear_only_when_set() -> None:
    waived = result_of(Status.WAIVED, waiver={"justification": "intended", "expires": "2027-01-01"})

    plain, with_waiver = build_report(scan_of([result_of(), waived]), [], GENERATED_AT)["results"]

    assert "waiver" not in plain and "baseline" not in plain
    assert with_waiver["waiver"] == {"justification": "intended", "expires": "2027-01-01"}


def test_summary_counts_by_status_and_severity() -> None:
    results = [
        result_of(Status.FAIL, Severity.CRITICAL, rule_id="AML-WS-003"),
        result_of(Status.FAIL, Severity.HIGH),
        result_of(Status.UNKNOWN, Severity.HIGH, rule_id="AML-ST-001", resource_id=ST_ID),
        result_of(Status.PASS, Severity.LOW, rule_id="AML-WS-004"),
    ]

    summary = build_report(scan_of(results), [], GENERATED_AT)["summary"]

    assert summary["total"] == 4
    assert summary["by_status"] == {"fail": 2, "unknown": 1, "waived": 0, "pass": 1, "not_applicable": 0}
    assert summary["by_severity"]["high"] == {
        "fail": 1,
        "unknown": 1,
        "waived": 0,
        "pass": 0,
        "not_applicable": 0,
    }
    assert summary["by_severity"]["critical"]["fail"] == 1


def test_collection_errors_and_warnings_pass_through() -> None:
    errors = [{"scope": "/subscriptions/x", "type": "Microsoft.Network/privateEndpoints", "error": "403"}]
    scan = scan_of([], collection_errors=errors, warnings=["duplicate id"])

    report = build_report(scan, [], GENERATED_AT)

    assert report["collection_errors"] == errors
    assert report["warnings"] == ["duplicate id"]


def test_render_json_is_deterministic_and_keeps_non_ascii() -> None:
    results = [result_of(message="Le compte « stöne » est public.", evidence={"b": 1, "a": [2, 3]})]

    first = render_json(build_report(scan_of(results), ["inv.json"], GENERATED_AT))
    second = render_json(build_report(scan_of(results), ["inv.json"], GENERATED_AT))

    assert first == second
    assert first.endswith("}\n")
    assert "« stöne »" in first
    # Evidence keeps the rule's own key order: sorting would reorder what the rule put first.
    assert first.index('"b": 1') < first.index('"a": [')
    assert json.loads(first)["results"][0]["evidence"] == {"b": 1, "a": [2, 3]}


def test_generated_at_honours_source_date_epoch() -> None:
    assert generated_at_now({"SOURCE_DATE_EPOCH": "1767225600"}) == "2026-01-01T00:00:00Z"


def test_generated_at_is_utc_now_without_source_date_epoch() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", generated_at_now({}))


@pytest.mark.parametrize("epoch", ["yesterday", "1.5", "99999999999999999999"])
def test_a_malformed_source_date_epoch_is_an_input_error(epoch: str) -> None:
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        generated_at_now({"SOURCE_DATE_EPOCH": epoch})
