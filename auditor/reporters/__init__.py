"""Report formats: every format renders the JSON report (see `jsonreport`) to text.

Adding a format is one entry in `FORMATS`; `amlaudit scan --format` and `--output-dir`,
`amlaudit merge` and the example reports under `reports/` all follow this table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from auditor.model import Rule
from auditor.reporters.console import text_pieces
from auditor.reporters.diagrams import DiagramSource
from auditor.reporters.html import html_pieces
from auditor.reporters.jsonreport import Report, json_pieces
from auditor.reporters.junit import junit_pieces
from auditor.reporters.markdown import markdown_pieces
from auditor.reporters.sarif import sarif_pieces


@dataclass(frozen=True)
class RenderOptions:
    """Options of individual formats, given on the command line, and what the scan can add."""

    sarif_include_passing: bool = False
    # Network diagrams for HTML and Markdown: the scan has the topology; `merge` has none.
    diagrams: DiagramSource | None = None


@dataclass(frozen=True)
class ReportFormat:
    name: str
    filename: str  # the file `--output-dir` writes
    # The report's text, whole or in pieces (large JSON reports are streamed, never held whole).
    render: Callable[[Report, Sequence[Rule], RenderOptions], str | Iterable[str]]


FORMATS: dict[str, ReportFormat] = {
    fmt.name: fmt
    for fmt in (
        ReportFormat("console", "amlaudit.txt", lambda report, _rules, _opts: text_pieces(report)),
        ReportFormat("json", "amlaudit.json", lambda report, _rules, _opts: json_pieces(report)),
        ReportFormat(
            "sarif",
            "amlaudit.sarif",
            lambda report, rules, opts: sarif_pieces(report, rules, include_passing=opts.sarif_include_passing),
        ),
        ReportFormat("junit", "amlaudit.junit.xml", lambda report, rules, _opts: junit_pieces(report, rules)),
        ReportFormat(
            "markdown", "amlaudit.md", lambda report, rules, opts: markdown_pieces(report, rules, opts.diagrams)
        ),
        ReportFormat("html", "amlaudit.html", lambda report, rules, opts: html_pieces(report, rules, opts.diagrams)),
    )
}

# The formats that draw network diagrams when the scan hands them the topology.
DIAGRAM_FORMATS = frozenset({"html", "markdown"})
