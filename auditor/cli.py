"""The `amlaudit` command line.

Exit codes: 0 nothing fails at or above `--fail-on`; 1 something does; 2 usage or input error,
reported as one line on stderr. Nothing is written unless the whole scan succeeded.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor import __version__
from auditor.baseline import apply_baseline, counts_toward_exit
from auditor.collect import (
    CollectionError,
    ConnectionSettings,
    Scope,
    collect_snapshot,
    connection_options,
    scope_options,
    write_snapshot,
)
from auditor.collect.scope import SCOPE_OPTIONS
from auditor.collect.settings import CONNECTION_OPTIONS
from auditor.engine import load_rules, scan_inventory
from auditor.errors import InputError
from auditor.inventory import Inventory, gc_paused, inventory_from_snapshot, load_inventory
from auditor.merge import merge_reports
from auditor.model import Rule, Severity, Status
from auditor.output import write_all_atomic, write_text
from auditor.reporters import FORMATS, RenderOptions, ReportFormat
from auditor.reporters.console import render_console
from auditor.reporters.jsonreport import Report, build_report, generated_at_now
from auditor.reportfile import load_report
from auditor.ruledocs import reference_markdown, rule_markdown
from auditor.summary import SEVERITIES_DESCENDING
from auditor.waivers import DEFAULT_WAIVERS_FILE, SECTIONS, apply_waivers, load_waivers, utc_today

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_ERROR = 2

NEVER = "never"
FAIL_ON_CHOICES = [*(severity.value for severity in SEVERITIES_DESCENDING), NEVER]


class UserError(click.ClickException):
    """A problem with what the user gave us: one line on stderr, exit 2, never a traceback."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"amlaudit: error: {self.format_message()}", err=True)


def main() -> None:
    cli(prog_name="amlaudit")


class OneLineErrors(click.Group):
    """A group whose usage errors are one line too (`amlaudit: error: ...`, exit 2), like input errors:
    CI logs and wrappers read a single line, never click's three-line usage banner."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as err:
            click.echo(err.ctx.get_help() if err.ctx is not None else err.format_message(), err=True)
            sys.exit(EXIT_ERROR)
        except click.UsageError as err:
            where = f" (see '{err.ctx.command_path} --help')" if err.ctx is not None else ""
            message = " ".join(err.format_message().split())
            click.echo(f"amlaudit: error: {message}{where}", err=True)
            sys.exit(EXIT_ERROR)
        except click.ClickException as err:
            err.show()
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("amlaudit: aborted", err=True)
            sys.exit(EXIT_ERROR)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="amlaudit", message="%(prog)s %(version)s")
def cli() -> None:
    """Policy-as-code scanner for Azure Machine Learning network isolation."""


def _parse_formats(_ctx: click.Context, _param: click.Parameter, value: str) -> list[ReportFormat]:
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise click.BadParameter(f"{value!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    return [FORMATS[name] for name in dict.fromkeys(names)]


def live_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The collector's scope and connection options on `scan` (its `--workspace` is scan's own)."""
    decorators = [*(o for name, o in SCOPE_OPTIONS.items() if name != "workspace"), *CONNECTION_OPTIONS.values()]
    decorators.append(click.option("--quiet", is_flag=True, help="No progress display on standard error."))
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


