"""Markdown for pull-request comments and CI job summaries (GitHub-flavoured tables).

Long lists fold into `<details>` so that the page opens on the verdict and the posture; GitHub
caps a comment at 65,536 characters, so rows stay terse (short resource names, ids in SARIF/JSON).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from auditor.arm import name_of
from auditor.model import Rule, Status
from auditor.reporters.views import (
    ATTENTION_STATUSES,
    CODE_SPAN,
    POSTURE_COLUMNS,
    STATUS_LABELS,
    by_severity,
    counts_table,
    extra_sections,
    posture_cells,
    rule_catalogue,
    verdict,
    workspace_label,
    workspace_names,
    workspace_place,
)
from auditor.summary import summary_of

# Tables and lists longer than this many lines fold; shorter ones read better open.
COLLAPSE_AFTER = 12

Row = Sequence[str]


def render_markdown(report: Mapping[str, Any], rules: Sequence[Rule]) -> str:
    """The report as Markdown; rule ids link to the rule's documentation."""
    links = {rule_id: info["help_uri"] for rule_id, info in rule_catalogue(report, rules).items()}
    names = workspace_names(report)
    summary = report["summary"]
    out = [
        "# amlaudit report",
        "",
        f"**{_text(verdict(summary))}**",
        "",
        f"amlaudit {_text(report['tool']['version'])} · generated {_text(report['generated_at'])} · "
        f"inputs: {', '.join(_code(item) for item in report['inputs']) or 'none'} · "
        f"{len(report['workspaces'])} workspace(s)",
        "",
        "## Posture",
        "",
        *_table(
            ["Name", *(label for _, label in POSTURE_COLUMNS), "Findings"],
            [_posture_row(ws, report, names) for ws in report["workspaces"]],
        ),
    ]
    for status, heading in ((Status.FAIL, "Failing"), (Status.UNKNOWN, "Unknown")):
        groups = by_severity(report["results"], status)
        if groups:
            out += ["", f"## {heading} ({sum(len(members) for _, members in groups)})"]
        for severity, members in groups:
            rows = [_finding_row(result, names, links) for result in members]
            table = _table(["Rule", "Workspace", "Resource", "Message", "Fix"], rows)
            out += [
                "",
                f"### {severity.capitalize()} ({len(members)})",
                "",
                *_folded(f"{len(rows)} results", table),
            ]
    waived = [result for result in report["results"] if result["status"] == Status.WAIVED]
    if waived:
        table = _table(
            ["Rule", "Workspace", "Resource", "Justification", "Expires", "Owner"],
            [_waived_row(result, names, links) for result in waived],
        )
        out += ["", f"## Waived ({len(waived)})", "", *_folded(f"{len(waived)} results", table)]
    out += _lists(report, names)
    header, counts = counts_table(summary)
    out += ["", "## Counts", "", *_table(header, counts)]
    # Reference-style links: each rule's URL once, not on every row that names the rule.
    listed = dict.fromkeys(r["rule_id"] for r in report["results"] if r["status"] in ATTENTION_STATUSES)
    references = [f"[{rule_id}]: {links[rule_id]}" for rule_id in listed if links.get(rule_id)]
    if references:
        out += ["", *references]
    return "\n".join(out) + "\n"


def _posture_row(workspace: Mapping[str, Any], report: Mapping[str, Any], names: Mapping[str, str]) -> Row:
    name = workspace.get("name") or name_of(workspace["id"])
    label = f"**{_text(name)}** ({_text(workspace_place(workspace, names))})"
    mine = [r for r in report["results"] if r["workspace_id"].lower() == workspace["id"].lower()]
    counts = summary_of(mine)["by_status"]
    findings = " · ".join(f"{counts[s]} {STATUS_LABELS[s].lower()}" for s in ATTENTION_STATUSES)
    return [label, *(_text(value) if value else "—" for _, value in posture_cells(workspace)), findings]


def _finding_row(result: Mapping[str, Any], names: Mapping[str, str], links: Mapping[str, str]) -> Row:
    rule = _rule(result, links)
    if result.get("baseline"):
        rule += f" *({_text(result['baseline'])})*"
    return [
        rule,
        _text(workspace_label(names, result["workspace_id"])),
        _code(name_of(result["resource_id"])),
        _text(result.get("message", "")),
        _text(result.get("remediation", "")),
    ]


def _waived_row(result: Mapping[str, Any], names: Mapping[str, str], links: Mapping[str, str]) -> Row:
    waiver = result.get("waiver") or {}
    return [
        _rule(result, links),
        _text(workspace_label(names, result["workspace_id"])),
        _code(name_of(result["resource_id"])),
        _text(waiver.get("justification") or ""),
        _text(waiver.get("expires") or ""),
        _text(waiver.get("owner") or "—"),
    ]


def _lists(report: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """The sections beside the results, as bullet lists: waivers, baseline, collection problems."""
    out: list[str] = []
    for _, title, items in extra_sections(report, names):
        if items:
            bullets = [f"- {_text(item)}" for item in items]
            out += ["", f"## {title} ({len(items)})", "", *_folded(f"{len(items)} entries", bullets)]
    return out


def _rule(result: Mapping[str, Any], links: Mapping[str, str]) -> str:
    rule_id = _code(result["rule_id"])
    if links.get(result["rule_id"]):
        rule_id = f"[{rule_id}][{result['rule_id']}]"
    return f"{rule_id} {_text(result.get('title', ''))}"


def _folded(summary: str, lines: list[str]) -> list[str]:
    if len(lines) <= COLLAPSE_AFTER:
        return lines
    # GitHub renders Markdown inside <details> only after a blank line.
    return [f"<details><summary>{html.escape(summary)}</summary>", "", *lines, "", "</details>"]


def _table(header: Row, rows: Sequence[Row]) -> list[str]:
    return [_line(header), _line(["---"] * len(header)), *(_line(row) for row in rows)]


def _line(cells: Row) -> str:
    return "| " + " | ".join(cells) + " |"


def _text(value: str) -> str:
    """Text for a table cell: no column breaks, no line breaks, and HTML only as text.

    Messages and fixes mark commands as code spans (`az … <ws id>`): GitHub shows a code span
    literally, entities included, so only the text around code spans is HTML-escaped.
    """
    pieces = []
    position = 0
    for span in CODE_SPAN.finditer(value):
        pieces += [html.escape(value[position : span.start()], quote=False), span.group(0)]
        position = span.end()
    pieces.append(html.escape(value[position:], quote=False))
    return "<br>".join(line.strip() for line in "".join(pieces).splitlines()).replace("|", "\\|")


def _code(value: str) -> str:
    # ARM names hold no backticks; a pipe must still be escaped inside a table's code span.
    return f"`{value.replace('`', '')}`".replace("|", "\\|")
