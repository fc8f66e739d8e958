"""Where a finished report goes (stdout, a file, a folder of files) and the exit code it earns."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from auditor.baseline import counts_toward_exit
from auditor.cli.errors import EXIT_FAILING, EXIT_OK, reporting_os_error
from auditor.cli.options import NEVER
from auditor.model import Rule, Severity, Status
from auditor.output import write_all_atomic, write_text
from auditor.reporters import RenderOptions, ReportFormat
from auditor.reporters.console import render_console
from auditor.reporters.jsonreport import Report


def emit(
    report: Report,
    rules: Sequence[Rule],
    formats: Sequence[ReportFormat],
    output: Path | None,
    output_dir: Path | None,
    options: RenderOptions,
) -> None:
    """The report in each format, to the folder, the file or stdout."""
    if output_dir is not None:
        with reporting_os_error(output_dir):
            output_dir.mkdir(parents=True, exist_ok=True)
        _write_reports(report, rules, {output_dir / fmt.filename: fmt for fmt in formats}, options)
    elif output is not None:
        _write_reports(report, rules, {output: formats[0]}, options)
    else:
        _print(report, formats[0], rules, options)


def _print(report: Report, fmt: ReportFormat, rules: Sequence[Rule], options: RenderOptions) -> None:
    console = Console(highlight=False)
    if fmt.name == "console" and console.is_terminal:
        # Live, so that rich can colour the report and fit it to the window.
        render_console(report, console)
    else:
        # Piped or redirected: the same bytes as `--output` writes.
        write_text(sys.stdout, fmt.render(report, rules, options))


def _write_reports(
    report: Report, rules: Sequence[Rule], targets: Mapping[Path, ReportFormat], options: RenderOptions
) -> None:
    # All files are renamed into place together, after every one rendered and written: a failure
    # leaves no partial set.
    with reporting_os_error(next(iter(targets))):
        write_all_atomic({path: fmt.render(report, rules, options) for path, fmt in targets.items()})


def exit_code(results: Iterable[Mapping[str, Any]], fail_on: str, fail_on_unknown: bool) -> int:
    """EXIT_FAILING when a counted result reaches the threshold severity, else EXIT_OK."""
    if fail_on == NEVER:
        return EXIT_OK
    threshold = Severity(fail_on).rank
    counted = {Status.FAIL, Status.UNKNOWN} if fail_on_unknown else {Status.FAIL}
    # Waived results are not failing; with a baseline, only new failures count.
    failing = any(
        Status(result["status"]) in counted
        and Severity(result["severity"]).rank >= threshold
        and counts_toward_exit(result)
        for result in results
    )
    return EXIT_FAILING if failing else EXIT_OK
