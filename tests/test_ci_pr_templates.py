"""The pull-request CI examples: a Bicep what-if job and a Terraform plan job that gate a change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_ci_templates import REPORT_FILE, cli_problems, commands_of, load, step_using, steps

ROOT = Path(__file__).resolve().parent.parent
BICEP = ROOT / "examples" / "ci" / "github-bicep-whatif-pr.yml"
TERRAFORM = ROOT / "examples" / "ci" / "github-terraform-plan-pr.yml"
PLAN_FILE = {BICEP: "whatif.json", TERRAFORM: "tfplan.json"}


@pytest.mark.parametrize("path", [BICEP, TERRAFORM], ids=lambda p: p.name)
def test_pr_job_gates_the_planned_state_against_the_current_one(path: Path) -> None:
    workflow = load(path)
    assert set(workflow[True]) == {"pull_request"}  # YAML 1.1 reads a bare `on` as true
    assert workflow["permissions"] == {"id-token": "write", "contents": "read"}
    login = step_using(path, "azure/login@")["with"]
    assert "client-secret" not in login and "creds" not in login
    collect, current, planned = commands_of(path)
    assert collect[:2] == ["amlaudit", "collect"] and collect[collect.index("--output") + 1] == "current-inventory.json"
    assert (
        " ".join(current[2:])
        == "--inventory current-inventory.json --format json --output current.json --fail-on never"
    )
    assert " ".join(planned[2:]) == (
        f"--inventory current-inventory.json --plan {PLAN_FILE[path]} --baseline current.json "
        "--format json,markdown --output-dir out --fail-on high"
    )
    assert [problem for command in (collect, current, planned) for problem in cli_problems(command)] == []
    summary = next(s for s in steps(path) if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert summary["if"].startswith("always()") and "out/amlaudit.md" in summary["run"]
    named = set(REPORT_FILE.findall(path.read_text(encoding="utf-8")))
    assert named == {"amlaudit.md"}


def test_bicep_job_asks_what_if_for_bodies_as_one_json_document() -> None:
    (what_if,) = [s["run"] for s in steps(BICEP) if "what-if" in s.get("run", "")]
    words = what_if.split()
    assert words[:4] == ["az", "deployment", "group", "what-if"]
    assert words[words.index("--result-format") + 1] == "FullResourcePayloads"
    assert "--no-pretty-print" in words and words[-2:] == [">", "whatif.json"]


def test_terraform_job_exports_the_plan_as_json_without_the_wrapper() -> None:
    setup = step_using(TERRAFORM, "hashicorp/setup-terraform@")
    assert setup["with"] == {"terraform_wrapper": False}
    (plan,) = [s["run"] for s in steps(TERRAFORM) if "terraform plan" in s.get("run", "")]
    assert re.search(r"terraform plan .*-out=tfplan", plan)
    assert "terraform show -json tfplan > ../tfplan.json" in plan
    env = load(TERRAFORM)["env"]
    assert env["ARM_USE_OIDC"] == "true" and "ARM_CLIENT_SECRET" not in env
