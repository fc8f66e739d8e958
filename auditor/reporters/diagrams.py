"""Network diagrams in the HTML and Markdown reports: one per workspace, within a size budget.

The diagrams come from a `DiagramSource` (the scan has the topology; a merged report has none, and
then no diagram is drawn). Each is marked with the report's own results, so waivers and baselines
applied to the report show on the picture too. Workspaces with failing results are drawn first, so
that a budget spent on a large tenant is spent where something is broken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from html import escape as html_escape
from typing import Any

from auditor.arm import lid
from auditor.diagram import Diagram, marked
from auditor.diagram.mermaid import render_mermaid
from auditor.diagram.svg import render_svg
from auditor.reporters.text import markdown_text, shown

# A workspace id → its unmarked diagram, or None when the workspace cannot be drawn.
DiagramSource = Callable[[str], Diagram | None]

# Inline SVG is some 20 KB a workspace: a report over a few thousand workspaces must stay openable.
HTML_BUDGET = 4_000_000
# GitHub cuts a comment at 65,536 characters; the rest of the report needs its share.
MARKDOWN_BUDGET = 24_000
# More diagrams than this fold each into <details>.
OPEN_DIAGRAMS = 2


def _drawn(
    report: Mapping[str, Any], source: DiagramSource, render: Callable[[Diagram], str], budget: int
) -> Iterator[tuple[str, Diagram | None, str | None]]:
    """(workspace name, diagram, text) in drawing order; None, None once the budget is spent."""
    results: dict[str, list[Mapping[str, Any]]] = {}
    for result in report["results"]:
        results.setdefault(lid(result["workspace_id"]), []).append(result)
    failing = {key for key, members in results.items() if any(r["status"] == "fail" for r in members)}
    order = sorted(report["workspaces"], key=lambda ws: lid(ws["id"]) not in failing)
    spent = 0
    for workspace in order:
        name = str(workspace.get("name") or workspace["id"])
        if spent >= budget:
            yield name, None, None
            continue
        structure = source(workspace["id"])
        if structure is not None:
            diagram = marked(structure, results.get(lid(workspace["id"]), []))
            text = render(diagram)
            spent += len(text)
            yield name, diagram, text


def html_section(report: Mapping[str, Any], source: DiagramSource | None) -> list[str]:
    if source is None:
        return []
    out = [
        '<section id="network"><h2>Network</h2>',
        '<p class="meta">Each workspace\'s network as the inventory describes it. Red: a failing result '
        "names it (rule ids shown); dashed purple: unknown. Hover a box or a line for its results.</p>",
    ]
    left_out: list[str] = []
    for name, diagram, svg in _drawn(report, source, render_svg, HTML_BUDGET):
        if diagram is None or svg is None:
            left_out.append(name)
            continue
        out.append(f'<section class="diagram"><h3>{escape(diagram.workspace_name)}</h3>')
        out.append(f'<figure style="overflow-x:auto;margin:0">{svg}</figure>')
        if diagram.notes:
            notes = "".join(f"<li>{escape(note)}</li>" for note in diagram.notes)
            out.append(f"<details><summary>Not drawn ({len(diagram.notes)})</summary><ul>{notes}</ul></details>")
        out.append("</section>")
    out += _left_out_html(left_out)
    out.append("</section>")
    return out


def _left_out_html(names: Sequence[str]) -> list[str]:
    if not names:
        return []
    return [
        f"<p>{len(names)} more workspace(s) not drawn here, to keep the page small: "
        f"<code>amlaudit graph --format svg --output-dir DIR</code> draws them all.</p>"
    ]


def markdown_section(report: Mapping[str, Any], source: DiagramSource | None) -> list[str]:
    if source is None:
        return []
    drawn = list(_drawn(report, source, render_mermaid, MARKDOWN_BUDGET))
    shown = [(diagram, text) for _, diagram, text in drawn if diagram is not None and text is not None]
    fold = len(shown) > OPEN_DIAGRAMS
    out = ["", "## Network", ""]
    out.append("Red: a failing result names it (rule ids shown); dashed: unknown.")
    for diagram, text in shown:
        name = markdown_text(diagram.workspace_name, table=False)
        block = ["```mermaid", text.rstrip("\n"), "```"]
        if fold:
            # GitHub renders Markdown inside <details> only after a blank line.
            out += ["", f"<details><summary>{escape(diagram.workspace_name)}</summary>", "", *block, "", "</details>"]
        else:
            out += ["", f"### {name}", "", *block]
    missing = len(drawn) - len(shown)
    if missing:
        out += [
            "",
            f"{missing} more workspace(s) not drawn here, to keep the report within a comment's size: "
            "`amlaudit graph --format mermaid --output-dir DIR` draws them all.",
        ]
    return out


def escape(value: object) -> str:
    """Inventory text as HTML: capped, control characters made visible, then escaped."""
    return html_escape(shown(value))
