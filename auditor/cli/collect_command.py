"""`amlaudit collect`: save the ARM resources the rules read as a snapshot."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli.app import cli
from auditor.cli.errors import UserError, reporting_os_error
from auditor.collect import ConnectionSettings, Scope, connection_options, scope_options


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
    # Here, not at the top: every command registers at start-up, only this one needs the Azure SDKs.
    from auditor.collect.collector import CollectionError, collect_snapshot
    from auditor.collect.snapshot import write_snapshot

    try:
        snapshot = collect_snapshot(scope, connection, progress=not quiet)
    except CollectionError as err:
        raise UserError(str(err)) from None
    with reporting_os_error(output):
        write_snapshot(snapshot, output)
    for error in snapshot["errors"]:
        click.echo(
            f"amlaudit: warning: could not read {', '.join(error.get('resource_types') or ['everything'])} "
            f"at {error.get('scope')}: {error.get('status')} {error.get('code')}",
            err=True,
        )
