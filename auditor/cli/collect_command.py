"""`amlaudit collect`: save the ARM resources the rules read as a snapshot."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli.app import cli
from auditor.cli.errors import reporting_os_error
from auditor.cli.live import LIVE_RUN_OPTIONS, Incomplete, run_collection, say, summary_line
from auditor.collect import ConnectionSettings, Scope, connection_options, scope_options
from auditor.collect.outcome import nothing_read, plural, read_error_line
from auditor.output import check_output_file


@cli.command()
@scope_options
@connection_options
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The snapshot file to write (atomically; a device or FIFO is written to as it is).",
)
@LIVE_RUN_OPTIONS["quiet"]
@LIVE_RUN_OPTIONS["verbose"]
@LIVE_RUN_OPTIONS["allow-partial"]
def collect(
    scope: Scope, connection: ConnectionSettings, output: Path, quiet: bool, verbose: bool, allow_partial: bool
) -> None:
    """Collect the ARM resources the rules read into a snapshot that `scan --inventory` reads.

    Exits 3 when any read failed (the snapshot, written anyway, records each error), unless --allow-partial.
    """
    # Here, not at the top: every command registers at start-up, only this one needs the Azure SDKs.
    from auditor.collect.snapshot import write_snapshot

    with reporting_os_error(output):
        check_output_file(output)
    snapshot = run_collection(scope, connection, quiet=quiet, verbose=verbose)
    with reporting_os_error(output):
        write_snapshot(snapshot, output)
    errors = snapshot["errors"]
    for error in errors:
        say(f"warning: {read_error_line(error)}")
    say(f"{summary_line(snapshot)}; snapshot written to {output}")
    nothing = nothing_read(len(snapshot["resources"]), errors)
    if nothing:
        raise Incomplete(nothing)
    if errors and not allow_partial:
        raise Incomplete(
            f"the snapshot is incomplete: {plural(len(errors), 'read error')} (--allow-partial accepts it)"
        )
