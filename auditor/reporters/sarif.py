"""SARIF 2.1.0, for GitHub code scanning and any other SARIF consumer.

Locations: Azure resources are not files, yet GitHub needs a physical location on every result and
keys its alerts on it. Each result therefore names a pseudo-path built from its ARM id,
`azure/<subscription>/<resource group>/<provider namespace>/<type>/<name>[/<child type>/<child name>…]`,
with the `subscriptions`/`resourceGroups`/`providers` keywords dropped, every segment lower-cased
and percent-encoded. Lower-cased because ARM ids are case-insensitive and different APIs return one
id in different casings: a path that followed the casing would close and reopen the alert. The
id with its own casing is the result's logical location.

GitHub limits worth knowing: an upload with more than 25,000 results in a run is rejected, and only
the 5,000 most severe are shown; a rule may carry 20 tags. The first is reported as a tool
notification rather than by dropping results, since every format accounts for every result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from auditor.arm import name_of, segments
from auditor.model import Rule, Severity, Status
from auditor.reporters.jsonwriter import Streamed, StreamedObject, json_chunks
from auditor.reporters.text import markdown_text, sarif_message, shown, shown_data, uri_segment
from auditor.reporters.views import (
    ATTENTION_STATUSES,
    RuleInfo,
    describe_problem,
    rule_catalogue,
    workspace_label,
    workspace_names,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/amlaudit/"
FINGERPRINT_KEY = "amlaudit/v1"
GITHUB_MAX_RESULTS = 25_000

# GitHub reads `security-severity` as a CVSS-like score: ≥9 critical, ≥7 high, ≥4 medium, else low.
SECURITY_SEVERITY: dict[str, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
LEVELS: dict[str, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# A waived result still failed: the suppression, not the kind, says it was accepted.
KINDS: dict[str, str] = {
    Status.FAIL: "fail",
    Status.WAIVED: "fail",
    Status.UNKNOWN: "open",
    Status.PASS: "pass",
    Status.NOT_APPLICABLE: "notApplicable",
}


def render_sarif(report: Mapping[str, Any], rules: Sequence[Rule], *, include_passing: bool = False) -> str:
    """The report as a SARIF log of one run, as one string (see `sarif_pieces`)."""
    return "".join(sarif_pieces(report, rules, include_passing=include_passing))


def sarif_pieces(report: Mapping[str, Any], rules: Sequence[Rule], *, include_passing: bool = False) -> Iterator[str]:
    """The report as a SARIF log of one run, a result at a time.

    `include_passing` adds the pass and not_applicable results (kind `pass` / `notApplicable`), which
    lets a consumer see what was checked; GitHub shows only failing ones either way.
    """
    catalogue = rule_catalogue(report, rules)
    index = {rule_id: position for position, rule_id in enumerate(catalogue)}
    names = workspace_names(report)
    listed = [result for result in report["results"] if include_passing or result["status"] in ATTENTION_STATUSES]
    run = StreamedObject({
        "tool": {
            "driver": {
                "name": shown(report["tool"]["name"]),
                "version": shown(report["tool"]["version"]),
                "semanticVersion": shown(report["tool"]["version"]),
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(info) for info in catalogue.values()],
            }
        },
        "automationDetails": {"id": automation_id(report)},
        "invocations": [_invocation(report, len(listed))],
        "results": Streamed(_result(result, index[result["rule_id"]], names) for result in listed),
        "properties": StreamedObject({
            "summary": report["summary"],
            "inputs": shown_data(report["inputs"]),
            "workspaces": Streamed(shown_data(workspace) for workspace in report["workspaces"]),
            **{key: shown_data(report[key]) for key in ("waivers", "fixed") if key in report},
        }),
    })
    log = StreamedObject({"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": Streamed([run])})
    yield from json_chunks(log)
    yield "\n"


def artifact_uri(resource_id: str) -> str:
    """The stable pseudo-path of a resource (see the module docstring)."""
    parts = segments(resource_id)
    lower = [part.lower() for part in parts]
    path: list[str] = []
    position = 0
    for keyword in ("subscriptions", "resourcegroups"):
        if lower[position : position + 1] == [keyword] and position + 1 < len(parts):
            path.append(parts[position + 1])
            position += 2
    # The rest alternates type and name; `providers` can only stand where a type would.
    while position < len(parts):
        if lower[position] == "providers" and position + 1 < len(parts):
            path.append(parts[position + 1])
        else:
            path.extend(parts[position : position + 2])
        position += 2
    return "/".join(["azure", *(uri_segment(quote(part.lower(), safe="")) for part in path)])


def automation_id(report: Mapping[str, Any]) -> str:
    """`amlaudit/<scope>/`: GitHub's category, so alerts of different scans do not close each other.

    The scope is the scan's inputs rather than the workspaces found, so that a new workspace in the
    same subscription does not start a new category and orphan the old alerts.
    """
    scope = sorted(report["inputs"]) or sorted(ws.get("name") or name_of(ws["id"]) for ws in report["workspaces"])
    return f"amlaudit/{shown('+'.join(scope))}/"


def pascal_case(title: str) -> str:
    """`Workspace uses a private endpoint` → `WorkspaceUsesAPrivateEndpoint`; inner capitals kept (VNet)."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", title))


