"""Report formats: every format renders the JSON report (see `jsonreport`) to text.

Adding a format is one entry in `FORMATS`; `amlaudit scan --format` and `--output-dir`,
`amlaudit merge` and the example reports under `reports/` all follow this table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.model import Rule
from auditor.reporters.jsonreport import Report

if TYPE_CHECKING:
    from auditor.reporters.diagrams import DiagramSource


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


# Each writer's module is imported when a report is rendered: commands that only name the formats
# (`--help`, `--version`, `rules list`) start without rich's layout, XML or the diagram renderers.


def _console(report: Report, _rules: Sequence[Rule], _options: RenderOptions) -> Iterable[str]:
    from auditor.reporters.console import text_pieces

    return text_pieces(report)


def _json(report: Report, _rules: Sequence[Rule], _options: RenderOptions) -> Iterable[str]:
    from auditor.reporters.jsonreport import json_pieces

    return json_pieces(report)


def _sarif(report: Report, rules: Sequence[Rule], options: RenderOptions) -> Iterable[str]:
    from auditor.reporters.sarif import sarif_pieces

    return sarif_pieces(report, rules, include_passing=options.sarif_include_passing)


def _junit(report: Report, rules: Sequence[Rule], _options: RenderOptions) -> Iterable[str]:
    from auditor.reporters.junit import junit_pieces

    return junit_pieces(report, rules)


def _markdown(report: Report, rules: Sequence[Rule], options: RenderOptions) -> Iterable[str]:
    from auditor.reporters.markdown import markdown_pieces

    return markdown_pieces(report, rules, options.diagrams)


def _html(report: Report, rules: Sequence[Rule], options: RenderOptions) -> Iterable[str]:
    from auditor.reporters.html import html_pieces

    return html_pieces(report, rules, options.diagrams)


FORMATS: dict[str, ReportFormat] = {
    fmt.name: fmt
    for fmt in (
        ReportFormat("console", "amlaudit.txt", _console),
        ReportFormat("json", "amlaudit.json", _json),
        ReportFormat("sarif", "amlaudit.sarif", _sarif),
        ReportFormat("junit", "amlaudit.junit.xml", _junit),
        ReportFormat("markdown", "amlaudit.md", _markdown),
        ReportFormat("html", "amlaudit.html", _html),
    )
}

# The formats that draw network diagrams when the scan hands them the topology.
DIAGRAM_FORMATS = frozenset({"html", "markdown"})
