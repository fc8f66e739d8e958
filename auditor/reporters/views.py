"""What the file formats show alike, so that they cannot drift apart.

Labels, names, the rule catalogue as reports see it, grouping by severity, the counts and posture
tables, and one-line descriptions of the sections beside the results (waivers, baseline, errors).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from auditor.arm import lid, name_of
from auditor.model import STATUS_ORDER, Rule, Status
from auditor.summary import SEVERITIES_DESCENDING
from auditor.waivers import SECTIONS

STATUS_LABELS: dict[str, str] = {
    Status.FAIL: "Fail",
    Status.UNKNOWN: "Unknown",
    Status.WAIVED: "Waived",
    Status.PASS: "Pass",
    Status.NOT_APPLICABLE: "Not applicable",
}

# Someone has to act on these or know about them, so every format lists them one by one.
ATTENTION_STATUSES: tuple[str, ...] = (Status.FAIL, Status.UNKNOWN, Status.WAIVED)

# The source document's comparison table, one row per workspace (catalogue §3).
POSTURE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("scenario", "Scenario"),
    ("isolation_mode", "Isolation mode"),
    ("workspace", "Workspace access"),
    ("storage", "Storage"),
    ("key_vault", "Key vault"),
    ("container_registry", "Container registry"),
    ("training_compute", "Training compute"),
    ("inference_compute", "Inference compute"),
)
_WORKSPACE_LEVEL = {"scenario", "isolation_mode"}

_WAIVER_TITLES = {
    "applied": "Applied waivers",
    "expired": "Expired waivers (no longer applied)",
    "stale": "Stale waivers (matched no failing result)",
}

RuleInfo = dict[str, Any]


def rule_catalogue(report: Mapping[str, Any], rules: Sequence[Rule]) -> dict[str, RuleInfo]:
    """`Rule.metadata()` by rule id, registry order first.

    A rule the registry lacks (a report scanned with `--rules-dir`, rendered or merged without it)
    gets a stand-in built from its results, so that every result still has a rule to point at.
    """
    catalogue = {rule.id: rule.metadata() for rule in rules}
    for result in report["results"]:
        catalogue.setdefault(
            result["rule_id"],
            {
                "id": result["rule_id"],
                "title": result.get("title") or result["rule_id"],
                "severity": result["severity"],
                "family": "",
                "rationale": "",
                "remediation": result.get("remediation", ""),
                "source": "",
                "help_uri": "",
                "reads": [],
                "tags": [],
                "deprecated": False,
            },
        )
    return catalogue


def workspace_names(report: Mapping[str, Any]) -> dict[str, str]:
    """Display name by lower-cased workspace id."""
    return {lid(ws["id"]): ws.get("name") or name_of(ws["id"]) for ws in report["workspaces"]}


def results_by_workspace(results: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Results by lower-cased workspace id, report order within: one pass, not one per workspace."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for result in results:
        groups.setdefault(result["workspace_id"].lower(), []).append(result)
    return groups


def workspace_label(names: Mapping[str, str], workspace_id: str) -> str:
    return names.get(lid(workspace_id)) or name_of(workspace_id)


def workspace_place(workspace: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """`westeurope`, or `westeurope, project of <hub>` for a Project (its posture is the hub's)."""
    where = [workspace.get("location") or ""]
    if workspace.get("hub_id"):
        where.append(f"project of {workspace_label(names, workspace['hub_id'])}")
    return ", ".join(filter(None, where))


def posture_cells(workspace: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(column key, value) in `POSTURE_COLUMNS` order; None where the report has no value."""
    posture = workspace.get("posture") or {}
    return [(key, workspace.get(key) if key in _WORKSPACE_LEVEL else posture.get(key)) for key, _ in POSTURE_COLUMNS]


def by_severity(results: Iterable[Mapping[str, Any]], status: str) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """The results of one status, most severe first, report order within; empty groups left out."""
    chosen = [result for result in results if result["status"] == status]
    groups = [(severity.value, [r for r in chosen if r["severity"] == severity]) for severity in SEVERITIES_DESCENDING]
    return [(severity, members) for severity, members in groups if members]


def counts_table(summary: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Severity × status counts with totals: (header, rows), the last row the totals by status."""
    header = ["Severity", *(STATUS_LABELS[status] for status in STATUS_ORDER), "Total"]
    rows = []
    for severity in SEVERITIES_DESCENDING:
        counts = summary["by_severity"][severity.value]
        rows.append([severity.value, *(str(counts[s]) for s in STATUS_ORDER), str(sum(counts.values()))])
    rows.append(["total", *(str(summary["by_status"][s]) for s in STATUS_ORDER), str(summary["total"])])
    return header, rows


def verdict(summary: Mapping[str, Any]) -> str:
    """`1 fail, 0 unknown, … of 123 results`, statuses in the order people act on them."""
    counts = ", ".join(f"{summary['by_status'][s]} {STATUS_LABELS[s].lower()}" for s in STATUS_ORDER)
    return f"{counts} ({summary['total']} results)"


def extra_sections(report: Mapping[str, Any], names: Mapping[str, str]) -> list[tuple[str, str, list[str]]]:
    """The lists beside the results as (key, title, one line per entry), empty ones included.

    Waivers by section, the findings fixed since the baseline (when one was applied), collection
    errors and warnings.
    """
    waivers = report.get("waivers", {})
    sections = [
        (f"waivers.{key}", _WAIVER_TITLES[key], [describe_waiver(entry) for entry in waivers.get(key, [])])
        for key in SECTIONS
    ]
    if "fixed" in report:
        fixed = [describe_fixed(entry, names) for entry in report["fixed"]]
        sections.append(("baseline.fixed", "Fixed since the baseline", fixed))
    errors = [describe_problem(error) for error in report["collection_errors"]]
    warnings = [describe_problem(warning) for warning in report.get("warnings", [])]
    return [*sections, ("collection_errors", "Collection errors", errors), ("warnings", "Warnings", warnings)]


def describe_waiver(entry: Mapping[str, Any]) -> str:
    """One line naming a waiver entry of the report's `waivers` section by its file position."""
    scope = f" in workspace {entry['workspace']}" if entry.get("workspace") else ""
    owner = f", owner {entry['owner']}" if entry.get("owner") else ""
    count = len(entry.get("fingerprints", []))
    return (
        f"waivers[{entry.get('index')}] {entry.get('rule')} on {entry.get('resource')}{scope}: "
        f"{entry.get('justification')} (expires {entry.get('expires')}{owner}; "
        f"covers {count} failing result(s))"
    )


def describe_fixed(entry: Mapping[str, Any], names: Mapping[str, str]) -> str:
    now = entry.get("status") or "absent"
    return (
        f"{entry.get('rule_id')} on {name_of(str(entry.get('resource_id', '')))} "
        f"({workspace_label(names, str(entry.get('workspace_id', '')))}): now {now}"
    )


def describe_problem(entry: Any) -> str:
    """A collection error or warning on one line, whatever its shape: the report does not fix one."""
    if isinstance(entry, Mapping):
        message = entry.get("message")
        context = ", ".join(
            f"{key}: {value}" for key, value in entry.items() if key != "message" and isinstance(value, str | int)
        )
        if isinstance(message, str):
            return f"{message} ({context})" if context else message
    if isinstance(entry, str):
        return entry
    return json.dumps(entry, sort_keys=True)
