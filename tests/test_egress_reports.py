"""AML-EGR-001's per-requirement evidence reads as a table in every human report, not as a JSON dump."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

from auditor.engine import load_rules, scan_inventory
from auditor.inventory import load_inventory
from auditor.reporters.console import render_text
from auditor.reporters.html import render_html
from auditor.reporters.jsonreport import build_report
from auditor.reporters.markdown import render_markdown

CASE = Path(__file__).resolve().parent.parent / "fixtures" / "cases" / "egr-nsg-deny-udp-5831.json"
R3 = ("R3", "blocked", "UDP 5831 → AzureMachineLearning", "nsg-training/DenyAzureMLUdpOut (110, Deny)")


@cache
def report() -> dict[str, Any]:
    return build_report(scan_inventory(load_inventory([str(CASE)]), load_rules()), [str(CASE)], "2026-11-28T12:00:00Z")


def test_console_prints_one_line_per_requirement() -> None:
    text = render_text(report())
    assert "R3 blocked: UDP 5831 → AzureMachineLearning · NSG nsg-training/DenyAzureMLUdpOut (110, Deny)" in text
    assert "allow-entra-id (Allow)" in text  # R1: the parent policy's rule that allowed it
    assert '"requirements"' not in text


def test_markdown_has_a_requirement_table() -> None:
    text = render_markdown(report(), load_rules())
    assert "| Req | Verdict | Flow | NSG rule | Route | Firewall rule |" in text
    row = next(line for line in text.splitlines() if line.startswith("| R3 |"))
    assert all(cell in row for cell in R3)


def test_html_has_a_requirement_table() -> None:
    page = render_html(report(), load_rules())
    table = page.split('<table class="requirements">', 1)[1].split("</table>", 1)[0]
    assert "<th>Firewall rule</th>" in table
    assert "".join(f"<td>{html.escape(cell)}</td>" for cell in R3) in table
