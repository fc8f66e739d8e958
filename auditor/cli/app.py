"""The `amlaudit` command group and its entry point; the commands register themselves on `cli`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from auditor import __version__
from auditor.cli.errors import EXIT_ERROR, EXIT_OK, Interrupted, aborted


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
        except (Interrupted, click.Abort):
            # click.Abort: Ctrl-C while click was still parsing the command line.
            aborted()
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted from None


# The exit codes are a contract with CI jobs; README.md documents the same table.
EXIT_CODES_HELP = """\b
Exit codes:
  0    nothing fails at or above --fail-on
  1    a result fails at or above --fail-on
  2    usage or input error: one line on stderr, no report written
  3    incomplete: live reads failed for data the rules need (see --allow-partial)
  130  interrupted (Ctrl-C)
"""


@click.group(
    cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP
)
@click.version_option(__version__, "--version", prog_name="amlaudit", message="%(prog)s %(version)s")
def cli() -> None:
    """Policy-as-code scanner for Azure Machine Learning network isolation."""
