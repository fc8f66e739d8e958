"""The README stays true: its rule table, its quickstart, its option list and CI's test command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
from click.testing import CliRunner

from auditor.cli import cli, rules_markdown, scan
from auditor.engine import load_rules

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BEGIN, END = "<!-- rules:begin -->\n", "<!-- rules:end -->"

QUICKSTART = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'"
    " && .venv/bin/amlaudit scan --inventory fixtures/sample-tenant"
)
TEST_COMMAND = ".venv/bin/python -m pytest"


def shell_blocks(markdown: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", markdown, flags=re.DOTALL)]


def test_rule_table_is_the_registry() -> None:
    block = README.split(BEGIN, 1)[1].split(END, 1)[0]

    assert block == rules_markdown(load_rules()), (
        "README rule table is stale: replace the block between the rules markers with the output of "
        "`amlaudit rules list --format markdown`"
    )


def test_quickstart_is_the_first_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1]

    assert shell_blocks(quickstart)[:2] == [QUICKSTART, TEST_COMMAND]


def test_quickstart_scan_gives_the_exit_code_the_readme_promises() -> None:
    result = CliRunner().invoke(cli, ["scan", "--inventory", str(ROOT / "fixtures/sample-tenant"), "--format", "json"])

    assert result.exit_code == 0, result.output
    failing = {r["rule_id"] for r in json.loads(result.stdout)["results"] if r["status"] == "fail"}
    assert failing == {"AML-WS-004"}


def test_ci_runs_the_readme_test_command() -> None:
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()

    # CI puts its own virtual environment first on PATH, so its `python` is the README's .venv/bin/python.
    assert TEST_COMMAND.removeprefix(".venv/bin/") in ci_lines


def test_every_scan_option_is_documented() -> None:
    options = [opt for param in scan.params if isinstance(param, click.Option) for opt in param.opts]

    assert options, "scan has no options?"
    for option in options:
        assert f"| `{option}" in README, f"{option} is missing from the README's scan table"


def test_rule_reference_is_current() -> None:
    from auditor.engine import load_rules
    from auditor.ruledocs import reference_markdown

    docs = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    assert docs == reference_markdown(load_rules()), "regenerate: amlaudit rules list --format docs > docs/rules.md"
