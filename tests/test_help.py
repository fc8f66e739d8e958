"""`--help` says something for every command and option, and the top-level help lists the exit codes."""

from __future__ import annotations

from collections.abc import Iterator

import click
from click.testing import CliRunner

from auditor.cli import cli


def walk(command: click.Command, path: str = "amlaudit") -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, f"{path} {name}")


def test_every_command_and_option_has_help_text() -> None:
    commands = list(walk(cli))
    missing = [path for path, command in commands if not (command.help or "").strip()]
    missing += [
        f"{path} {param.opts[0]}"
        for path, command in commands
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert len(commands) >= 6  # the walk sees the subcommands
    assert missing == []


def test_top_level_help_lists_the_exit_codes() -> None:
    shown = CliRunner().invoke(cli, ["--help"], prog_name="amlaudit")

    assert shown.exit_code == 0
    assert "Exit codes:" in shown.output
    listed = shown.output.split("Exit codes:", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.strip()] == ["0", "1", "2", "3", "130"]
