"""JUnit XML, for Azure DevOps (PublishTestResults@2), Jenkins and GitLab test reports.

One `<testsuite>` per workspace and one `<testcase>` per result: fail → `<failure>`, unknown →
`<error>` (the check could not reach a verdict), not_applicable and waived → `<skipped>`. JUnit counts
only tests, failures, errors and skips, so every suite also carries its counts by status as
properties, and a leading suite without tests named `amlaudit` carries the report-wide ones, the
waiver and baseline sections and the collection errors: tools ignore an empty suite, while
properties directly under `<testsuites>` break stricter readers.

Every text from the report goes through `text.shown`: XML 1.0 cannot carry most control characters
even escaped, and ElementTree would write them verbatim into a file no parser accepts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from auditor.arm import lid, name_of
from auditor.model import STATUS_ORDER, Rule, Status
from auditor.reporters.explain import how_to_decide
from auditor.reporters.text import shown, visible_json
from auditor.reporters.views import (
    extra_sections,
    posture_cells,
    rule_catalogue,
    workspace_label,
    workspace_names,
)
from auditor.summary import summary_of

SUMMARY_SUITE = "amlaudit"



def render_junit(report: Mapping[str, Any], rules: Sequence[Rule]) -> str:
    """The report as JUnit XML, as one string (see `junit_pieces`)."""
    return "".join(junit_pieces(report, rules))


def junit_pieces(report: Mapping[str, Any], rules: Sequence[Rule]) -> Iterator[str]:
    """The report as JUnit XML, a suite at a time: what `ET.indent` and `ET.tostring` write for
    the whole tree, without ever holding it."""
    catalogue = rule_catalogue(report, rules)
    names = workspace_names(report)
    root = ET.Element("testsuites", {"name": "amlaudit"})
    _set_counts(root, report["results"])
    # The root's start tag: the element serialised empty, its self-closing end opened up.
    yield "<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(root, encoding="unicode")[: -len(" />")] + ">"
    yield _indented(_summary_suite(report, names))
    workspaces = {lid(ws["id"]): ws for ws in reversed(report["workspaces"])}
    for workspace_id, results in _by_workspace(report).items():
        suite = ET.Element(
            "testsuite",
            {
                "name": shown(workspace_label(names, results[0]["workspace_id"])),
                "timestamp": shown(report["generated_at"]),
            },
        )
        _set_counts(suite, results)
        properties = ET.SubElement(suite, "properties")
        _property(properties, "workspace.id", results[0]["workspace_id"])
        for key, value in posture_cells(workspaces.get(workspace_id) or {}):
            _property(properties, f"posture.{key}", value or "")
        _status_properties(properties, summary_of(results))
        for result in results:
            suite.append(_testcase(result, catalogue.get(result["rule_id"], {}), names))
        yield _indented(suite)
    yield "\n</testsuites>\n"


def _indented(suite: ET.Element) -> str:
    """A child of the root as the whole tree's `ET.indent` lays it out, after its leading break."""
    ET.indent(suite, level=1)
    return "\n  " + ET.tostring(suite, encoding="unicode")


def _by_workspace(report: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """Results by lower-cased workspace id: the report's workspaces first, in its order."""
    groups: dict[str, list[Mapping[str, Any]]] = {lid(ws["id"]): [] for ws in report["workspaces"]}
    for result in report["results"]:
        groups.setdefault(lid(result["workspace_id"]), []).append(result)
    return {workspace_id: results for workspace_id, results in groups.items() if results}


def _set_counts(element: ET.Element, results: Iterable[Mapping[str, Any]]) -> None:
    counts = summary_of(results)["by_status"]
    element.set("tests", str(sum(counts.values())))
    element.set("failures", str(counts[Status.FAIL]))
    element.set("errors", str(counts[Status.UNKNOWN]))
    element.set("skipped", str(counts[Status.NOT_APPLICABLE] + counts[Status.WAIVED]))
    element.set("time", "0")


def _summary_suite(report: Mapping[str, Any], names: Mapping[str, str]) -> ET.Element:
    suite = ET.Element(
        "testsuite",
        {"name": SUMMARY_SUITE, "tests": "0", "failures": "0", "errors": "0", "skipped": "0", "time": "0"},
    )
    suite.set("timestamp", shown(report["generated_at"]))
    properties = ET.SubElement(suite, "properties")
    _property(properties, "tool.version", report["tool"]["version"])
    _property(properties, "inputs", ", ".join(report["inputs"]))
    _status_properties(properties, report["summary"])
    lines = []
    for key, title, items in extra_sections(report, names):
        _property(properties, key, str(len(items)))
        lines += [f"{title}: {shown(item)}" for item in items]
    if lines:
        ET.SubElement(suite, "system-out").text = "\n".join(lines)
    return suite


def _status_properties(properties: ET.Element, summary: Mapping[str, Any]) -> None:
    _property(properties, "total", str(summary["total"]))
    for status in STATUS_ORDER:
        _property(properties, f"count.{status.value}", str(summary["by_status"][status]))


def _property(properties: ET.Element, name: str, value: str) -> None:
    ET.SubElement(properties, "property", {"name": name, "value": shown(value)})


def _testcase(result: Mapping[str, Any], rule: Mapping[str, Any], names: Mapping[str, str]) -> ET.Element:
    case = ET.Element(
        "testcase",
        {
            "classname": shown(rule.get("family") or result["rule_id"]),
            "name": shown(f"{result['rule_id']} {name_of(result['resource_id'])}"),
            "time": "0",
        },
    )
    status = result["status"]
    message = shown(result.get("message", ""))
    if status == Status.FAIL:
        failure = ET.SubElement(case, "failure", {"message": message, "type": shown(result["severity"])})
        failure.text = _details(result, names)
    elif status == Status.UNKNOWN:
        error = ET.SubElement(case, "error", {"message": message, "type": "unknown"})
        error.text = _details(result, names)
    elif status == Status.WAIVED:
        waiver = result.get("waiver") or {}
        owner = f" (owner {waiver['owner']})" if waiver.get("owner") else ""
        reason = f"Waived until {waiver.get('expires')}{owner}: {waiver.get('justification')}"
        ET.SubElement(case, "skipped", {"message": shown(reason)})
    elif status == Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", {"message": message})
    return case


def _details(result: Mapping[str, Any], names: Mapping[str, str]) -> str:
    lines = [
        shown(result.get("message", "")),
        "",
        f"Rule: {shown(result['rule_id'])} {shown(result.get('title', ''))}",
        f"Severity: {shown(result['severity'])}",
        f"Workspace: {shown(workspace_label(names, result['workspace_id']))}",
        f"Resource: {shown(result['resource_id'])}",
    ]
    if result.get("baseline"):
        lines.append(f"Baseline: {shown(result['baseline'])}")
    evidence = visible_json(result.get("evidence", {}))
    lines += ["", "Evidence:", evidence, ""]
    if result["status"] == Status.UNKNOWN:
        lines += ["To decide:", *(shown(step) for step in how_to_decide(result))]
    else:
        lines += ["Remediation:", shown(result.get("remediation", ""))]
    return "\n".join(lines)
