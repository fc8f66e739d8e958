"""The console report: per workspace, the source document's comparison table filled in, then what to fix.

It reads only the JSON report, so it renders a scan, a merged report or a baselined one alike.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.arm import name_of
from auditor.model import STATUS_ORDER, Severity, Status
from auditor.reporters.explain import evidence_entries, first_few, how_to_decide, missing_data, requirement_lines
from auditor.reporters.jsonreport import Report
from auditor.reporters.plainconsole import WHOLE_LINE, PlainConsole
from auditor.reporters.text import shown
from auditor.reporters.views import extra_sections, results_by_workspace, workspace_names
from auditor.summary import SEVERITIES_DESCENDING, summary_of

# Width of the plain-text rendering, so that files and tests do not depend on the terminal.
TEXT_WIDTH = 120
TEXT_HEIGHT = 25  # never used to lay out a report; it only spares rich a terminal query

# (label, key in the posture or, for the first two, in the workspace, what the secured scenario has)
POSTURE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Scenario", "scenario", "private-workspace"),
    ("Isolation mode", "isolation_mode", "AllowInternetOutbound or AllowOnlyApprovedOutbound"),
    ("Workspace", "workspace", "private"),
    ("Storage", "storage", "private-endpoint and/or service-endpoint"),
    ("Key vault", "key_vault", "private-endpoint and/or service-endpoint"),
    ("Container registry", "container_registry", "private-endpoint"),
    ("Training compute", "training_compute", "private-ip"),
    ("Inference compute", "inference_compute", "private-ip"),
    ("Application Insights", "application_insights", "not judged (Monitor private link scope)"),
)
WORKSPACE_ROW_KEYS = frozenset({"scenario", "isolation_mode"})
# Posture entries that hold a referenced resource id rather than a judgement.
REFERENCE_ROW_KEYS = frozenset({"application_insights"})

# The rows of the document's comparison table, by catalogue §3 scenario id.
SCENARIO_LABELS = {
    "no-vnet": "No virtual network",
    "public-workspace-secured-resources": "Public workspace, all other resources in a virtual network",
    "private-workspace": "Secure resources in a virtual network",
    "private-workspace-public-access": "Secure resources in a virtual network, workspace also public",
    "unreachable": "Workspace reachable by nobody",
    "unknown": "Undecided: the inventory lacks data",
}

# Posture and scenario values coloured by how they compare with the secured scenario; anything
# not listed (unknown, absent, mixed, firewall-only, private+public, ...) is a warning.
GOOD_VALUES = frozenset(
    {
        "private",
        "private-endpoint",
        "service-endpoint",
        "private-endpoint+service-endpoint",
        "private-ip",
        "private-workspace",
        "allowinternetoutbound",
        "allowonlyapprovedoutbound",
    }
)
BAD_VALUES = frozenset({"public", "public-ip", "no-vnet", "public-workspace-secured-resources"})
QUIET_VALUES = frozenset({"none", "not referenced"})

SEVERITY_STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "bold cyan",
    Severity.INFO: "bold blue",
}
STATUS_STYLES = {
    Status.FAIL: "bold red",
    Status.UNKNOWN: "bold magenta",
    Status.WAIVED: "dim",
    Status.PASS: "green",
    Status.NOT_APPLICABLE: "dim",
}
ACTIONABLE = (Status.FAIL, Status.UNKNOWN)
# The status column of a finding, and the narrowest its text may get on a very narrow terminal.
LABEL_WIDTH = 9
MIN_TEXT_WIDTH = 30


def render_text(report: Report) -> str:
    """The console report without colour at a fixed width, as one string (see `text_pieces`)."""
    return "".join(text_pieces(report))


def text_pieces(report: Report) -> Iterator[str]:
    """The console report without colour at a fixed width, a workspace at a time: for files and
    example reports."""
    buffer = io.StringIO()
    for _ in _sections(report, _plain_console(buffer)):
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        # rich pads table cells to the column width; in a file that is only trailing whitespace.
        yield "\n".join(line.rstrip() for line in text.split("\n"))


def _plain_console(buffer: io.StringIO) -> Console:
    # force_terminal and color_system override FORCE_COLOR and friends, which CI systems set.
    # A height too, or rich asks the terminal for its size on every print.
    return PlainConsole(
        file=buffer,
        width=TEXT_WIDTH,
        height=TEXT_HEIGHT,
        force_terminal=False,
        color_system=None,
        highlight=False,
        emoji=False,
    )


def render_console(report: Report, console: Console) -> None:
    for _ in _sections(report, console):
        pass


def _sections(report: Report, console: Console) -> Iterator[None]:
    """Print the report on `console`, pausing after the header, each workspace and the end."""
    console.print(_header(report))
    if not report["workspaces"]:
        console.print(Text("\nNo Azure Machine Learning workspace in the inventory.", style="yellow"))
    yield
    groups = results_by_workspace(report["results"])
    for workspace in report["workspaces"]:
        console.print()
        _render_workspace(console, workspace, groups.get(workspace["id"].lower(), []))
        yield
    _render_waivers_and_fixed(console, report)
    if report["collection_errors"]:
        console.print()
        _render_collection_errors(console, report["collection_errors"])
    console.print()
    console.print(_totals(report))
    yield


def _render_waivers_and_fixed(console: Console, report: Report) -> None:
    """The waiver sections (applied, expired, stale) and the findings fixed since the baseline."""
    for key, title, lines in extra_sections(report, workspace_names(report)):
        if not lines or not key.startswith(("waivers.", "baseline.")):
            continue
        console.print()
        console.print(Text(f"{title} ({len(lines)})", style="bold"))
        for line in lines:
            console.print(Text("  " + shown(line)))


def _header(report: Report) -> Text:
    tool = report["tool"]
    text = Text(shown(f"{tool['name']} {tool['version']}"), style="bold")
    text.append(shown(f"  scan of {', '.join(report['inputs'])} at {report['generated_at']}"), style="dim")
    return text


def _render_workspace(console: Console, workspace: Mapping[str, Any], results: Sequence[Mapping[str, Any]]) -> None:
    title = Text("Workspace ", style="bold")
    title.append(shown(workspace["name"]), style="bold underline")
    title.append(shown(f"  {workspace.get('kind') or 'Default'}, {workspace.get('location') or 'no location'}"))
    if workspace.get("hub_id"):
        title.append(f", project of hub {shown(name_of(workspace['hub_id']))}")
    console.print(title)
    # The id whole on its own line, however narrow the terminal: it is what people copy.
    console.print(Text(shown(workspace["id"]), style="dim"), **WHOLE_LINE)
    console.print(_posture_table(workspace))
    console.print()
    _render_findings(console, [r for r in results if r["status"] in ACTIONABLE])
    _render_waived(console, [r for r in results if r["status"] == Status.WAIVED])
    console.print(_counts(summary_of(results)))


def _posture_table(workspace: Mapping[str, Any]) -> Table:
    scenario = workspace.get("scenario")
    title = Text("Scenario: ", style="bold")
    title.append(shown(SCENARIO_LABELS.get(str(scenario), str(scenario))), style=_tone(str(scenario)))
    table = Table(title=title, title_justify="left")
    table.add_column("Network isolation", no_wrap=True)
    # The workspace's values are never cut; the reference column wraps first on a narrow terminal.
    table.add_column("This workspace", no_wrap=True, overflow="fold")
    table.add_column("Secured scenario", style="dim", overflow="fold")
    posture = workspace.get("posture") or {}
    for label, key, secured in POSTURE_ROWS:
        value = workspace.get(key) if key in WORKSPACE_ROW_KEYS else posture.get(key)
        if value is None:
            cell = Text("not referenced", style=_tone("not referenced"))
        elif key in REFERENCE_ROW_KEYS:
            cell = Text(shown(name_of(str(value))))
        else:
            cell = Text(shown(value), style=_tone(str(value)))
        table.add_row(Text(label), cell, Text(secured))
    return table


def _tone(value: str) -> str:
    lowered = value.lower()
    if lowered in GOOD_VALUES:
        return "green"
    if lowered in BAD_VALUES:
        return "bold red"
    if lowered in QUIET_VALUES:
        return "dim"
    return "yellow"


def _render_findings(console: Console, actionable: list[Mapping[str, Any]]) -> None:
    if not actionable:
        console.print(Text("No failing or unknown results.", style="green"))
        return
    for severity in SEVERITIES_DESCENDING:
        group = [r for r in actionable if r["severity"] == severity]
        if not group:
            continue
        # Within a severity, failures before unknowns; otherwise the engine's order stands.
        group.sort(key=lambda r: STATUS_ORDER.index(Status(r["status"])))
        console.print(Text(f"{severity.value.upper()} ({len(group)})", style=SEVERITY_STYLES[severity]))
        for result in group:
            status = Status(result["status"])
            label = Text(f" {status.value.upper():<{LABEL_WIDTH - 1}}", style=STATUS_STYLES[status])
            _print_paragraphs(console, label, _finding(result))
            console.print()


def _finding(result: Mapping[str, Any]) -> list[tuple[str, Text]]:
    """(label, text) paragraphs: what failed, where, the evidence that decided it, and what to do.

    An unknown result says what is missing and how to provide it instead of the fix for a failure.
    """
    # Text objects, never markup strings: messages quote ARM values, which may contain "[...]".
    heading = Text(shown(result["rule_id"]), style="bold")
    heading.append(f"  {shown(result['title'])}")
    resource = _plain(name_of(result["resource_id"]))
    paragraphs = [("", heading), ("resource: ", resource), ("", _plain(result["message"]))]
    paragraphs += [("evidence: ", _plain(line)) for line in evidence_entries(result.get("evidence") or {})]
    paragraphs += [("  ", _plain(line)) for line in requirement_lines(result.get("evidence") or {})]
    if result["status"] == Status.UNKNOWN:
        paragraphs += [("missing: ", _plain(gap)) for gap in first_few(missing_data(result))]
        paragraphs += [("to decide: ", _plain(step)) for step in how_to_decide(result)]
    else:
        paragraphs.append(("fix: ", _plain(result["remediation"])))
    return paragraphs


def _plain(value: object) -> Text:
    return Text(shown(value))


def _print_paragraphs(console: Console, label: Text, paragraphs: list[tuple[str, Text]]) -> None:
    """Paragraphs under a status label, wrapped at spaces only, each with a hanging indent.

    A word longer than the line (an ARM id, a URL, a command) is never cut or folded with added
    characters: it overflows the line whole, so that it copies and pastes intact.
    """
    indent = " " * LABEL_WIDTH
    for number, (name, text) in enumerate(paragraphs):
        width = max(console.width - LABEL_WIDTH - len(name), MIN_TEXT_WIDTH)
        for position, line in enumerate(_wrapped(text, width)):
            lead = label if number == 0 and position == 0 else Text(indent)
            lead += Text(name, style="dim") if position == 0 else Text(" " * len(name))
            console.print(lead + line, **WHOLE_LINE)


# A `code span` (a command in a remediation) is one word: broken at its spaces, it would paste as
# several shell lines.
_WORD = re.compile(r"(?:`[^`]*`|\S)+\s*")


def _wrapped(text: Text, width: int) -> list[Text]:
    """`text` broken at spaces into lines of `width` cells; a longer word gets a line of its own.

    rich folds such a word at the width or, told not to, stops wrapping the paragraph at all.
    """
    offsets = []
    used = 0
    for word in _WORD.finditer(text.plain):
        if used and used + cell_len(word.group().rstrip()) > width:
            offsets.append(word.start())
            used = 0
        used += cell_len(word.group())
    lines = list(text.divide(offsets))
    for line in lines:
        line.rstrip()
    return lines


def _render_waived(console: Console, waived: list[Mapping[str, Any]]) -> None:
    if not waived:
        return
    console.print(Text(f"WAIVED ({len(waived)})", style="bold"))
    for result in waived:
        line = Text(shown(f"  {result['rule_id']}  {name_of(result['resource_id'])}"))
        waiver = result.get("waiver") or {}
        if waiver.get("justification"):
            line.append(f": {shown(waiver['justification'])}", style="dim")
        if waiver.get("expires"):
            line.append(f" (expires {shown(waiver['expires'])})", style="dim")
        console.print(line)


def _by_status(summary: Mapping[str, Any]) -> str:
    return ", ".join(f"{summary['by_status'][s.value]} {s.value}" for s in STATUS_ORDER)


def _counts(summary: Mapping[str, Any]) -> Text:
    text = Text("Results: ", style="bold")
    text.append(_by_status(summary))
    text.append("\nFailing by severity: ", style="bold")
    text.append(
        ", ".join(
            f"{summary['by_severity'][sev.value][Status.FAIL.value]} {sev.value}" for sev in SEVERITIES_DESCENDING
        )
    )
    return text


def _render_collection_errors(console: Console, errors: list[dict[str, Any]]) -> None:
    heading = f"Collection errors ({len(errors)}): results that needed this data are unknown"
    console.print(Text(heading, style="bold magenta"))
    for error in errors:
        console.print(Text("  " + shown("; ".join(f"{key}: {value}" for key, value in error.items()))))


def _totals(report: Report) -> Text:
    summary = report["summary"]
    workspaces = len(report["workspaces"])
    plural = "" if workspaces == 1 else "s"
    text = Text(f"{summary['total']} results over {workspaces} workspace{plural}: ", style="bold")
    text.append(_by_status(summary))
    return text
