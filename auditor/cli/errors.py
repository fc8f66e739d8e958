"""Exit codes and the one-line error every command reports a user's mistake with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_ERROR = 2


class UserError(click.ClickException):
    """A problem with what the user gave us: one line on stderr, exit 2, never a traceback."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"amlaudit: error: {self.format_message()}", err=True)


@contextmanager
def reporting_os_error(path: Path) -> Iterator[None]:
    """An OSError while writing `path` as a one-line user error naming the file."""
    try:
        yield
    except OSError as err:
        where = err.filename if isinstance(err.filename, str) else path
        raise UserError(f"{where}: {err.strerror or err}") from None
