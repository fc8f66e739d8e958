"""Console and Markdown show what decided a result, and for an unknown one what would decide it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from terminal import run_on_terminal

from auditor.engine import load_rules, scan_inventory
from auditor.inventory import load_inventory
from auditor.reporters.console import render_text
from auditor.reporters.explain import evidence_entries, how_to_decide
from auditor.reporters.html import render_html
from auditor.reporters.jsonreport import build_report
from auditor.reporters.junit import render_junit
from auditor.reporters.markdown import render_markdown

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "fixtures" / "cases"
ARM_ID = re.compile(r"/subscriptions/[^\s,;'\"()]+")


def scanned(case: str) -> dict[str, Any]:
    rules = load_rules(())
    result = scan_inventory(load_inventory([str(CASES / f"{case}.json")]), rules)
    return build_report(result, [case], "2026-01-01T00:00:00Z")


def finding_block(text: str, rule_id: str, resource: str) -> str:
    """The console lines of one finding: from its heading to the blank line after it."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if rule_id in line and index + 1 < len(lines) and lines[index + 1].strip() == f"resource: {resource}":
            end = next(i for i in range(index, len(lines)) if not lines[i].strip())
            return "\n".join(lines[index:end])
    raise AssertionError(f"no finding {rule_id} on {resource}")


def test_a_failure_shows_the_property_values_that_decided_it() -> None:
    text = render_text(scanned("no-vnet"))
    block = finding_block(text, "AML-ST-001", "stmlprodwe01")
    assert "evidence: properties.publicNetworkAccess = Enabled" in block
    assert "fix: " in block


def test_a_value_assumed_for_an_absent_property_is_marked_default() -> None:
    report = scanned("inf-deployment-egress-default")
    text = render_text(report)
    assert "evidence: properties.egressPublicNetworkAccess = Enabled (default: not set)" in text


def test_an_unknown_result_says_what_is_missing_and_how_to_provide_it_not_the_fix() -> None:
    text = render_text(scanned("error-private-endpoints-hidden"))
    block = finding_block(text, "AML-NET-001", "mlw-prod")
    assert "missing: collection error 403 AuthorizationFailed on Microsoft.Network/privateEndpoints" in block
    assert (
        "to decide: grant the identity that scans Reader on /subscriptions/3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d "
        "(reading Microsoft.Network/privateEndpoints was refused), then scan again" in " ".join(block.split())
    )
    assert "fix:" not in block


def test_a_resource_in_another_subscription_asks_for_that_subscription() -> None:
    report = scanned("cmp-other-subscription")
    unknown = next(r for r in report["results"] if r["status"] == "unknown" and r["rule_id"] == "AML-CMP-003")
    assert how_to_decide(unknown) == [
        "scan subscription 7b9e4d2a-1c3f-4e5d-8a6b-9c0d1e2f3a4b as well (`--subscription "
        "7b9e4d2a-1c3f-4e5d-8a6b-9c0d1e2f3a4b`, or add its inventory): it holds vnet-ml-shared"
    ]


def test_a_project_whose_hub_is_absent_asks_for_the_hub() -> None:
    report = scanned("project-hub-absent")
    unknown = next(r for r in report["results"] if r["status"] == "unknown")
    assert how_to_decide(unknown) == [
        "include mlw-hub-legacy in the inventory (collect resource group rg-ml-prod with Reader on it); "
        "if it was deleted, remove the reference to it"
    ]


def test_evidence_is_compact_and_complete_about_what_it_leaves_out() -> None:
    evidence = {"a": [1, 2, 3, 4, 5], "b": {"x": None, "y": True}, "c": "", "d": 1, "missing": "gone"}
    assert evidence_entries(evidence) == [
        "a = 1, 2, 3 (+2 more)",
        "b = x: not set, y: true",
        "c = ",
        "(+1 more in the JSON report)",
    ]


def test_no_id_is_folded_or_cut_in_the_console_file() -> None:
    for case in ("error-private-endpoints-hidden", "net-dns-link-missing", "cmp-other-subscription"):
        report = scanned(case)
        text = render_text(report)
        assert "…" not in text
        lines = text.splitlines()
        for result in report["results"]:
            if result["status"] in ("fail", "unknown"):
                for resource_id in ARM_ID.findall(result["message"]):
                    assert any(resource_id in line for line in lines), resource_id


@pytest.mark.parametrize("columns", [80, 200])
def test_on_a_terminal_ids_are_never_broken_nor_ellipsised(columns: int) -> None:
    case = CASES / "error-private-endpoints-hidden.json"
    text = re.sub(r"\x1b\[[0-9;]*m", "", run_on_terminal(["scan", "--inventory", str(case)], columns))
    report = scanned("error-private-endpoints-hidden")
    assert "…" not in text
    ids = {i for r in report["results"] if r["status"] in ("fail", "unknown") for i in ARM_ID.findall(r["message"])}
    ids.add(report["workspaces"][0]["id"])
    assert ids
    for resource_id in ids:
        # The terminal wraps a long line itself; the bytes hold every id whole, so it copies intact.
        assert any(resource_id in line for line in text.splitlines()), resource_id
    # Prose wraps at the terminal's width; only lines holding one long word (an id, a URL, a command
    # in backticks) may exceed it.
    for line in text.splitlines():
        if len(line) > columns:
            assert ARM_ID.search(line) or "http" in line or re.search(r"`[^`]+ [^`]+`", line), line


def test_markdown_shows_evidence_and_what_would_decide_an_unknown_result() -> None:
    text = render_markdown(scanned("error-private-endpoints-hidden"), load_rules(()))
    failing, unknown = text.split("## Unknown")
    assert "| Rule | Workspace | Resource | Message | Evidence | Fix |" in failing
    assert "| Rule | Workspace | Resource | Message | Evidence | To decide |" in unknown
    assert "grant the identity that scans Reader on /subscriptions/3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d" in unknown
    assert "properties.managedNetwork.isolationMode = Disabled" in failing


def test_html_and_junit_say_what_would_decide_an_unknown_result_instead_of_a_fix() -> None:
    report = scanned("project-hub-absent")
    step = "include mlw-hub-legacy in the inventory (collect resource group rg-ml-prod with Reader on it)"
    page = render_html(report, load_rules(()))
    findings = page.split('<details class="finding"')[1:]
    unknown = next(block for block in findings if 'data-status="unknown"' in block.split(">")[0])
    assert "<dt>To decide</dt>" in unknown and step in unknown and "<dt>Fix</dt>" not in unknown
    error = ET.fromstring(render_junit(report, load_rules(()))).find(".//error")
    assert error is not None and error.text is not None
    assert f"To decide:\n{step}" in error.text and "Remediation:" not in error.text
