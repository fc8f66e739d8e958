"""JUnit XML: one suite per workspace, one case per result, counts that add up."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from sample_report import PROD_ID, RULES, report_of, result_of, sample_report, scanned_report

from auditor.model import STATUS_ORDER, Status
from auditor.reporters.junit import SUMMARY_SUITE, render_junit


def parsed(report: dict[str, Any]) -> ET.Element:
    return ET.fromstring(render_junit(report, RULES))


def properties(suite: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in suite.iter("property")}


def workspace_suites(root: ET.Element) -> list[ET.Element]:
    return [suite for suite in root.findall("testsuite") if suite.get("name") != SUMMARY_SUITE]


def test_one_suite_per_workspace_with_counts_that_match_its_cases() -> None:
    root = parsed(sample_report())

    suites = workspace_suites(root)
    assert [suite.get("name") for suite in suites] == ["mlw-prod", "mlw-dev"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases)) == "25"
        assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None)) == "5"
        assert suite.get("errors") == str(sum(1 for c in cases if c.find("error") is not None)) == "5"
        assert suite.get("skipped") == str(sum(1 for c in cases if c.find("skipped") is not None)) == "10"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "50",
        "10",
        "10",
        "20",
    )


def test_every_status_is_counted_in_properties() -> None:
    report = sample_report()
    root = parsed(report)

    summary = properties(root.find(f"testsuite[@name='{SUMMARY_SUITE}']"))  # type: ignore[arg-type]
    assert summary["total"] == "50"
    for status in STATUS_ORDER:
        assert summary[f"count.{status.value}"] == str(report["summary"]["by_status"][status.value])
    prod = properties(workspace_suites(root)[0])
    assert prod["workspace.id"] == PROD_ID
    assert prod["posture.scenario"] == "private-workspace"
    assert prod["count.waived"] == "5"


def test_cases_carry_failure_error_and_skip_details() -> None:
    root = parsed(sample_report())
    cases = {case.get("name"): case for case in workspace_suites(root)[0].findall("testcase")}

    failing = cases["AML-WS-003 stmlwprodfail"]
    assert failing.get("classname") == "workspace"
    failure = failing.find("failure")
    assert failure is not None
    assert failure.get("type") == "critical"
    assert failure.get("message") == "AML-WS-003 is fail for `stmlwprodfail`."
    assert "Evidence:" in (failure.text or "") and '"properties.publicNetworkAccess": "Enabled"' in (failure.text or "")
    assert "Remediation:\nFix AML-WS-003" in (failure.text or "")

    error = cases["AML-WS-003 stmlwprodunknown"].find("error")
    assert error is not None and error.get("type") == "unknown"

    waived = cases["AML-WS-003 stmlwprodwaived"].find("skipped")
    assert waived is not None
    assert waived.get("message") == "Waived until 2026-12-31 (owner team-ml): Accepted until the migration."
    assert cases["AML-WS-003 stmlwprodnotapplicable"].find("skipped") is not None
    assert len(cases["AML-WS-003 stmlwprodpass"]) == 0


def test_extra_sections_go_to_the_summary_suite() -> None:
    report = sample_report()
    report["waivers"] = {
        "applied": [],
        "expired": [
            {
                "index": 2,
                "rule": "AML-WS-*",
                "resource": "*",
                "workspace": None,
                "justification": "old",
                "expires": "2025-01-01",
                "owner": None,
                "fingerprints": ["ab"],
            }
        ],
        "stale": [],
    }
    report["fixed"] = [
        {
            "fingerprint": "cd",
            "rule_id": "AML-ST-001",
            "resource_id": "/x/st",
            "workspace_id": PROD_ID,
            "status": "pass",
        }
    ]

    summary = parsed(report).find(f"testsuite[@name='{SUMMARY_SUITE}']")

    assert summary is not None and summary.get("tests") == "0"
    props = properties(summary)
    assert (props["waivers.expired"], props["baseline.fixed"], props["collection_errors"]) == ("1", "1", "1")
    out = summary.findtext("system-out") or ""
    assert "Expired waivers (no longer applied): waivers[2] AML-WS-* on *" in out
    assert "Fixed since the baseline: AML-ST-001 on st (mlw-prod): now pass" in out
    assert "Collection errors: 403" in out


def test_markup_and_control_characters_survive_as_text() -> None:
    nasty = result_of(RULES[0], PROD_ID, Status.FAIL)
    nasty.message = 'Bad <tag attr="x"> & \x01 ]]> done'

    root = parsed(report_of([nasty]))

    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message") == 'Bad <tag attr="x"> & \\x01 ]]> done'


def test_the_real_rule_pack_uses_families_as_class_names() -> None:
    report, rules = scanned_report()

    root = ET.fromstring(render_junit(report, rules))

    cases = root.findall(".//testcase")
    assert len(cases) == report["summary"]["total"]
    assert {case.get("classname") for case in cases} <= {rule.family for rule in rules}
    assert root.get("failures") == str(report["summary"]["by_status"]["fail"])