@cli.command()
@live_options
@click.option(
    "--inventory",
    "inventories",
    multiple=True,
    metavar="PATH",
    help="Inventory file or folder (repeatable). Without it, collect live from the scope given.",
)
@click.option(
    "--workspace",
    "workspace_filters",
    multiple=True,
    metavar="NAME|ID",
    help="Audit only this workspace, by name or ARM id (repeatable; case-insensitive).",
)
@click.option(
    "--format",
    "formats",
    default="console",
    show_default=True,
    metavar="FORMAT[,FORMAT...]",
    callback=_parse_formats,
    help=f"Report format: {', '.join(FORMATS)}. Several need --output-dir.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file (atomically) instead of stdout.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each format to its own file in this folder: "
    + ", ".join(fmt.filename for fmt in FORMATS.values())
    + ".",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False),
    default=Severity.HIGH.value,
    show_default=True,
    help="Exit 1 when a result fails at this severity or above; 'never' always exits 0.",
)
@click.option(
    "--fail-on-unknown",
    is_flag=True,
    help="Count 'unknown' results as failing (at their rule's severity).",
)
@click.option(
    "--rules-dir",
    "rules_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Load more rules from this folder (repeatable).",
)
@click.option(
    "--waivers",
    "waivers_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help=f"Waivers (YAML) to apply; default {DEFAULT_WAIVERS_FILE} when present.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="The day waivers are judged on (default: today, UTC); fixes reports for reproducibility.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="REPORT.json",
    help="An earlier JSON report: mark failures new or unchanged, list the fixed; only new ones fail.",
)
@click.option(
    "--sarif-include-passing",
    is_flag=True,
    help="Also put pass and not-applicable results in SARIF (dashboards; not for GitHub code scanning).",
)
def scan(**options: Any) -> None:
    """Audit an inventory, or collect one live from Azure, and report per workspace its network isolation."""
    request = ScanRequest(**options)
    _check_destinations(request.formats, request.output, request.output_dir)
    with gc_paused():
        _scan(request)


@dataclass(frozen=True)
class ScanRequest:
    """Everything `amlaudit scan` was asked, as click parsed it."""

    inventories: tuple[str, ...]
    workspace_filters: tuple[str, ...]
    formats: list[ReportFormat]
    output: Path | None
    output_dir: Path | None
    fail_on: str
    fail_on_unknown: bool
    rules_dirs: tuple[Path, ...]
    waivers_file: Path | None
    as_of: datetime | None
    baseline_file: Path | None
    sarif_include_passing: bool
    subscriptions: tuple[str, ...]
    resource_group: str | None
    all_subscriptions: bool
    management_group: str | None
    tenant: str | None
    cloud: str
    arm_endpoint: str | None
    token_scope: str | None
    ca_bundle: str | None
    timeout: float | None
    concurrency: int
    quiet: bool

    @property
    def live(self) -> bool:
        """Collect from Azure: a scope was given, or workspaces by id without an inventory."""
        scoped = self.subscriptions or self.resource_group or self.all_subscriptions or self.management_group
        return bool(scoped) or (not self.inventories and bool(self.workspace_filters))

    def scope(self) -> Scope:
        return Scope(
            subscriptions=self.subscriptions,
            resource_group=self.resource_group,
            workspaces=self.workspace_filters,
            all_subscriptions=self.all_subscriptions,
            management_group=self.management_group,
        )

    def connection(self) -> ConnectionSettings:
        return ConnectionSettings(
            cloud=self.cloud,
            tenant=self.tenant,
            arm_endpoint=self.arm_endpoint,
            token_scope=self.token_scope,
            ca_bundle=self.ca_bundle,
            timeout=self.timeout,
            concurrency=self.concurrency,
        )


def _scan(request: ScanRequest) -> None:
    if request.live and request.inventories:
        raise click.UsageError(
            "--inventory reads a saved inventory; a scope (--subscription, ...) collects live: not both"
        )
    if not request.live and not request.inventories:
        raise click.UsageError(
            "give --inventory PATH, or a scope to collect live (--subscription, --workspace ID, ...)"
        )
    try:
        generated_at = generated_at_now()
        loaded_rules = load_rules(request.rules_dirs)
        if request.live:
            scope, connection = _live_settings(request)
            inputs = [scope_label(scope)]
            inventory = _collect(scope, connection, request.quiet, inputs[0])
        else:
            inputs = list(request.inventories)
            inventory = _load(request.inventories)
        scan_result = scan_inventory(
            inventory, loaded_rules, workspace_filters=request.workspace_filters, cloud=request.cloud
        )
        report = build_report(scan_result, inputs, generated_at)
        as_of = request.as_of.date() if request.as_of else utc_today()
        report = _with_waivers(report, loaded_rules, request.waivers_file, as_of)
        if request.baseline_file is not None:
            previous = load_report(request.baseline_file)
            report = apply_baseline(report, previous, include_unknown=request.fail_on_unknown)
    except InputError as err:
        raise UserError(str(err)) from None
    _emit(
        report,
        loaded_rules,
        request.formats,
        request.output,
        request.output_dir,
        RenderOptions(request.sarif_include_passing),
    )
    for warning in scan_result.warnings:
        click.echo(f"amlaudit: warning: {warning}", err=True)
    click.get_current_context().exit(exit_code(report["results"], request.fail_on, request.fail_on_unknown))


