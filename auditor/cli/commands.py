"""The command group with every command registered on it."""

from __future__ import annotations

# Imported for their side effect: each command module registers its command on `cli`.
from auditor.cli import collect_command, graph_command, merge_command, rules_command, scan_command  # noqa: F401
from auditor.cli.app import cli

__all__ = ["cli"]
