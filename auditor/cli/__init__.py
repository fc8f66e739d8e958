"""The `amlaudit` command line: one module per command, registered on the group in `app`.

Exit codes: 0 nothing fails at or above `--fail-on`; 1 something does; 2 usage or input error,
reported as one line on stderr; 3 incomplete: read errors of a live scan or collect hid data the
rules needed (unless `--allow-partial`); 130 interrupted (`amlaudit: aborted`). Nothing is written unless
the whole scan succeeded.

This module imports nothing until asked: `main` loads the commands inside its own interrupt
handling, so that Ctrl-C during start-up ends like Ctrl-C at any other time. The names below are
loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.cli.app import OneLineErrors
    from auditor.cli.collect_command import collect
    from auditor.cli.commands import cli
    from auditor.cli.emit import exit_code
    from auditor.cli.errors import EXIT_ERROR, EXIT_FAILING, EXIT_INTERRUPTED, EXIT_OK, UserError
    from auditor.cli.merge_command import merge
    from auditor.cli.options import FAIL_ON_CHOICES, NEVER, live_options
    from auditor.cli.rules_command import rules_group, rules_list, rules_markdown, rules_show
    from auditor.cli.scan_command import ScanRequest, scan, scope_label

_HOMES = {
    "OneLineErrors": "app",
    "collect": "collect_command",
    "cli": "commands",
    "exit_code": "emit",
    "EXIT_ERROR": "errors",
    "EXIT_FAILING": "errors",
    "EXIT_INTERRUPTED": "errors",
    "EXIT_OK": "errors",
    "UserError": "errors",
    "merge": "merge_command",
    "FAIL_ON_CHOICES": "options",
    "NEVER": "options",
    "live_options": "options",
    "rules_group": "rules_command",
    "rules_list": "rules_command",
    "rules_markdown": "rules_command",
    "rules_show": "rules_command",
    "ScanRequest": "scan_command",
    "scan": "scan_command",
    "scope_label": "scan_command",
}


def main() -> None:
    """The console entry point (`amlaudit`, `python -m auditor`): runs one command, then ends the
    process without freeing its heap (see `auditor.cli.process`)."""
    from auditor.cli.process import end_process
    from auditor.inventory import keep_gc_paused_until_exit

    keep_gc_paused_until_exit()
    try:
        _run()
    except SystemExit as stop:
        end_process(stop.code)


def _run() -> None:
    try:
        from auditor.cli.commands import cli

        cli(prog_name="amlaudit")
    except KeyboardInterrupt:
        # Ctrl-C while the commands were still loading; once they run, the group handles it.
        from auditor.cli.errors import aborted

        aborted()


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        # Commands register on the group as their modules load: load them all first.
        importlib.import_module("auditor.cli.commands")
        return getattr(importlib.import_module(f"auditor.cli.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EXIT_ERROR",
    "EXIT_FAILING",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "FAIL_ON_CHOICES",
    "NEVER",
    "OneLineErrors",
    "ScanRequest",
    "UserError",
    "cli",
    "collect",
    "exit_code",
    "live_options",
    "main",
    "merge",
    "rules_group",
    "rules_list",
    "rules_markdown",
    "rules_show",
    "scan",
    "scope_label",
]
