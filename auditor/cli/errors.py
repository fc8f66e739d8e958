"""Exit codes and the one-line error every command reports a user's mistake with."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn

import click

from auditor.reporters.text import visible

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_ERROR = 2
EXIT_INCOMPLETE = 3  # read errors hid data that rules needed (live scan or collect), unless --allow-partial
EXIT_INTERRUPTED = 130  # the shell's 128 + SIGINT


class Interrupted(Exception):
    """Ctrl-C, carried past click's own handling of KeyboardInterrupt (a blank line and `Aborted!`)."""


def aborted() -> NoReturn:
    """Ctrl-C: one line, exit 130, never a traceback; a second Ctrl-C during the way out is ignored."""
    with suppress(ValueError):  # only the main thread may set handlers; elsewhere there is no second ^C to fear
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    click.echo("amlaudit: aborted", err=True)
    sys.exit(EXIT_INTERRUPTED)


class UserError(click.ClickException):
    """A problem with what the user gave us: one line on stderr, exit 2, never a traceback."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        # The message may quote the inventory or a server's answer: shown, never obeyed by the terminal.
        click.echo(f"amlaudit: error: {visible(self.format_message())}", err=True)


@contextmanager
def reporting_os_error(path: Path) -> Iterator[None]:
    """An OSError while writing `path` as a one-line user error naming the file."""
    try:
        yield
    except OSError as err:
        where = err.filename if isinstance(err.filename, str) else path
        raise UserError(f"{where}: {err.strerror or err}") from None
