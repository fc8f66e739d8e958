"""Options more than one command takes, and the checks on them."""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from auditor.cli.errors import reporting_os_error
from auditor.cli.live import LIVE_RUN_OPTIONS
from auditor.collect.scope import SCOPE_OPTIONS
from auditor.collect.settings import CONNECTION_OPTIONS
from auditor.output import check_output_dir, check_output_file
from auditor.reporters import FORMATS, ReportFormat
from auditor.summary import SEVERITIES_DESCENDING

NEVER = "never"
FAIL_ON_CHOICES = [*(severity.value for severity in SEVERITIES_DESCENDING), NEVER]


# scan and graph read the same inputs.
inventory_option = click.option(
    "--inventory",
    "inventories",
    multiple=True,
    metavar="PATH",
    help="Inventory file or folder (repeatable). Without it, collect live from the scope given.",
)

rules_dir_option = click.option(
    "--rules-dir",
    "rules_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Load more rules from this folder (repeatable).",
)


def parse_formats(_ctx: click.Context, _param: click.Parameter, value: str) -> list[ReportFormat]:
    """`--format a,b`: the formats named, each once, in the order given."""
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise click.BadParameter(f"{value!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    return [FORMATS[name] for name in dict.fromkeys(names)]


def live_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The collector's scope and connection options on `scan` (its `--workspace` is scan's own)."""
    decorators = [
        *(o for name, o in SCOPE_OPTIONS.items() if name != "workspace"),
        *CONNECTION_OPTIONS.values(),
        *LIVE_RUN_OPTIONS.values(),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def check_destinations(formats: Sequence[ReportFormat], output: Path | None, output_dir: Path | None) -> None:
    """Where reports go: one file or one folder, and a folder for several formats; each one
    writable, checked before any work (a live scan would otherwise collect for nothing)."""
    if output is not None and output_dir is not None:
        raise click.UsageError("--output and --output-dir exclude each other")
    if len(formats) > 1 and output_dir is None:
        raise click.UsageError("several formats need --output-dir")
    if output is not None:
        with reporting_os_error(output):
            check_output_file(output)
    if output_dir is not None:
        with reporting_os_error(output_dir):
            check_output_dir(output_dir)
            for fmt in formats:
                if (output_dir / fmt.filename).is_dir():
                    raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(output_dir / fmt.filename))
