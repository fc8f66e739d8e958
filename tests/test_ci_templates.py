"""The CI examples: the pieces each platform needs, and amlaudit commands the real CLI accepts."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "examples" / "ci" / "github-actions.yml"
AZURE = ROOT / "examples" / "ci" / "azure-pipelines.yml"
SCRIPT_KEYS = {"run", "script", "bash", "inlineScript"}

# A report file in the output directory of either example.
REPORT_FILE = re.compile(r"(?:\bout|\$\(reportDir\))/(amlaudit\.[a-z.]*[a-z])")


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def scripts(node: Any) -> Iterator[str]:
    """Every shell script in a workflow or pipeline: `run:`, `script:`, `bash:`, `inlineScript:`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SCRIPT_KEYS and isinstance(value, str):
                yield value
            else:
                yield from scripts(value)
    elif isinstance(node, list):
        for item in node:
            yield from scripts(item)


def amlaudit_commands(script: str) -> list[list[str]]:
    # `${{ … }}` holds spaces that are not shell words; `$(…)` macros are single words already.
    script = re.sub(r"\$\{\{.*?\}\}", "EXPR", script).replace("\\\n", " ")
    commands = [shlex.split(line, comments=True) for line in script.splitlines()]
    return [words for words in commands if words[:1] == ["amlaudit"]]


def commands_of(path: Path) -> list[list[str]]:
    found = [command for script in scripts(load(path)) for command in amlaudit_commands(script)]
    assert found, f"no amlaudit command in {path.name}"
    return found


def steps(path: Path) -> list[dict[str, Any]]:
    document = load(path)
    jobs = document.get("jobs")
    return [step for job in jobs.values() for step in job["steps"]] if jobs else document["steps"]


def step_using(path: Path, prefix: str) -> dict[str, Any]:
    (step,) = [s for s in steps(path) if str(s.get("uses") or s.get("task") or "").startswith(prefix)]
    return step


def test_github_workflow_has_what_code_scanning_needs() -> None:
    workflow = load(GITHUB)

    triggers = workflow[True]  # YAML 1.1, which PyYAML speaks, reads a bare `on` as true
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"id-token": "write", "contents": "read", "security-events": "write"}
    login = step_using(GITHUB, "azure/login@")["with"]
    assert login == {
        "client-id": "${{ secrets.AZURE_CLIENT_ID }}",
        "tenant-id": "${{ secrets.AZURE_TENANT_ID }}",
        "subscription-id": "${{ secrets.AZURE_SUBSCRIPTION_ID }}",
    }
    assert "client-secret" not in login and "creds" not in login
    upload = step_using(GITHUB, "github/codeql-action/upload-sarif@")
    assert upload["if"].startswith("always()")
    assert upload["with"]["sarif_file"] == "out/amlaudit.sarif"
    summary = next(s for s in steps(GITHUB) if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert summary["if"].startswith("always()")
    assert "out/amlaudit.md" in summary["run"]
    assert step_using(GITHUB, "actions/upload-artifact@")["if"] == "always()"
    (scan,) = commands_of(GITHUB)
    assert scan[:2] == ["amlaudit", "scan"]
    assert " ".join(scan[2:]) == "--subscription EXPR --format json,sarif,markdown --output-dir out --fail-on high"


def test_azure_pipeline_has_what_azure_devops_needs() -> None:
    pipeline = load(AZURE)

    assert pipeline["schedules"][0]["cron"]
    scan = step_using(AZURE, "AzureCLI@2")["inputs"]
    assert scan["azureSubscription"] and scan["scriptType"] == "bash"
    assert "$(" not in scan["azureSubscription"]  # service connections are resolved at compile time
    tests = step_using(AZURE, "PublishTestResults@2")
    assert tests["inputs"]["testResultsFormat"] == "JUnit"
    assert tests["condition"] == "succeededOrFailed()"
    artifacts = [
        s
        for s in steps(AZURE)
        if str(s.get("task", "")).startswith(("PublishPipelineArtifact", "PublishBuildArtifacts"))
    ]
    assert artifacts and all(s["condition"] == "succeededOrFailed()" for s in artifacts)
    assert pipeline["variables"]["reportDir"] == "$(Build.ArtifactStagingDirectory)/amlaudit"
    (command,) = commands_of(AZURE)
    assert " ".join(command) == (
        "amlaudit scan --subscription $(subscriptionId) --format json,junit,sarif,html "
        "--output-dir $(reportDir) --fail-on high"
    )


def cli_problems(command: list[str]) -> list[str]:
    """What the real CLI would reject in one `amlaudit ...` command line."""
    from auditor.cli import cli
    from auditor.reporters import FORMATS

    problems: list[str] = []
    name = command[1]
    if name not in cli.commands:
        return [f"no subcommand {name!r}"]
    params = {opt: p for p in cli.commands[name].params for opt in (*p.opts, *p.secondary_opts)}
    words = iter(command[2:])
    for word in words:
        option, _, value = word.partition("=")
        param = params.get(option)
        if not option.startswith("-"):
            if not any(isinstance(p, click.Argument) for p in params.values()):
                problems.append(f"{name} takes no argument {word!r}")
            continue
        if param is None:
            problems.append(f"{name} {option}")
            continue
        if isinstance(param, click.Option) and param.is_flag:
            continue
        value = value or next(words, "")
        if option == "--format":
            problems += [f"--format {fmt}" for fmt in value.split(",") if fmt not in FORMATS]
        elif isinstance(param.type, click.Choice) and value.lower() not in param.type.choices:
            problems.append(f"{option} {value}")
    return problems


@pytest.mark.parametrize("path", [GITHUB, AZURE], ids=lambda p: p.name)
def test_every_amlaudit_command_is_one_the_cli_accepts(path: Path) -> None:
    commands = commands_of(path)
    assert commands, f"no amlaudit command found in {path.name}"
    assert [problem for command in commands for problem in cli_problems(command)] == []


@pytest.mark.parametrize("path", [GITHUB, AZURE], ids=lambda p: p.name)
def test_report_files_named_are_the_ones_the_cli_writes(path: Path) -> None:
    from auditor.reporters import FORMATS

    written = {fmt.filename for fmt in FORMATS.values()}
    named = set(REPORT_FILE.findall(path.read_text(encoding="utf-8")))
    assert named and not named - written
    if path == AZURE:
        assert FORMATS["junit"].filename.endswith(".xml")  # PublishTestResults reads *.xml


def test_the_check_catches_what_no_cli_accepts() -> None:
    assert cli_problems(["amlaudit", "nosuch"]) == ["no subcommand 'nosuch'"]
    assert "scan --bogus" in cli_problems(["amlaudit", "scan", "--bogus", "x"])
    assert "--fail-on severe" in cli_problems(["amlaudit", "scan", "--fail-on", "severe"])
    assert cli_problems(["amlaudit", "scan", "--format", "json,pdf"]) == ["--format pdf"]
