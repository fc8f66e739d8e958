"""Markdown for pull-request comments and CI job summaries (GitHub-flavoured tables).

Long lists fold into `<details>` so that the page opens on the verdict and the posture; GitHub
caps a comment at 65,536 characters, so rows stay terse (short resource names, ids in SARIF/JSON).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from auditor.arm import name_of
from auditor.model import Rule, Status
from auditor.reporters.diagrams import DiagramSource, markdown_section
from auditor.reporters.explain import REQUIREMENT_COLUMNS, evidence_entries, how_to_decide, requirement_rows
from auditor.reporters.text import markdown_code, markdown_text
from auditor.reporters.views import (
    ATTENTION_STATUSES,
    POSTURE_COLUMNS,
    STATUS_LABELS,
    by_severity,
    counts_table,
    extra_sections,
    posture_cells,
    results_by_workspace,
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


def render_markdown(report: Mapping[str, Any], rules: Sequence[Rule], diagrams: DiagramSource | None = None) -> str:
    """The report as Markdown, as one string (see `markdown_pieces`)."""
    return "".join(markdown_pieces(report, rules, diagrams))


def markdown_pieces(
    report: Mapping[str, Any], rules: Sequence[Rule], diagrams: DiagramSource | None = None
) -> Iterator[str]:
    """The report as Markdown, a line at a time; rule ids link to the rule's documentation; a
    Mermaid network diagram per workspace when the scan hands over its topology."""
    for line in _lines(report, rules, diagrams):
        yield line + "\n"


def _lines(report: Mapping[str, Any], rules: Sequence[Rule], diagrams: DiagramSource | None) -> Iterator[str]:
    links = {rule_id: info["help_uri"] for rule_id, info in rule_catalogue(report, rules).items()}
    names = workspace_names(report)
    summary = report["summary"]
    yield from (
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
    )
    groups = results_by_workspace(report["results"])
    yield from _table(
        ["Name", *(label for _, label in POSTURE_COLUMNS), "Findings"],
        (_posture_row(ws, groups.get(ws["id"].lower(), []), names) for ws in report["workspaces"]),
    )
    yield from markdown_section(report, diagrams)
    for status, heading in ((Status.FAIL, "Failing"), (Status.UNKNOWN, "Unknown")):
        by_level = by_severity(report["results"], status)
        if by_level:
            yield from ("", f"## {heading} ({sum(len(members) for _, members in by_level)})")
        for severity, members in by_level:
            rows = (_finding_row(result, names, links) for result in members)
            # An unknown result says what would decide it rather than how to fix a failure.
            last = "To decide" if status == Status.UNKNOWN else "Fix"
            table = _table(["Rule", "Workspace", "Resource", "Message", "Evidence", last], rows)
            yield from ("", f"### {severity.capitalize()} ({len(members)})", "")
            yield from _folded(f"{len(members)} results", len(members) + 2, table)
    yield from _requirement_tables(report)
    waived = [result for result in report["results"] if result["status"] == Status.WAIVED]
    if waived:
        table = _table(
            ["Rule", "Workspace", "Resource", "Justification", "Expires", "Owner"],
            (_waived_row(result, names, links) for result in waived),
        )
        yield from ("", f"## Waived ({len(waived)})", "")
        yield from _folded(f"{len(waived)} results", len(waived) + 2, table)
    yield from _lists(report, names)
    header, counts = counts_table(summary)
    yield from ("", "## Counts", "")
    yield from _table(header, counts)
    # Reference-style links: each rule's URL once, not on every row that names the rule.
    listed = dict.fromkeys(r["rule_id"] for r in report["results"] if r["status"] in ATTENTION_STATUSES)
    references = [f"[{rule_id}]: {links[rule_id]}" for rule_id in listed if links.get(rule_id)]
    if references:
        yield ""
        yield from references


def _posture_row(workspace: Mapping[str, Any], mine: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> Row:
    name = workspace.get("name") or name_of(workspace["id"])
    label = f"**{_text(name)}** ({_text(workspace_place(workspace, names))})"
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
        "<br>".join(_text(line) for line in evidence_entries(result.get("evidence") or {}, short_ids=True)) or "—",
        "<br>".join(_text(step) for step in how_to_decide(result))
        if result["status"] == Status.UNKNOWN
        else _text(result.get("remediation", "")),
    ]


def _requirement_tables(report: Mapping[str, Any]) -> Iterator[str]:
    """Per failing or unknown result with a per-requirement table (AML-EGR-001), that table."""
    for result in report["results"]:
        rows = requirement_rows(result.get("evidence") or {})
        if rows and result["status"] in (Status.FAIL, Status.UNKNOWN):
            title = f"{_text(result['rule_id'])} on {_code(name_of(result['resource_id']))}: required outbound"
            yield from ("", f"#### {title}", "")
            table = _table([label for _, label in REQUIREMENT_COLUMNS], ([_text(c) for c in row] for row in rows))
            yield from _folded(f"{len(rows)} requirements", len(rows) + 2, table)


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


def _lists(report: Mapping[str, Any], names: Mapping[str, str]) -> Iterator[str]:
    """The sections beside the results, as bullet lists: waivers, baseline, collection problems."""
    for _, title, items in extra_sections(report, names):
        if items:
            bullets = (f"- {markdown_text(item, code_spans=True, table=False)}" for item in items)
            yield from ("", f"## {title} ({len(items)})", "")
            yield from _folded(f"{len(items)} entries", len(items), bullets)


def _rule(result: Mapping[str, Any], links: Mapping[str, str]) -> str:
    rule_id = _code(result["rule_id"])
    if links.get(result["rule_id"]):
        rule_id = f"[{rule_id}][{result['rule_id']}]"
    return f"{rule_id} {_text(result.get('title', ''))}"


def _folded(summary: str, count: int, lines: Iterable[str]) -> Iterator[str]:
    """The `count` lines given, folded when there are more than COLLAPSE_AFTER."""
    if count <= COLLAPSE_AFTER:
        yield from lines
        return
    # GitHub renders Markdown inside <details> only after a blank line.
    yield from (f"<details><summary>{html.escape(summary)}</summary>", "")
    yield from lines
    yield from ("", "</details>")


def _table(header: Row, rows: Iterable[Row]) -> Iterator[str]:
    yield _line(header)
    yield _line(["---"] * len(header))
    for row in rows:
        yield _line(row)


def _line(cells: Row) -> str:
    return "| " + " | ".join(cells) + " |"


def _text(value: object) -> str:
    """Text for a table cell: one line, Markdown and HTML shown as text, the texts' `code spans` kept."""
    return markdown_text(value, code_spans=True)


def _code(value: object) -> str:
    return markdown_code(value)
