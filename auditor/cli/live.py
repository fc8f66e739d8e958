"""What `scan` with a scope and `collect` share: how they run a collection and how its gaps end them.

Every live run prints one summary line on stderr, `--quiet` or not; when read errors hid data the
rules needed, it ends with exit code 3 unless `--allow-partial` accepts judging on what was read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import click

from auditor.cli.errors import EXIT_INCOMPLETE, UserError
from auditor.collect import ConnectionSettings, Scope
from auditor.collect.outcome import summary

Json = dict[str, Any]

LIVE_RUN_OPTIONS: dict[str, Callable[[Any], Any]] = {
    "quiet": click.option(
        "--quiet", is_flag=True, help="No progress display (the summary line and errors are still printed)."
    ),
    "verbose": click.option(
        "--verbose",
        is_flag=True,
        help="Log each ARM request on standard error (method, path, status, seconds; never headers or "
        "tokens), with the Azure SDKs' own warnings and azure-identity's detail.",
    ),
    "allow-partial": click.option(
        "--allow-partial",
        is_flag=True,
        help="Judge on what could be read: read errors alone do not end the run with exit code 3.",
    ),
}


class Incomplete(click.ClickException):
    """Read errors hid data the rules needed: one line on stderr, exit code 3."""

    exit_code = EXIT_INCOMPLETE

    def show(self, file: Any = None) -> None:
        click.echo(f"amlaudit: error: {self.format_message()}", err=True)


def say(line: str) -> None:
    click.echo(f"amlaudit: {line}", err=True)


def run_collection(scope: Scope, connection: ConnectionSettings, *, quiet: bool, verbose: bool) -> Json:
    """The snapshot of `scope`; a collection that cannot start is a one-line error (exit 2, or 3
    when read errors are why it could not find what it was asked for)."""
    # Here, not at the top: only the live path pays for importing the Azure SDKs.
    from auditor.collect.collector import CollectionError, collect_snapshot

    if verbose:
        connection = dataclasses.replace(connection, diagnostics=say)
    try:
        # The request log and a live progress line would tear each other apart on one stream.
        return collect_snapshot(scope, connection, progress=not (quiet or verbose))
    except CollectionError as err:
        if err.incomplete:
            raise Incomplete(str(err)) from None
        raise UserError(str(err)) from None


def summary_line(snapshot: Json) -> str:
    return summary(len(snapshot.get("resources") or []), snapshot.get("errors") or [])
