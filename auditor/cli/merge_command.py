"""`amlaudit merge`: one report from the JSON reports of sharded scans."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli.app import cli
from auditor.cli.emit import emit, exit_code
from auditor.cli.errors import UserError
from auditor.cli.options import FAIL_ON_CHOICES, NEVER, check_destinations, parse_formats, rules_dir_option
from auditor.engine import load_rules
from auditor.errors import InputError
from auditor.merge import merge_reports
from auditor.reporters import FORMATS, RenderOptions, ReportFormat
from auditor.reporters.text import visible
from auditor.reportfile import load_report


@cli.command()
@click.argument(
    "reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="REPORT.json..."
)
@click.option(
    "--format",
    "formats",
    default="json",
    show_default=True,
    metavar="FORMAT[,FORMAT...]",
    callback=parse_formats,
    help=f"Report format: {', '.join(FORMATS)}. Several need --output-dir.",
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the merged report here.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), help="Write each format here.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False),
    default=NEVER,
    show_default=True,
    help="Exit 1 when a merged result fails at this severity or above.",
)
@click.option("--fail-on-unknown", is_flag=True, help="Count 'unknown' results as failing.")
@rules_dir_option
@click.option("--sarif-include-passing", is_flag=True, help="Also put pass and not-applicable results in SARIF.")
def merge(
    reports: tuple[Path, ...],
    formats: list[ReportFormat],
    output: Path | None,
    output_dir: Path | None,
    fail_on: str,
    fail_on_unknown: bool,
    rules_dirs: tuple[Path, ...],
    sarif_include_passing: bool,
) -> None:
    """Combine JSON reports of sharded scans into one report, in any format."""
    check_destinations(formats, output, output_dir)
    try:
        loaded_rules = load_rules(rules_dirs)
        merged = merge_reports([(str(path), load_report(path)) for path in reports], warn=_warn)
    except InputError as err:
        raise UserError(str(err)) from None
    emit(merged, loaded_rules, formats, output, output_dir, RenderOptions(sarif_include_passing))
    click.get_current_context().exit(exit_code(merged["results"], fail_on, fail_on_unknown))


def _warn(message: str) -> None:
    click.echo(f"amlaudit: warning: {visible(message)}", err=True)
