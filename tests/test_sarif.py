"""SARIF 2.1.0: valid against the OASIS schema and acceptable to GitHub code scanning."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sample_report import DEV_ID, PROD_ID, PROVIDERS, RULES, report_of, result_of, sample_report, scanned_report

import auditor.reporters.sarif as sarif
from auditor.model import Severity, Status
from auditor.reporters.sarif import artifact_uri, pascal_case, render_sarif

# A copy of shared/schemas/sarif-schema-2.1.0.json (the OASIS schema), kept with the tests.
SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
GITHUB_LEVELS = {"none", "note", "warning", "error"}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def sarif_of(report: dict[str, Any], **options: Any) -> dict[str, Any]:
    return json.loads(render_sarif(report, RULES, **options))


def assert_valid(log: dict[str, Any], validator: jsonschema.Draft7Validator) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def assert_github_acceptable(log: dict[str, Any]) -> None:
    """What GitHub code scanning checks on upload, beyond the schema."""
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    assert len(run["results"]) <= sarif.GITHUB_MAX_RESULTS
    for rule in rules:
        assert len(rule["properties"]["tags"]) <= 20
        assert float(rule["properties"]["security-severity"]) > 0
        assert rule["defaultConfiguration"]["level"] in GITHUB_LEVELS
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in GITHUB_LEVELS
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"]
        assert location["region"]["startLine"] == 1
        assert result["partialFingerprints"]["amlaudit/v1"]


@pytest.mark.parametrize("include_passing", [False, True])
def test_valid_against_the_oasis_schema_and_github_rules(
    validator: jsonschema.Draft7Validator, include_passing: bool
) -> None:
    log = sarif_of(sample_report(), include_passing=include_passing)

    assert log["version"] == "2.1.0"
    assert_valid(log, validator)
    assert_github_acceptable(log)


def test_the_real_rule_pack_and_engine_give_valid_sarif(validator: jsonschema.Draft7Validator) -> None:
    report, rules = scanned_report()

    log = json.loads(render_sarif(report, rules, include_passing=True))

    assert_valid(log, validator)
    assert_github_acceptable(log)
    driver = log["runs"][0]["tool"]["driver"]
    assert [rule["id"] for rule in driver["rules"]] == [rule.id for rule in rules]
    assert len(log["runs"][0]["results"]) == report["summary"]["total"]


def test_driver_describes_every_registry_rule() -> None:
    driver = sarif_of(sample_report())["runs"][0]["tool"]["driver"]

    assert driver["name"] == "amlaudit"
    assert driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == [rule.id for rule in RULES]
    kv = driver["rules"][2]
    assert kv["name"] == "KeyVaultLetsTrustedMicrosoftServicesBypassItsFirewall"
    assert kv["shortDescription"]["text"] == RULES[2].title
    assert kv["fullDescription"]["text"] == RULES[2].rationale
    assert RULES[2].remediation in kv["help"]["text"]
    assert RULES[2].remediation in kv["help"]["markdown"]
    assert kv["helpUri"] == RULES[2].help_uri
    assert kv["properties"]["tags"] == ["security", "network", "keyvault"]


@pytest.mark.parametrize(
    ("severity", "score", "level"),
    [
        (Severity.CRITICAL, "9.5", "error"),
        (Severity.HIGH, "8.0", "error"),
        (Severity.MEDIUM, "5.5", "warning"),
        (Severity.LOW, "3.0", "note"),
        (Severity.INFO, "1.0", "note"),
    ],
)
def test_severity_maps_to_github_score_and_level(severity: Severity, score: str, level: str) -> None:
    log = sarif_of(sample_report())
    (rule,) = [r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["properties"]["severity"] == severity]
    failing = [
        r for r in log["runs"][0]["results"] if r["ruleId"] == rule["id"] and r["properties"]["status"] == "fail"
    ]

    assert rule["properties"]["security-severity"] == score
    assert rule["defaultConfiguration"]["level"] == level
    assert {r["level"] for r in failing} == {level}


def test_statuses_map_to_kinds_levels_and_suppressions() -> None:
    report = sample_report()
    results = sarif_of(report, include_passing=True)["runs"][0]["results"]
    by_status: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_status.setdefault(result["properties"]["status"], []).append(result)

    assert {r["kind"] for r in by_status["fail"]} == {"fail"}
    assert all("suppressions" not in r for r in by_status["fail"])
    assert {(r["kind"], r["level"]) for r in by_status["unknown"]} == {("open", "none")}
    assert {(r["kind"], r["level"]) for r in by_status["pass"]} == {("pass", "none")}
    assert {(r["kind"], r["level"]) for r in by_status["not_applicable"]} == {("notApplicable", "none")}
    for result in by_status["waived"]:
        assert result["kind"] == "fail"
        assert result["level"] == sarif.LEVELS[result["properties"]["severity"]]
        (suppression,) = result["suppressions"]
        assert suppression["kind"] == "external"
        assert suppression["justification"] == "Accepted until the migration."
        assert suppression["properties"] == {"expires": "2026-12-31", "owner": "team-ml"}


def test_passing_results_only_on_request_and_counts_always_complete() -> None:
    report = sample_report()

    default = sarif_of(report)["runs"][0]
    everything = sarif_of(report, include_passing=True)["runs"][0]

    assert {r["properties"]["status"] for r in default["results"]} == {"fail", "unknown", "waived"}
    assert len(default["results"]) == 30
    assert len(everything["results"]) == report["summary"]["total"] == 50
    assert default["properties"]["summary"] == report["summary"]


def test_each_result_carries_location_fingerprint_and_properties() -> None:
    report = sample_report()
    source = next(r for r in report["results"] if r["status"] == "fail")

    result = next(
        r
        for r in sarif_of(report)["runs"][0]["results"]
        if r["properties"]["resource_id"] == source["resource_id"] and r["ruleId"] == source["rule_id"]
    )

    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == artifact_uri(source["resource_id"])
    assert location["logicalLocations"][0]["fullyQualifiedName"] == source["resource_id"]
    assert result["partialFingerprints"] == {"amlaudit/v1": source["fingerprint"]}
    assert result["message"]["text"] == source["message"]
    assert result["properties"]["workspace_id"] == source["workspace_id"]
    assert result["properties"]["workspace"] == source["workspace_id"].rsplit("/", 1)[-1]
    assert result["properties"]["evidence"] == source["evidence"]


def test_run_metadata_names_the_scope_and_collection_problems() -> None:
    run = sarif_of(sample_report())["runs"][0]

    assert run["automationDetails"]["id"] == "amlaudit/fixtures/sample-tenant/"
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert any("privateDnsZones" in text and "403" in text for text in texts)
    assert "inventory is two days old" in texts


def test_scope_falls_back_to_sorted_workspace_names() -> None:
    report = report_of([], inputs=[])

    assert sarif.automation_id(report) == "amlaudit/mlw-dev+mlw-prod/"


def test_baseline_state_is_carried() -> None:
    report = sample_report()
    report["results"][0]["baseline"] = "new"

    result = sarif_of(report, include_passing=True)["runs"][0]["results"][0]

    assert result["baselineState"] == "new"
    assert result["properties"]["baseline"] == "new"


def test_a_rule_missing_from_the_registry_still_gets_a_descriptor(validator: jsonschema.Draft7Validator) -> None:
    custom = result_of(RULES[1], PROD_ID, Status.FAIL)
    custom.rule_id = "CUSTOM-001"
    report = report_of([custom])

    log = sarif_of(report)

    assert_valid(log, validator)
    assert_github_acceptable(log)
    descriptor = log["runs"][0]["tool"]["driver"]["rules"][-1]
    assert descriptor["id"] == "CUSTOM-001"
    assert descriptor["shortDescription"]["text"] == RULES[1].title


def test_too_many_results_for_github_are_kept_and_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "GITHUB_MAX_RESULTS", 5)

    run = sarif_of(sample_report())["runs"][0]

    assert len(run["results"]) == 30
    texts = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("rejects a run of more than 5" in text for text in texts)


URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~/%]+$")


def test_artifact_uri_drops_keywords_and_keeps_the_hierarchy() -> None:
    compute = f"{PROVIDERS}/Microsoft.MachineLearningServices/workspaces/mlw-prod/computes/gpu-1"

    assert artifact_uri(compute) == (
        "azure/00000000-0000-0000-0000-00000000abcd/rg-ml/microsoft.machinelearningservices/"
        "workspaces/mlw-prod/computes/gpu-1"
    )


def test_artifact_uri_is_stable_across_casings_of_one_id() -> None:
    upper = DEV_ID.replace("resourceGroups/rg-ML", "RESOURCEGROUPS/RG-ml").replace("Microsoft.", "MICROSOFT.")

    assert artifact_uri(upper) == artifact_uri(DEV_ID) == artifact_uri(DEV_ID.lower())


def test_artifact_uri_encodes_what_a_uri_cannot_hold() -> None:
    odd = f"{PROVIDERS}/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms/virtualNetworkLinks/a b#c?d%é"

    uri = artifact_uri(odd)

    assert URI_CHARS.match(uri), uri
    assert uri.endswith("/virtualnetworklinks/a%20b%23c%3Fd%25%C3%A9")


def test_artifact_uri_of_extension_and_non_arm_ids() -> None:
    extension = f"{DEV_ID}/providers/Microsoft.Insights/diagnosticSettings/to-law"

    assert artifact_uri(extension).endswith("/workspaces/mlw-dev/microsoft.insights/diagnosticsettings/to-law")
    assert artifact_uri("managed-vnet:x") == "azure/managed-vnet%3Ax"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Workspace uses a private endpoint", "WorkspaceUsesAPrivateEndpoint"),
        ("No-public-IP compute has private link", "NoPublicIPComputeHasPrivateLink"),
        ("Compute in the workspace's VNet", "ComputeInTheWorkspaceSVNet"),
    ],
)
def test_rule_names_are_pascal_case(title: str, name: str) -> None:
    assert pascal_case(title) == name
