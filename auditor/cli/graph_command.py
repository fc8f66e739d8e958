"""`amlaudit graph`: each workspace's network with its results drawn on it, as SVG, Mermaid, DOT or JSON."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from auditor.cli.app import cli
from auditor.cli.errors import UserError, reporting_os_error
from auditor.cli.options import check_destinations, inventory_option, live_options, rules_dir_option
from auditor.cli.scan_command import ScanRequest, check_inputs, read_inputs
from auditor.diagram import Diagram, build_diagram
from auditor.diagram.dot import render_dot
from auditor.diagram.mermaid import render_mermaid
from auditor.diagram.svg import render_svg
from auditor.engine import load_rules, scan_inventory
from auditor.errors import InputError
from auditor.inventory import gc_paused
from auditor.output import write_all_atomic, write_text


def _json(diagram: Diagram) -> str:
    return json.dumps(diagram.to_dict(), indent=2, ensure_ascii=False) + "\n"


# Format → (file extension, renderer).
GRAPH_FORMATS: dict[str, tuple[str, Callable[[Diagram], str]]] = {
    "svg": ("svg", render_svg),
    "mermaid": ("mmd", render_mermaid),
    "dot": ("dot", render_dot),
    "json": ("json", _json),
}


@cli.command()
@live_options
@inventory_option
@click.option(
    "--plan",
    "plans",
    multiple=True,
    metavar="FILE",
    help="A planned change to draw (repeatable): an ARM what-if result or a Terraform plan, as for scan.",
)
@click.option(
    "--workspace",
    "workspace_filters",
    multiple=True,
    metavar="NAME|ID",
    help="Draw only this workspace, by name or ARM id (repeatable; case-insensitive).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(GRAPH_FORMATS), case_sensitive=False),
    default="svg",
    show_default=True,
    help="Diagram format.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one file per workspace here (NAME.svg, .mmd, .dot or .json); without it, the one "
    "workspace selected goes to standard output.",
)
@rules_dir_option
def graph(fmt: str, output_dir: Path | None, **options: Any) -> None:
    """Draw each workspace's network (VNets, subnets, endpoints, computes, peerings, routes, DNS
    zones) with failing relations in red and unknown ones dashed."""
    request = ScanRequest(
        **options,
        formats=[],
        output=None,
        output_dir=None,
        fail_on="never",
        fail_on_unknown=False,
        waivers_file=None,
        as_of=None,
        baseline_file=None,
        sarif_include_passing=False,
    )
    check_inputs(request)
    check_destinations([], None, output_dir)  # before a live scope is collected for nothing
    with gc_paused():
        diagrams = _diagrams(request)
    if output_dir is None and len(diagrams) != 1:
        raise click.UsageError(
            f"{len(diagrams)} workspaces selected: choose one with --workspace, or give --output-dir"
        )
    extension, render = GRAPH_FORMATS[fmt.lower()]
    if output_dir is None:
        write_text(sys.stdout, render(diagrams[0]))
        return
    with reporting_os_error(output_dir):
        output_dir.mkdir(parents=True, exist_ok=True)
    names = file_names(diagrams, extension)
    with reporting_os_error(output_dir):
        write_all_atomic({output_dir / names[d.workspace_id]: render(d) for d in diagrams})
    for diagram in diagrams:
        click.echo(f"{output_dir / names[diagram.workspace_id]}", err=True)


def _diagrams(request: ScanRequest) -> list[Diagram]:
    try:
        rules = load_rules(request.rules_dirs)
        inventory, _ = read_inputs(request)
        scan = scan_inventory(
            inventory, rules, workspace_filters=request.workspace_filters, cloud=request.cloud, keep_topology=True
        )
    except InputError as err:
        raise UserError(str(err)) from None
    assert scan.topology is not None
    results = [result.to_dict() for result in scan.results]
    by_workspace: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_workspace.setdefault(result["workspace_id"].lower(), []).append(result)
    out = []
    for summary in scan.workspaces:
        ws = scan.topology.get(summary["id"])
        if ws is not None:
            out.append(build_diagram(scan.topology, ws, by_workspace.get(summary["id"].lower(), [])))
    return out


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def file_names(diagrams: list[Diagram], extension: str) -> dict[str, str]:
    """A file name per workspace id: the workspace's name made safe, with a short digest of the id
    when two workspaces share a name (in two resource groups, say)."""
    safe = {d.workspace_id: _UNSAFE_NAME.sub("_", d.workspace_name).strip("._")[:80] or "workspace" for d in diagrams}
    counts: dict[str, int] = {}
    for name in safe.values():
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    names = {}
    for workspace_id, name in safe.items():
        if counts[name.lower()] > 1:
            name = f"{name}-{hashlib.sha256(workspace_id.lower().encode()).hexdigest()[:8]}"
        names[workspace_id] = f"{name}.{extension}"
    return names
