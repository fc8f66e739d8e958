"""Report formats: every format renders the JSON report (see `jsonreport`) to text.

Adding a format is one entry in `FORMATS`; `amlaudit scan --format` and `--output-dir`,
`amlaudit merge` and the example reports under `reports/` all follow this table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from auditor.model import Rule
from auditor.reporters.console import render_text
from auditor.reporters.html import render_html
from auditor.reporters.jsonreport import Report, json_pieces
from auditor.reporters.junit import render_junit
from auditor.reporters.markdown import render_markdown
from auditor.reporters.sarif import render_sarif


@dataclass(frozen=True)
class RenderOptions:
    """Options of individual formats, given on the command line."""

    sarif_include_passing: bool = False


@dataclass(frozen=True)
class ReportFormat:
    name: str
    filename: str  # the file `--output-dir` writes
    # The report's text, whole or in pieces (large JSON reports are streamed, never held whole).
    render: Callable[[Report, Sequence[Rule], RenderOptions], str | Iterable[str]]


FORMATS: dict[str, ReportFormat] = {
    fmt.name: fmt
    for fmt in (
        ReportFormat("console", "amlaudit.txt", lambda report, _rules, _opts: render_text(report)),
        ReportFormat("json", "amlaudit.json", lambda report, _rules, _opts: json_pieces(report)),
        ReportFormat(
            "sarif",
            "amlaudit.sarif",
            lambda report, rules, opts: render_sarif(report, rules, include_passing=opts.sarif_include_passing),
        ),
        ReportFormat("junit", "amlaudit.junit.xml", lambda report, rules, _opts: render_junit(report, rules)),
        ReportFormat("markdown", "amlaudit.md", lambda report, rules, _opts: render_markdown(report, rules)),
        ReportFormat("html", "amlaudit.html", lambda report, rules, _opts: render_html(report, rules)),
    )
}
