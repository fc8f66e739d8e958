"""`amlaudit rules list|show`: the rules amlaudit enforces."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.cli.app import cli
from auditor.cli.errors import UserError
from auditor.cli.options import rules_dir_option
from auditor.engine import load_rules
from auditor.errors import InputError
from auditor.model import Rule
from auditor.ruledocs import reference_markdown, rule_markdown


@cli.group("rules")
def rules_group() -> None:
    """Inspect the rules amlaudit enforces."""


@rules_group.command("list")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json", "docs"], case_sensitive=False),
    default="table",
    show_default=True,
    help="table for a terminal; markdown for the README's table; json with every field; docs for docs/rules.md.",
)
@rules_dir_option
def rules_list(fmt: str, rules_dirs: tuple[Path, ...]) -> None:
    """List every rule: id, severity, family and title."""
    loaded = _rules(rules_dirs)
    if fmt == "json":
        click.echo(json.dumps([rule.metadata() for rule in loaded], indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo(rules_markdown(loaded), nl=False)
    elif fmt == "docs":
        click.echo(reference_markdown(loaded), nl=False)
    else:
        Console(highlight=False).print(_rules_table(loaded))


@rules_group.command("show")
@click.argument("rule_id")
@rules_dir_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json"], case_sensitive=False),
    default="table",
    show_default=True,
    help="table for a terminal; markdown as in docs/rules.md; json with every field.",
)
def rules_show(rule_id: str, rules_dirs: tuple[Path, ...], fmt: str) -> None:
    """Show everything about one rule (RULE_ID, e.g. AML-WS-001, any case): its clauses, why, the fix and
    the source."""
    wanted = rule_id.upper()
    rule = next((rule for rule in _rules(rules_dirs) if rule.id.upper() == wanted), None)
    if rule is None:
        raise UserError(f"{rule_id}: no such rule (see 'amlaudit rules list')")
    if fmt == "json":
        click.echo(json.dumps(rule.metadata(), indent=2, ensure_ascii=False))
        return
    if fmt == "markdown":
        click.echo(rule_markdown(rule), nl=False)
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")  # never cut a URL or an id short
    for key, value in rule.metadata().items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        grid.add_row(Text(key), Text(shown))
    Console(highlight=False).print(grid)


def _rules(rules_dirs: Sequence[Path]) -> list[Rule]:
    try:
        return load_rules(rules_dirs)
    except InputError as err:
        raise UserError(str(err)) from None


def rules_markdown(rules: Sequence[Rule]) -> str:
    """The README's rule table (between its `rules:begin` and `rules:end` markers)."""
    lines = ["| Rule | Severity | Family | Title |", "|---|---|---|---|"]
    for rule in rules:
        title = rule.title + (" (deprecated)" if rule.deprecated else "")
        cells = [f"[{rule.id}]({rule.help_uri})", rule.severity.value, rule.family, title]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _rules_table(rules: Sequence[Rule]) -> Table:
    table = Table()
    for column in ("Rule", "Severity", "Family", "Title"):
        table.add_column(column)
    for rule in rules:
        title = Text(rule.title)
        if rule.deprecated:
            title.append(" (deprecated)", style="dim")
        table.add_row(Text(rule.id), Text(rule.severity.value), Text(rule.family), title)
    return table
