"""One self-contained HTML page: no scripts, fonts, styles or images fetched from anywhere.

The severity and status filters are checkboxes read by CSS `:has()` alone, so the page works where
scripts are blocked (artifact viewers, mail clients) and needs no Content-Security-Policy exception.
Every result is on the page; passing and not-applicable ones start hidden. Every value from the
report goes through `html.escape`, and links are written as text: the page never points outside.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from auditor.arm import name_of
from auditor.model import STATUS_ORDER, Rule, Status
from auditor.reporters.diagrams import DiagramSource, html_section
from auditor.reporters.explain import REQUIREMENT_COLUMNS, how_to_decide, requirement_rows
from auditor.reporters.text import CODE_SPAN, shown, visible_json
from auditor.reporters.views import (
    ATTENTION_STATUSES,
    POSTURE_COLUMNS,
    STATUS_LABELS,
    RuleInfo,
    counts_table,
    extra_sections,
    posture_cells,
    rule_catalogue,
    verdict,
    workspace_label,
    workspace_names,
    workspace_place,
)
from auditor.summary import SEVERITIES_DESCENDING

# How a posture value reads against the source document's secured scenario.
_TONES: dict[str, frozenset[str]] = {
    "good": frozenset(
        {
            "private-workspace",
            "allowonlyapprovedoutbound",
            "private",
            "private-endpoint",
            "service-endpoint",
            "private-endpoint+service-endpoint",
            "private-ip",
        }
    ),
    "warn": frozenset({"private-workspace-public-access", "private+public", "firewall-only", "mixed"}),
    "bad": frozenset({"no-vnet", "public-workspace-secured-resources", "unreachable", "public", "public-ip"}),
    "unknown": frozenset({"unknown", "absent"}),
}

_STYLE = """
:root { --good: #1a7f37; --warn: #9a6700; --bad: #cf222e; --unknown: #8250df; --muted: #57606a; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #1f2328; }
h1 { margin-bottom: .25rem; }
.meta { color: var(--muted); }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.tone-good { background: #dafbe1; color: var(--good); }
.tone-warn { background: #fff8c5; color: var(--warn); }
.tone-bad { background: #ffebe9; color: var(--bad); }
.tone-unknown { background: #fbefff; color: var(--unknown); }
.filters { display: flex; gap: 2rem; flex-wrap: wrap; margin: 1rem 0; }
.filters fieldset { border: 1px solid #d0d7de; border-radius: 6px; }
.filters label { margin-right: .8rem; white-space: nowrap; }
.finding { border: 1px solid #d0d7de; border-radius: 6px; margin: .35rem 0; padding: .3rem .6rem; }
.finding summary { cursor: pointer; }
.finding dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
.finding dt { font-weight: 600; }
.finding dd { margin: 0; }
pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; margin: 0; }
.badge { display: inline-block; min-width: 6.5em; text-align: center; border-radius: 1em; padding: 0 .5em;
         font-size: .85em; font-weight: 600; color: #fff; }
.status-fail { background: var(--bad); } .status-unknown { background: var(--unknown); }
.status-waived { background: var(--warn); } .status-pass { background: var(--good); }
.status-not_applicable { background: var(--muted); }
code { font-size: .95em; }
"""


def escape(value: object) -> str:
    """Any value from the report as HTML text: capped, control characters visible, then escaped."""
    return html.escape(shown(value))


# For the values many results repeat (the cells of AML-EGR-001's requirement tables, fixes): on a
# large tenant the same few hundred strings are escaped tens of thousands of times otherwise.
_common = functools.lru_cache(maxsize=4096)(escape)


def render_html(report: Mapping[str, Any], rules: Sequence[Rule], diagrams: DiagramSource | None = None) -> str:
    """The report as one HTML page, as one string (see `html_pieces`)."""
    return "".join(html_pieces(report, rules, diagrams))


def html_pieces(
    report: Mapping[str, Any], rules: Sequence[Rule], diagrams: DiagramSource | None = None
) -> Iterator[str]:
    """The report as one HTML page, a result at a time; a network diagram per workspace when the
    scan hands over its topology."""
    for part in _parts(report, rules, diagrams):
        yield part + "\n"


def _parts(report: Mapping[str, Any], rules: Sequence[Rule], diagrams: DiagramSource | None) -> Iterator[str]:
    catalogue = rule_catalogue(report, rules)
    names = workspace_names(report)
    summary = report["summary"]
    inputs = ", ".join(report["inputs"]) or "none"
    yield from (
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>amlaudit report</title>",
        f"<style>{_STYLE}{_filter_css()}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>amlaudit report</h1>",
        f'<p class="verdict"><strong>{escape(verdict(summary))}</strong></p>',
        f'<p class="meta">amlaudit {escape(report["tool"]["version"])} · generated '
        f"{escape(report['generated_at'])} · inputs: {escape(inputs)} · "
        f"{len(report['workspaces'])} workspace(s)</p>",
        "</header>",
        '<section id="posture"><h2>Posture</h2>',
        _posture_table(report["workspaces"], names),
        "</section>",
        *html_section(report, diagrams),
        '<section id="counts"><h2>Counts</h2>',
        _counts_table(summary),
        "</section>",
        '<section id="results"><h2>Results</h2>',
        _filters(summary),
    )
    yield from _findings(report["results"], catalogue, names)
    yield "</section>"
    yield from _lists(report, names)
    yield from ("</body>", "</html>")


def _filter_css() -> str:
    """One rule per checkbox: unchecked hides the results carrying that value."""
    rules = [
        f'body:has(#show-{axis}-{value}:not(:checked)) .finding[data-{axis}="{value}"] {{ display: none; }}'
        for axis, values in _filter_axes()
        for value in values
    ]
    return "\n" + "\n".join(rules) + "\n"


def _filter_axes() -> list[tuple[str, list[str]]]:
    return [
        ("severity", [severity.value for severity in SEVERITIES_DESCENDING]),
        ("status", [status.value for status in STATUS_ORDER]),
    ]


def _filters(summary: Mapping[str, Any]) -> str:
    counts = {
        "severity": {severity: sum(row.values()) for severity, row in summary["by_severity"].items()},
        "status": summary["by_status"],
    }
    out = ['<form class="filters" aria-label="Filter results">']
    for axis, values in _filter_axes():
        out.append(f"<fieldset><legend>{axis.capitalize()}</legend>")
        for value in values:
            # Passing and not-applicable results start hidden: the page opens on what needs action.
            checked = " checked" if axis == "severity" or value in ATTENTION_STATUSES else ""
            label = STATUS_LABELS[value] if axis == "status" else value.capitalize()
            out.append(
                f'<label><input type="checkbox" id="show-{axis}-{value}"{checked}> '
                f"{escape(label)} ({counts[axis][value]})</label>"
            )
        out.append("</fieldset>")
    out.append("</form>")
    return "\n".join(out)


def _tone(key: str, value: str | None) -> str:
    if value is None:
        return "neutral"
    if key == "workspace" and value == "none":  # reachable by nobody; for compute, "none" is neutral
        return "bad"
    return next((tone for tone, values in _TONES.items() if value.lower() in values), "neutral")


def _posture_table(workspaces: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    header = "".join(f"<th>{escape(label)}</th>" for label in ("Name", *(label for _, label in POSTURE_COLUMNS)))
    rows = []
    for workspace in workspaces:
        name = workspace.get("name") or name_of(workspace["id"])
        place = workspace_place(workspace, names)
        cells = [f'<th title="{escape(workspace["id"])}">{escape(name)}<br><small>{escape(place)}</small></th>']
        cells += [
            f'<td class="tone-{_tone(key, value)}">{escape(value or "—")}</td>'
            for key, value in posture_cells(workspace)
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="posture"><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _counts_table(summary: Mapping[str, Any]) -> str:
    header, rows = counts_table(summary)
    head = "".join(f"<th>{escape(label)}</th>" for label in header)
    body = ""
    for label, *counts in rows:
        cells = "".join(f'<td class="num">{escape(count)}</td>' for count in counts)
        body += f"<tr><th>{escape(label)}</th>{cells}</tr>"
    return f'<table class="counts"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _findings(
    results: Sequence[Mapping[str, Any]], catalogue: Mapping[str, RuleInfo], names: Mapping[str, str]
) -> Iterator[str]:
    """Every result, by severity, statuses in the order people act on them."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for result in results:
        groups.setdefault((result["severity"], result["status"]), []).append(result)
    parts = _SharedParts(catalogue, names)
    for severity in SEVERITIES_DESCENDING:
        members = [r for status in STATUS_ORDER for r in groups.get((severity.value, status.value), ())]
        if not members:
            continue
        yield f'<section class="severity-group" data-severity="{severity.value}">'
        yield f"<h3>{escape(severity.value.capitalize())} ({len(members)})</h3>"
        for result in members:
            yield _finding(result, parts)
        yield "</section>"


class _SharedParts:
    """The parts of a result that its rule and status, its workspace or its subject fix, escaped
    once per report: a large tenant's results repeat a few hundred of them tens of thousands of times."""

    def __init__(self, catalogue: Mapping[str, RuleInfo], names: Mapping[str, str]) -> None:
        self.catalogue = catalogue
        self.names = names
        self._heads: dict[tuple[str, str, str, str], tuple[str, str, str]] = {}
        self._workspaces: dict[str, tuple[str, str]] = {}
        self._subjects: dict[str, tuple[str, str]] = {}

    def head(self, result: Mapping[str, Any]) -> tuple[str, str, str]:
        """What goes before the fingerprint, between it and the subject's name, and the Documentation field."""
        key = (result["severity"], result["status"], result["rule_id"], result.get("title", ""))
        found = self._heads.get(key)
        if found is None:
            severity, status, rule_id, title = key
            data = f'data-severity="{escape(severity)}" data-status="{escape(status)}"'
            badge = f'<span class="badge status-{escape(status)}">{escape(STATUS_LABELS[status])}</span>'
            uri = self.catalogue.get(rule_id, {}).get("help_uri")
            found = self._heads[key] = (
                f'<details class="finding" {data} data-fingerprint="',
                f'"><summary>{badge} <code>{escape(rule_id)}</code> {escape(title)} — <code>',
                f"<dt>Documentation</dt><dd>{escape(uri)}</dd>" if uri else "",
            )
        return found

    def workspace(self, workspace_id: str) -> tuple[str, str]:
        """The end of a result's summary, and its Workspace field."""
        found = self._workspaces.get(workspace_id)
        if found is None:
            name = escape(workspace_label(self.names, workspace_id))
            field = f"<dt>Workspace</dt><dd>{name} <small><code>{escape(workspace_id)}</code></small></dd>"
            found = self._workspaces[workspace_id] = (f"</code> in {name}</summary><dl>", field)
        return found

    def subject(self, resource_id: str) -> tuple[str, str]:
        """The escaped id and name of a result's subject: a workspace's results name the same few."""
        found = self._subjects.get(resource_id)
        if found is None:
            found = self._subjects[resource_id] = (escape(resource_id), escape(name_of(resource_id)))
        return found


def _finding(result: Mapping[str, Any], parts: _SharedParts) -> str:
    status = result["status"]
    opening, summary, documentation = parts.head(result)
    resource, resource_name = parts.subject(result["resource_id"])
    in_workspace, workspace_field = parts.workspace(result["workspace_id"])
    out = [
        opening,
        escape(result["fingerprint"]),
        summary,
        resource_name,
        in_workspace,
        "<dt>Message</dt><dd>",
        _prose(result.get("message", "")),
        "</dd><dt>Resource</dt><dd><code>",
        resource,
        "</code></dd>",
        workspace_field,
    ]
    if result.get("baseline"):
        out.append(f"<dt>Baseline</dt><dd>{escape(result['baseline'])}</dd>")
    if status == Status.WAIVED:
        waiver = result.get("waiver") or {}
        owner = f" (owner {waiver['owner']})" if waiver.get("owner") else ""
        text = escape(f"until {waiver.get('expires')}{owner}: {waiver.get('justification')}")
        out.append(f"<dt>Waiver</dt><dd>{text}</dd>")
    if status == Status.UNKNOWN:
        # What would decide it, not the fix for a failure it may not be.
        out.append(f"<dt>To decide</dt><dd>{'<br>'.join(escape(step) for step in how_to_decide(result))}</dd>")
    elif status != Status.PASS and status != Status.NOT_APPLICABLE:
        out.append(f"<dt>Fix</dt><dd>{_common_prose(result.get('remediation', ''))}</dd>")
    rows = requirement_rows(result.get("evidence") or {})
    if rows:
        body = "".join("<tr>" + "".join(f"<td>{_common(cell)}</td>" for cell in row) + "</tr>" for row in rows)
        out.append(f'<dt>Required outbound</dt><dd><table class="requirements">{_REQUIREMENT_HEAD}{body}</table></dd>')
    out.append(f"<dt>Evidence</dt><dd><pre>{html.escape(visible_json(result.get('evidence', {})))}</pre></dd>")
    out.append(documentation)
    out.append("</dl></details>")
    return "".join(out)


_REQUIREMENT_HEAD = "<tr>" + "".join(f"<th>{escape(label)}</th>" for _, label in REQUIREMENT_COLUMNS) + "</tr>"


def _prose(text: str) -> str:
    """Escaped text whose `code spans` (messages and fixes quote commands so) become <code>."""
    escaped = escape(text)
    return CODE_SPAN.sub(r"<code>\1</code>", escaped) if "`" in escaped else escaped


_common_prose = functools.lru_cache(maxsize=1024)(_prose)


def _lists(report: Mapping[str, Any], names: Mapping[str, str]) -> Iterator[str]:
    for _, title, items in extra_sections(report, names):
        if items:
            entries = "".join(f"<li>{escape(item)}</li>" for item in items)
            yield f'<section class="extra"><h2>{escape(title)} ({len(items)})</h2><ul>{entries}</ul></section>'
