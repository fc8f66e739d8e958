"""`amlaudit scan --plan`: a planned change judged through the CLI, with and without a current state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli

ROOT = Path(__file__).resolve().parents[1]
TENANT = str(ROOT / "fixtures" / "sample-tenant")
PLANS = ROOT / "fixtures" / "plans"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def statuses(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(r["rule_id"], r["resource_id"].lower()): r["status"] for r in report["results"]}


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("current") / "current.json"
    assert run("scan", "--inventory", TENANT, "--format", "json", "--output", path).exit_code == 0
    return path


@pytest.mark.parametrize("plan", ["whatif-delete-blob-pe.json", "tf-delete-blob-pe.json"])
def test_gating_a_change_against_the_current_report(tmp_path: Path, current: Path, plan: str) -> None:
    out = tmp_path / "planned.json"
    done = run(
        "scan",
        "--inventory",
        TENANT,
        "--plan",
        PLANS / plan,
        "--baseline",
        current,
        "--format",
        "json",
        "--output",
        out,
    )
    assert done.exit_code == 1  # a new high failure
    report = json.loads(out.read_text(encoding="utf-8"))
    failing = {r["rule_id"]: r["baseline"] for r in report["results"] if r["status"] == "fail"}
    assert failing == {"AML-ST-002": "new", "AML-WS-004": "unchanged"}
    label = "ARM what-if" if plan.startswith("whatif") else "Terraform plan"
    assert report["inputs"] == [TENANT, f"planned: {PLANS / plan} ({label})"]
    assert report["warnings"][0].startswith("this report judges a PLANNED state: the current state with 1 plan(s)")


def test_a_change_that_fixes_a_failure_lists_it_as_fixed(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    run(
        "scan",
        "--inventory",
        TENANT,
        "--plan",
        PLANS / "tf-delete-blob-pe.json",
        "--format",
        "json",
        "--output",
        broken,
    )
    out = tmp_path / "fixed.json"
    # Recreating the endpoint (in a child module) on top of the state without it.
    done = run(
        "scan", "--inventory", TENANT, "--plan", PLANS / "tf-delete-blob-pe.json", "--plan",
        PLANS / "tf-blob-pe-in-module.json", "--baseline", broken, "--format", "json", "--output", out,
    )  # fmt: skip
    assert done.exit_code == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [f["rule_id"] for f in report["fixed"]] == ["AML-ST-002"]


def test_a_whole_environment_plan_alone_scans_like_the_deployed_baseline(tmp_path: Path, current: Path) -> None:
    out = tmp_path / "e2e"
    done = run("scan", "--plan", PLANS / "tf-e2e-secure-azapi.json", "--format", "json,markdown,html,sarif,junit",
               "--output-dir", out)  # fmt: skip
    assert done.exit_code == 0, done.output
    report = json.loads((out / "amlaudit.json").read_text(encoding="utf-8"))
    assert statuses(report) == statuses(json.loads(current.read_text(encoding="utf-8")))
    assert report["warnings"][0].startswith("this report judges a PLANNED state: nothing but 1 plan(s)")
    # Every format says what it judges.
    for name in ("amlaudit.md", "amlaudit.html", "amlaudit.sarif", "amlaudit.junit.xml"):
        assert "planned: " in (out / name).read_text(encoding="utf-8"), name
    console = run("scan", "--plan", PLANS / "tf-e2e-secure-azapi.json")
    assert "planned: " in console.output


def test_unread_types_are_counted_in_a_warning() -> None:
    done = CliRunner().invoke(
        cli, ["scan", "--plan", str(PLANS / "whatif-baseline-create.json"), "--format", "json"], catch_exceptions=False
    )
    assert done.exit_code == 0
    assert "1 resources of types amlaudit does not read ignored: Microsoft.Resources/resourceGroups (1)" in done.stderr


BAD_TERRAFORM = {"format_version": "1.2", "resource_changes": []}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no predicted body (a ResourceIdOnly what-if?)"),
        ({**BAD_TERRAFORM, "format_version": "0.1"}, "unsupported Terraform JSON format_version '0.1'"),
        (BAD_TERRAFORM, "no Azure resources (azurerm or azapi) in this Terraform plan"),
        (
            {
                **BAD_TERRAFORM,
                "resource_changes": [
                    {
                        "address": "azapi_resource.x",
                        "type": "azapi_resource",
                        "name": "x",
                        "provider_name": "registry.terraform.io/azure/azapi",
                        "change": {
                            "actions": ["create"],
                            "after": {
                                "type": "Microsoft.Network/virtualNetworks@2024-05-01",
                                "name": "x",
                                "parent_id": "/subscriptions/s/resourceGroups/rg",
                                "body": '{"properties": ',
                            },
                            "after_unknown": {},
                        },
                    }
                ],
            },
            "azapi_resource.x: malformed body string",
        ),
        ({"hello": "world"}, "not a plan"),
    ],
)
def test_bad_plan_exits_2_with_one_line_and_no_report(tmp_path: Path, content: Any, problem: str) -> None:
    plan = PLANS / "whatif-resource-id-only.json"
    if content is not None:
        plan = tmp_path / "plan.json"
        plan.write_text(json.dumps(content), encoding="utf-8")
    out = tmp_path / "report.json"
    done = CliRunner().invoke(
        cli, ["scan", "--inventory", TENANT, "--plan", str(plan), "--format", "json", "--output", str(out)]
    )
    assert done.exit_code == 2
    assert problem in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("amlaudit: error: ")
    assert not out.exists()


def test_plan_without_a_state_and_without_a_plan_is_a_usage_error() -> None:
    done = CliRunner().invoke(cli, ["scan"])
    assert done.exit_code == 2
    assert "--plan FILE" in done.stderr