def _descriptor(info: RuleInfo) -> dict[str, Any]:
    severity = info["severity"]
    tags = list(dict.fromkeys(["security", *info["tags"], *filter(None, [info["family"]])]))
    properties: dict[str, Any] = {
        "tags": tags,
        "security-severity": SECURITY_SEVERITY[severity],
        "severity": severity,
    }
    if info["deprecated"]:
        properties["deprecated"] = True
    descriptor: dict[str, Any] = {
        "id": shown(info["id"]),
        "name": pascal_case(info["title"]),
        "shortDescription": {"text": shown(info["title"])},
        "fullDescription": {"text": shown(info["rationale"] or info["title"])},
        "help": {"text": _help_text(info), "markdown": _help_markdown(info)},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": properties,
    }
    if info["help_uri"]:
        descriptor["helpUri"] = info["help_uri"]
    return descriptor


def _clauses(info: RuleInfo, bold: bool) -> list[str]:
    """The catalogue's applies-when and fails-when clauses, where the rule states them."""
    mark = "**" if bold else ""
    return [
        f"{mark}{label}:{mark} {_help(info[key], bold)}"
        for label, key in (("Applies when", "applies_when"), ("Fails when", "fails_when"))
        if info.get(key)
    ]


def _help(value: str, markdown: bool) -> str:
    # A rule rendered from a merged report's results has texts from that file: shown as text.
    return markdown_text(value, code_spans=True, table=False) if markdown else shown(value)


def _help_text(info: RuleInfo) -> str:
    lines = [f"Fix: {_help(info['remediation'], False)}", *_clauses(info, bold=False)]
    if info["source"]:
        lines.append(f"Source: {_help(info['source'], False)}")
    if info["help_uri"]:
        lines.append(f"See: {_help(info['help_uri'], False)}")
    return "\n\n".join(lines)


def _help_markdown(info: RuleInfo) -> str:
    lines = [f"**Fix:** {_help(info['remediation'], True)}", *_clauses(info, bold=True)]
    if info["rationale"]:
        lines.append(f"**Why:** {_help(info['rationale'], True)}")
    if info["source"]:
        lines.append(f"**Source:** {_help(info['source'], True)}")
    if info["help_uri"]:
        lines.append(f"[Microsoft Learn]({info['help_uri']})")
    return "\n\n".join(lines)


def _result(result: Mapping[str, Any], rule_index: int, names: Mapping[str, str]) -> dict[str, Any]:
    status = result["status"]
    resource_id = result["resource_id"]
    # SARIF allows a level other than `none` only on kind `fail`.
    level = LEVELS[result["severity"]] if KINDS[status] == "fail" else "none"
    properties: dict[str, Any] = shown_data(
        {
            "status": status,
            "severity": result["severity"],
            "workspace_id": result["workspace_id"],
            "workspace": workspace_label(names, result["workspace_id"]),
            "resource_id": resource_id,
            "evidence": result.get("evidence", {}),
        }
    )
    out: dict[str, Any] = {
        "ruleId": shown(result["rule_id"]),
        "ruleIndex": rule_index,
        "kind": KINDS[status],
        "level": level,
        "message": {"text": sarif_message(result.get("message") or result.get("title") or result["rule_id"])},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(resource_id)},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [
                    {"fullyQualifiedName": shown(resource_id), "name": shown(name_of(resource_id)), "kind": "resource"}
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: result["fingerprint"]},
        "properties": properties,
    }
    if result.get("baseline"):
        out["baselineState"] = properties["baseline"] = shown(result["baseline"])
    if status == Status.WAIVED:
        waiver = result.get("waiver") or {}
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": shown(waiver.get("justification", "")),
                "properties": shown_data({key: waiver[key] for key in ("expires", "owner") if waiver.get(key)}),
            }
        ]
    return out


def _invocation(report: Mapping[str, Any], result_count: int) -> dict[str, Any]:
    notifications = [
        {"level": "error", "message": {"text": f"Collection error: {sarif_message(describe_problem(error))}"}}
        for error in report["collection_errors"]
    ]
    notifications += [
        {"level": "warning", "message": {"text": sarif_message(describe_problem(warning))}}
        for warning in report.get("warnings", [])
    ]
    if result_count > GITHUB_MAX_RESULTS:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{result_count} results: GitHub code scanning rejects a run of more than "
                    f"{GITHUB_MAX_RESULTS}; scan fewer workspaces per upload or leave out passing results."
                },
            }
        )
    invocation: dict[str, Any] = {"executionSuccessful": True, "endTimeUtc": shown(report["generated_at"])}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation
