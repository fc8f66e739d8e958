"""Network diagrams in the HTML and Markdown reports."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from mermaid_grammar import check_flowchart

from auditor.diagram import Diagram, diagram_source
from auditor.engine import load_rules, scan_inventory
from auditor.inventory import load_inventory
from auditor.reporters import FORMATS, RenderOptions
from auditor.reporters.diagrams import MARKDOWN_BUDGET, OPEN_DIAGRAMS
from auditor.reporters.html import render_html
from auditor.reporters.jsonreport import build_report
from auditor.reporters.markdown import render_markdown

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules()


def scanned(path: Path) -> tuple[dict[str, Any], RenderOptions]:
    scan = scan_inventory(load_inventory([str(path)]), RULES, keep_topology=True)
    assert scan.topology is not None
    report = build_report(scan, [path.name], "2026-01-01T00:00:00Z")
    return report, RenderOptions(diagrams=diagram_source(scan.topology))


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_html_report_has_an_inline_svg_per_workspace_before_the_results() -> None:
    report, options = scanned(ROOT / "fixtures" / "cases" / "hub-and-project.json")
    html = "".join(FORMATS["html"].render(report, RULES, options))
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) == len(report["workspaces"]) == 2
    for svg in svgs:
        ET.fromstring(svg)
    assert html.index('id="network"') < html.index('id="results"')


def test_the_markdown_report_has_a_valid_mermaid_flowchart_per_workspace() -> None:
    report, options = scanned(ROOT / "fixtures" / "sample-tenant")
    markdown = "".join(FORMATS["markdown"].render(report, RULES, options))
    blocks = mermaid_blocks(markdown)
    assert len(blocks) == 1 and check_flowchart(blocks[0]) == []
    assert "### mlw-prod" in markdown and "<details>" not in markdown.split("## Network")[1].split("##")[0]


def test_a_report_without_a_topology_draws_nothing() -> None:
    report, _ = scanned(ROOT / "fixtures" / "sample-tenant")
    assert "<svg" not in render_html(report, RULES) and "mermaid" not in render_markdown(report, RULES)


def test_a_large_tenant_folds_its_diagrams_and_keeps_the_markdown_within_budget() -> None:
    report, options = scanned(ROOT / "fixtures" / "sample-tenant")
    assert options.diagrams is not None
    one = options.diagrams(report["workspaces"][0]["id"])
    assert one is not None
    many = [
        {**report["workspaces"][0], "id": f"{report['workspaces'][0]['id']}-{i}", "name": f"ws-{i}"} for i in range(60)
    ]
    big = {**report, "workspaces": many}

    def source(workspace_id: str) -> Diagram:
        return Diagram.from_dict({**one.to_dict(), "workspace_id": workspace_id})

    markdown = render_markdown(big, RULES, source)
    section = markdown.split("## Network")[1]
    blocks = mermaid_blocks(section)
    assert OPEN_DIAGRAMS < len(blocks) < 60
    assert section.count("<details><summary>") == len(blocks)
    assert len(section) < MARKDOWN_BUDGET + 4_000
    assert f"{60 - len(blocks)} more workspace(s) not drawn here" in section


def test_waivers_in_the_report_show_on_the_diagram() -> None:
    report, options = scanned(ROOT / "fixtures" / "sample-tenant")
    for result in report["results"]:
        if result["rule_id"] == "AML-WS-004":
            result["status"] = "waived"
    html = render_html(report, RULES, options.diagrams)
    assert "✗ AML-WS-004" not in html and "AML-WS-004 waived" in html
