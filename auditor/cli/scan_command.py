"""`amlaudit scan`: audit an inventory, or one collected live, and report per workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from auditor.baseline import apply_baseline
from auditor.cli.app import cli
from auditor.cli.emit import emit, exit_code
from auditor.cli.errors import EXIT_INCOMPLETE, UserError
from auditor.cli.live import Incomplete, run_collection, say, summary_line
from auditor.cli.options import (
    FAIL_ON_CHOICES,
    check_destinations,
    inventory_option,
    live_options,
    parse_formats,
    rules_dir_option,
)
from auditor.collect import ConnectionSettings, Scope
from auditor.collect.outcome import nothing_read, scan_incomplete
from auditor.collect.settings import settings_from_options
from auditor.diagram import diagram_source
from auditor.engine import load_rules, scan_inventory
from auditor.errors import InputError
from auditor.inventory import Inventory, gc_paused, inventory_from_snapshot, load_inventory
from auditor.model import Rule, Severity
from auditor.plan import apply_plans, load_plan
from auditor.plan.labels import plan_label, planned_state_note
from auditor.reporters import DIAGRAM_FORMATS, FORMATS, RenderOptions, ReportFormat
from auditor.reporters.jsonreport import Report, build_report, generated_at_now
from auditor.reporters.text import visible
from auditor.reportfile import load_report
from auditor.waivers import DEFAULT_WAIVERS_FILE, SECTIONS, apply_waivers, load_waivers, utc_today


@cli.command()
@live_options
@inventory_option
@click.option(
    "--plan",
    "plans",
    multiple=True,
    metavar="FILE",
    help="A planned change to judge (repeatable, applied in order): an ARM what-if result "
    "(--result-format FullResourcePayloads) or a Terraform plan (terraform show -json), applied on "
    "--inventory or the live scope, or alone for a whole environment.",
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
    callback=parse_formats,
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
@rules_dir_option
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
    check_destinations(request.formats, request.output, request.output_dir)
    with gc_paused():
        _scan(request)


@dataclass(frozen=True)
class ScanRequest:
    """Everything `amlaudit scan` was asked, as click parsed it."""

    inventories: tuple[str, ...]
    plans: tuple[str, ...]
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
    resource_graph: bool
    tenant: str | None
    cloud: str
    arm_endpoint: str | None
    token_scope: str | None
    ca_bundle: str | None
    timeout: float | None
    read_timeout: float
    concurrency: int
    quiet: bool
    verbose: bool
    allow_partial: bool

    @property
    def live(self) -> bool:
        """Collect from Azure: a scope was given, or workspaces by id without an inventory."""
        scoped = (
            self.subscriptions
            or self.resource_group
            or self.all_subscriptions
            or self.management_group
            or self.resource_graph
        )
        return bool(scoped) or (not self.inventories and not self.plans and bool(self.workspace_filters))

    def scope(self) -> Scope:
        return Scope(
            subscriptions=self.subscriptions,
            resource_group=self.resource_group,
            workspaces=self.workspace_filters,
            all_subscriptions=self.all_subscriptions,
            management_group=self.management_group,
            resource_graph=self.resource_graph,
        )

    def connection(self) -> ConnectionSettings:
        return settings_from_options(
            cloud=self.cloud,
            tenant=self.tenant,
            arm_endpoint=self.arm_endpoint,
            token_scope=self.token_scope,
            ca_bundle=self.ca_bundle,
            timeout=self.timeout,
            read_timeout=self.read_timeout,
            concurrency=self.concurrency,
        )


def _scan(request: ScanRequest) -> None:
    check_inputs(request)
    try:
        generated_at = generated_at_now()
        loaded_rules = load_rules(request.rules_dirs)
        inventory, inputs = read_inputs(request)
        scan_result = scan_inventory(
            inventory,
            loaded_rules,
            workspace_filters=request.workspace_filters,
            cloud=request.cloud,
            keep_topology=any(fmt.name in DIAGRAM_FORMATS for fmt in request.formats),
        )
        report = build_report(scan_result, inputs, generated_at)
        as_of = request.as_of.date() if request.as_of else utc_today()
        report = _with_waivers(report, loaded_rules, request.waivers_file, as_of)
        if request.baseline_file is not None:
            previous = load_report(request.baseline_file)
            report = apply_baseline(report, previous, include_unknown=request.fail_on_unknown)
    except InputError as err:
        raise UserError(str(err)) from None
    emit(
        report,
        loaded_rules,
        request.formats,
        request.output,
        request.output_dir,
        RenderOptions(
            request.sarif_include_passing,
            diagrams=diagram_source(scan_result.topology) if scan_result.topology else None,
        ),
    )
    # The scan's warnings, and those of the passes after it (a baseline of another scope).
    for warning in report.get("warnings", []):
        click.echo(f"amlaudit: warning: {visible(str(warning))}", err=True)
    code = exit_code(report["results"], request.fail_on, request.fail_on_unknown)
    if request.live and not request.allow_partial:
        why = scan_incomplete(len(inventory.resources), inventory.errors, report["results"])
        if why:
            say(f"error: incomplete: {why} (--allow-partial judges on what was read)")
            code = EXIT_INCOMPLETE
    click.get_current_context().exit(code)


def check_inputs(request: ScanRequest) -> None:
    """One source of resources: a saved inventory or a live scope, each with or without plans."""
    if request.live and request.inventories:
        raise click.UsageError(
            "--inventory reads a saved inventory; a scope (--subscription, ...) collects live: not both"
        )
    if not request.live and not request.inventories and not request.plans:
        raise click.UsageError(
            "give --inventory PATH, --plan FILE, or a scope to collect live (--subscription, --workspace ID, ...)"
        )


def read_inputs(request: ScanRequest) -> tuple[Inventory, list[str]]:
    """The inventory to judge (loaded, collected, with the plans applied) and how reports name it."""
    plans = [load_plan(path) for path in request.plans]
    inventory: Inventory | None = None
    inputs: list[str] = []
    if request.live:
        scope, connection = _live_settings(request)
        inputs = [scope_label(scope)]
        inventory = _collect(scope, connection, request, inputs[0])
    elif request.inventories:
        inputs = list(request.inventories)
        inventory = _load(request.inventories)
    if plans:
        inventory = apply_plans(inventory, plans)
        inputs += [plan_label(plan) for plan in plans]
        inventory.warnings.insert(0, planned_state_note(plans, bool(request.live or request.inventories)))
    assert inventory is not None
    return inventory, inputs


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


def _collect(scope: Scope, connection: ConnectionSettings, request: ScanRequest, label: str) -> Inventory:
    snapshot = run_collection(scope, connection, quiet=request.quiet, verbose=request.verbose)
    say(summary_line(snapshot))
    nothing = nothing_read(len(snapshot["resources"]), snapshot["errors"])
    if nothing:
        raise Incomplete(nothing)
    return inventory_from_snapshot(snapshot, label)


def _with_waivers(report: Report, rules: Sequence[Rule], waivers_file: Path | None, as_of: date) -> Report:
    """Waivers applied from the given file, or the default file when present; the section is always there."""
    path = waivers_file
    if path is None and Path(DEFAULT_WAIVERS_FILE).is_file():
        path = Path(DEFAULT_WAIVERS_FILE)
    if path is None:
        return {**report, "waivers": {section: [] for section in SECTIONS}}
    return apply_waivers(report, load_waivers(path, [rule.id for rule in rules]), as_of)


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
