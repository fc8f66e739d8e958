"""`amlaudit graph`: every format, one workspace to stdout or one file per workspace."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from mermaid_grammar import check_flowchart

from auditor.cli import cli
from auditor.cli.graph_command import GRAPH_FORMATS, file_names
from auditor.diagram import Diagram

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample-tenant"
HUB_AND_PROJECT = ROOT / "fixtures" / "cases" / "hub-and-project.json"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["graph", *map(str, args)], prog_name="amlaudit")


@pytest.mark.parametrize("fmt", list(GRAPH_FORMATS))
def test_one_workspace_goes_to_stdout_in_every_format(fmt: str) -> None:
    result = run("--inventory", SAMPLE, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    if fmt == "svg":
        assert ET.fromstring(text).tag.endswith("svg") and "AML-WS-004" in text
    elif fmt == "mermaid":
        assert check_flowchart(text) == []
    elif fmt == "dot":
        assert text.startswith('digraph "network of mlw-prod" {') and text.rstrip().endswith("}")
    else:
        diagram = Diagram.from_dict(json.loads(text))
        assert diagram.workspace_name == "mlw-prod" and any(n.kind == "vnet" for n in diagram.nodes)


def test_every_workspace_gets_its_file_in_the_output_dir(tmp_path: Path) -> None:
    result = run("--inventory", HUB_AND_PROJECT, "--format", "svg", "--output-dir", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["mlw-prod.svg", "proj-vision.svg"]


def test_the_workspace_option_selects_one(tmp_path: Path) -> None:
    result = run("--inventory", HUB_AND_PROJECT, "--workspace", "proj-vision", "--format", "mermaid")
    assert result.exit_code == 0 and "hub workspace: mlw-prod" in result.stdout


def test_several_workspaces_to_stdout_is_a_usage_error() -> None:
    result = run("--inventory", HUB_AND_PROJECT)
    assert result.exit_code == 2 and "2 workspaces selected" in result.stderr
    assert result.stdout == ""


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    for args in (("--inventory", broken), (), ("--inventory", SAMPLE, "--format", "png")):
        result = run(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_workspaces_sharing_a_name_get_distinct_files() -> None:
    twins = [Diagram(f"/subscriptions/s/resourceGroups/{rg}/providers/x/workspaces/ml", "ml") for rg in ("a", "b")]
    names = file_names([*twins, Diagram("/w/other", "../other")], "svg")
    assert len(set(names.values())) == 3 and all(n.startswith("ml-") for n in list(names.values())[:2])
    assert names["/w/other"] == "other.svg"
