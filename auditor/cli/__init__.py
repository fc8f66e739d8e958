"""The `amlaudit` command line: one module per command, registered on the group in `app`.

Exit codes: 0 nothing fails at or above `--fail-on`; 1 something does; 2 usage or input error,
reported as one line on stderr. Nothing is written unless the whole scan succeeded.
"""

from __future__ import annotations

from auditor.cli import collect_command, merge_command, rules_command, scan_command
from auditor.cli.app import OneLineErrors, cli, main
from auditor.cli.collect_command import collect
from auditor.cli.emit import exit_code
from auditor.cli.errors import EXIT_ERROR, EXIT_FAILING, EXIT_OK, UserError
from auditor.cli.merge_command import merge
from auditor.cli.options import FAIL_ON_CHOICES, NEVER, live_options
from auditor.cli.rules_command import rules_group, rules_list, rules_markdown, rules_show
from auditor.cli.scan_command import ScanRequest, scan, scope_label

__all__ = [
    "EXIT_ERROR",
    "EXIT_FAILING",
    "EXIT_OK",
    "FAIL_ON_CHOICES",
    "NEVER",
    "OneLineErrors",
    "ScanRequest",
    "UserError",
    "cli",
    "collect",
    "collect_command",
    "exit_code",
    "live_options",
    "main",
    "merge",
    "merge_command",
    "rules_command",
    "rules_group",
    "rules_list",
    "rules_markdown",
    "rules_show",
    "scan",
    "scan_command",
    "scope_label",
]