def _live_settings(request: ScanRequest) -> tuple[Scope, ConnectionSettings]:
    try:
        return request.scope(), request.connection()
    except ValueError as err:
        raise click.UsageError(str(err)) from None


def scope_label(scope: Scope) -> str:
    """How a live scan's scope appears in the report's `inputs`."""
    parts = [f"subscription={s}" for s in scope.subscriptions]
    parts += [f"resource-group={scope.resource_group}"] if scope.resource_group else []
    parts += [f"workspace={w}" for w in scope.workspaces]
    parts += ["all-subscriptions"] if scope.all_subscriptions else []
    parts += [f"management-group={scope.management_group}"] if scope.management_group else []
    return "azure:" + ",".join(parts)


def _collect(scope: Scope, connection: ConnectionSettings, quiet: bool, label: str) -> Inventory:
    try:
        snapshot = collect_snapshot(scope, connection, progress=not quiet)
    except CollectionError as err:
        raise InputError(str(err), label) from None
    return inventory_from_snapshot(snapshot, label)


@cli.command()
@scope_options
@connection_options
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The snapshot file to write (atomically).",
)
@click.option("--quiet", is_flag=True, help="No progress display on standard error.")
def collect(scope: Scope, connection: ConnectionSettings, output: Path, quiet: bool) -> None:
    """Collect the ARM resources the rules read into a snapshot that `scan --inventory` reads."""
    try:
        snapshot = collect_snapshot(scope, connection, progress=not quiet)
    except CollectionError as err:
        raise UserError(str(err)) from None
    with _reporting_os_error(output):
        write_snapshot(snapshot, output)
    for error in snapshot["errors"]:
        click.echo(
            f"amlaudit: warning: could not read {', '.join(error.get('resource_types') or ['everything'])} "
            f"at {error.get('scope')}: {error.get('status')} {error.get('code')}",
            err=True,
        )


def _check_destinations(formats: Sequence[ReportFormat], output: Path | None, output_dir: Path | None) -> None:
    if output is not None and output_dir is not None:
        raise click.UsageError("--output and --output-dir exclude each other")
    if len(formats) > 1 and output_dir is None:
        raise click.UsageError("several formats need --output-dir")


def _with_waivers(report: Report, rules: Sequence[Rule], waivers_file: Path | None, as_of: date) -> Report:
    """Waivers applied from the given file, or the default file when present; the section is always there."""
    path = waivers_file
    if path is None and Path(DEFAULT_WAIVERS_FILE).is_file():
        path = Path(DEFAULT_WAIVERS_FILE)
    if path is None:
        return {**report, "waivers": {section: [] for section in SECTIONS}}
    return apply_waivers(report, load_waivers(path, [rule.id for rule in rules]), as_of)


def _emit(
    report: Report,
    rules: Sequence[Rule],
    formats: Sequence[ReportFormat],
    output: Path | None,
    output_dir: Path | None,
    options: RenderOptions,
) -> None:
    if output_dir is not None:
        with _reporting_os_error(output_dir):
            output_dir.mkdir(parents=True, exist_ok=True)
        _write_reports(report, rules, {output_dir / fmt.filename: fmt for fmt in formats}, options)
    elif output is not None:
        _write_reports(report, rules, {output: formats[0]}, options)
    else:
        _print(report, formats[0], rules, options)


