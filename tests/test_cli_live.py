"""`amlaudit scan` and `collect` against the fake ARM server, end to end through the CLI.

The real SDK clients speak HTTPS to the loopback fake (`--arm-endpoint`, `--ca-bundle`); the token
comes from AMLAUDIT_ACCESS_TOKEN, so no credential chain runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakearm.harness import FAKE_TOKEN
from fakearm.server import FakeArm

from auditor.cli import cli
from auditor.inventory import load_inventory

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample-tenant"
SUB = "3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d"
TOKEN_ENV = {"AMLAUDIT_ACCESS_TOKEN": FAKE_TOKEN, "SOURCE_DATE_EPOCH": "1767225600"}


@pytest.fixture
def served(fake_arm: FakeArm) -> FakeArm:
    fake_arm.load(load_inventory([str(SAMPLE)]).resources)
    return fake_arm


def triples(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(r["rule_id"], r["status"], r["resource_id"].lower()) for r in report["results"]}


def offline_report(*extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["scan", "--inventory", str(SAMPLE), "--format", "json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def live_args(fake: FakeArm) -> list[str]:
    return ["--arm-endpoint", fake.base_url, "--ca-bundle", str(fake.ca_path), "--quiet"]


@pytest.mark.parametrize("read", [[], ["--resource-graph"]], ids=["arm", "resource-graph"])
def test_live_scan_of_one_workspace_matches_the_offline_scan(served: FakeArm, read: list[str]) -> None:
    args = ["scan", "--subscription", SUB, "--workspace", "mlw-prod", "--format", "json", *read, *live_args(served)]
    result = CliRunner().invoke(cli, args, env=TOKEN_ENV)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert triples(report) == triples(offline_report("--workspace", "mlw-prod"))
    assert report["inputs"] == [f"azure:subscription={SUB},workspace=mlw-prod"]
    assert report["workspaces"][0]["posture"] == offline_report()["workspaces"][0]["posture"]
    assert {r.method for r in served.requests} == ({"GET", "POST"} if read else {"GET"})
    assert all(r.headers.get("Authorization") for r in served.requests)


def test_collect_then_scan_inventory_gives_the_live_results(served: FakeArm, tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.json"
    result = CliRunner().invoke(
        cli, ["collect", "--subscription", SUB, "--output", str(snapshot), *live_args(served)], env=TOKEN_ENV
    )
    assert result.exit_code == 0, result.output
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    assert document["schema_version"] == 1 and document["errors"] == []
    scanned = CliRunner().invoke(cli, ["scan", "--inventory", str(snapshot), "--format", "json"])
    assert scanned.exit_code == 0, scanned.output
    assert triples(json.loads(scanned.output)) == triples(offline_report())


def test_a_hidden_resource_type_is_unknown_and_reported(served: FakeArm) -> None:
    served.fault(r"/providers/Microsoft\.Network/privateEndpoints$", 403)
    args = ["scan", "--subscription", SUB, "--format", "json", *live_args(served)]
    result = CliRunner().invoke(cli, [*args, "--fail-on", "medium", "--fail-on-unknown"], env=TOKEN_ENV)
    # Read errors hid what rules needed: incomplete, whatever --fail-on says.
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    [error] = report["collection_errors"]
    assert (error["status"], error["resource_types"]) == (403, ["Microsoft.Network/privateEndpoints"])
    # The endpoints the targets name are still read by id, but one the list alone would show
    # could be dangling: WS-005 cannot pass.
    ws005 = next(r for r in report["results"] if r["rule_id"] == "AML-WS-005")
    assert ws005["status"] == "unknown" and "AuthorizationFailed" in ws005["message"]
    assert "collected 55 resources, 1 read error (1 type)" in result.stderr
    # --allow-partial judges on what was read: unknown counts only when asked.
    partial = [*args, "--allow-partial"]
    assert CliRunner().invoke(cli, [*partial, "--fail-on", "medium", "--fail-on-unknown"], env=TOKEN_ENV).exit_code == 1
    assert CliRunner().invoke(cli, partial, env=TOKEN_ENV).exit_code == 0


def test_live_scan_in_a_real_process(served: FakeArm, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "auditor", "scan", "--subscription", SUB, *live_args(served)]
    command += ["--format", "json,sarif", "--output-dir", str(out)]
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **TOKEN_ENV}, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert triples(json.loads((out / "amlaudit.json").read_text(encoding="utf-8"))) == triples(offline_report())
    assert (out / "amlaudit.sarif").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ["scan"],
        ["scan", "--inventory", str(SAMPLE), "--subscription", SUB],
        ["scan", "--workspace", "mlw-prod"],  # a name needs a subscription to be found in
        ["scan", "--resource-graph"],
        ["scan", "--inventory", str(SAMPLE), "--resource-graph"],
        ["collect", "--output", "x.json"],
    ],
)
def test_scope_mistakes_are_usage_errors(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, env=TOKEN_ENV)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_live_scope_with_a_plan_judges_the_planned_state(served: FakeArm) -> None:
    plan = ROOT / "fixtures" / "plans" / "whatif-delete-blob-pe.json"
    args = ["scan", "--subscription", SUB, "--plan", str(plan), "--format", "json", *live_args(served)]
    result = CliRunner().invoke(cli, args, env=TOKEN_ENV)
    assert result.exit_code == 1, result.output  # the change breaks AML-ST-002 (high)
    report = json.loads(result.stdout)
    offline = CliRunner().invoke(cli, ["scan", "--inventory", str(SAMPLE), "--plan", str(plan), "--format", "json"])
    assert triples(report) == triples(json.loads(offline.stdout))
    assert report["inputs"] == [f"azure:subscription={SUB}", f"planned: {plan} (ARM what-if)"]
    assert {r.method for r in served.requests} == {"GET"}