@cli.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "formats",
    default="json",
    show_default=True,
    metavar="FORMAT[,FORMAT...]",
    callback=_parse_formats,
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
@click.option("--rules-dir", "rules_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR")
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
    _check_destinations(formats, output, output_dir)
    try:
        loaded_rules = load_rules(rules_dirs)
        merged = merge_reports([(str(path), load_report(path)) for path in reports])
    except InputError as err:
        raise UserError(str(err)) from None
    _emit(merged, loaded_rules, formats, output, output_dir, RenderOptions(sarif_include_passing))
    click.get_current_context().exit(exit_code(merged["results"], fail_on, fail_on_unknown))


def _load(inventories: Sequence[str]) -> Inventory:
    try:
        return load_inventory(inventories)
    except InputError:
        raise
    except Exception as err:
        # Whatever the files hold, a user deserves one line rather than a traceback; the type
        # names the bug for the report we would like to receive.
        problem = f"cannot load the inventory ({type(err).__name__}: {err})"
        raise InputError(problem, ", ".join(inventories)) from None


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
    with _reporting_os_error(next(iter(targets))):
        write_all_atomic({path: fmt.render(report, rules, options) for path, fmt in targets.items()})


@contextmanager
def _reporting_os_error(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as err:
        where = err.filename if isinstance(err.filename, str) else path
        raise UserError(f"{where}: {err.strerror or err}") from None


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


@cli.group("rules")
def rules_group() -> None:
    """Inspect the rules amlaudit enforces."""


@rules_group.command("list")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json", "docs"], case_sensitive=False),
    default="table",
    show_default=True,
)
@click.option("--rules-dir", "rules_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR")
def rules_list(fmt: str, rules_dirs: tuple[Path, ...]) -> None:
    """List every rule: id, severity, family and title."""
    loaded = _rules(rules_dirs)
    if fmt == "json":
        click.echo(json.dumps([rule.metadata() for rule in loaded], indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo(rules_markdown(loaded), nl=False)
    elif fmt == "docs":
        click.echo(reference_markdown(loaded), nl=False)
    else:
        Console(highlight=False).print(_rules_table(loaded))


@rules_group.command("show")
@click.argument("rule_id")
@click.option("--rules-dir", "rules_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json"], case_sensitive=False),
    default="table",
    show_default=True,
)
def rules_show(rule_id: str, rules_dirs: tuple[Path, ...], fmt: str) -> None:
    """Show everything about one rule: its clauses, why, the fix and the source."""
    wanted = rule_id.upper()
    rule = next((rule for rule in _rules(rules_dirs) if rule.id.upper() == wanted), None)
    if rule is None:
        raise UserError(f"{rule_id}: no such rule (see 'amlaudit rules list')")
    if fmt == "json":
        click.echo(json.dumps(rule.metadata(), indent=2, ensure_ascii=False))
        return
    if fmt == "markdown":
        click.echo(rule_markdown(rule), nl=False)
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")  # never cut a URL or an id short
    for key, value in rule.metadata().items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        grid.add_row(Text(key), Text(shown))
    Console(highlight=False).print(grid)


def _rules(rules_dirs: Sequence[Path]) -> list[Rule]:
    try:
        return load_rules(rules_dirs)
    except InputError as err:
        raise UserError(str(err)) from None


def rules_markdown(rules: Sequence[Rule]) -> str:
    """The README's rule table (between its `rules:begin` and `rules:end` markers)."""
    lines = ["| Rule | Severity | Family | Title |", "|---|---|---|---|"]
    for rule in rules:
        title = rule.title + (" (deprecated)" if rule.deprecated else "")
        cells = [f"[{rule.id}]({rule.help_uri})", rule.severity.value, rule.family, title]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _rules_table(rules: Sequence[Rule]) -> Table:
    table = Table()
    for column in ("Rule", "Severity", "Family", "Title"):
        table.add_column(column)
    for rule in rules:
        title = Text(rule.title)
        if rule.deprecated:
            title.append(" (deprecated)", style="dim")
        table.add_row(Text(rule.id), Text(rule.severity.value), Text(rule.family), title)
    return table
