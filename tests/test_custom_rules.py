"""Custom rules that break: a rule that raises is `unknown` with one warning per rule; a rules file
that calls `sys.exit` never ends a scan silently. Through the CLI, in real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rule_files import write_rule_file

ROOT = Path(__file__).resolve().parent.parent
WS_TYPE = "Microsoft.MachineLearningServices/workspaces"


def two_workspaces(folder: Path) -> Path:
    ids = [f"/subscriptions/0000/resourceGroups/rg/providers/{WS_TYPE}/ws-{n}" for n in ("a", "b")]
    resources = [
        {"id": i, "name": i.rsplit("/", 1)[1], "type": WS_TYPE, "location": "westeurope", "properties": {}} for i in ids
    ]
    path = folder / "tenant.json"
    path.write_text(json.dumps({"resources": resources}), encoding="utf-8")
    return path


def scan(tenant: Path, rules: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "auditor", "scan", "--inventory", tenant, "--rules-dir", rules, *args]
    return subprocess.run(list(map(str, command)), cwd=ROOT, capture_output=True, text=True, timeout=120)


def results_of(report: Path, rule_id: str) -> list[dict[str, object]]:
    return [r for r in json.loads(report.read_text(encoding="utf-8"))["results"] if r["rule_id"] == rule_id]


def test_a_rule_that_raises_is_unknown_with_one_warning_per_rule(tmp_path: Path) -> None:
    rules = write_rule_file(tmp_path / "rules", "ORG-BROKEN", 'raise ValueError("bad value\\nsecond line")')
    write_rule_file(rules, "ORG-ZERO", "yield from ()\n1 / 0")
    report = tmp_path / "report.json"

    done = scan(two_workspaces(tmp_path), rules, "--format", "json", "--output", report, "--fail-on", "never")

    assert done.returncode == 0
    assert [r["status"] for r in results_of(report, "ORG-BROKEN")] == ["unknown", "unknown"]
    assert [r["status"] for r in results_of(report, "ORG-ZERO")] == ["unknown", "unknown"]
    warnings = done.stderr.splitlines()
    assert len(warnings) == 2, done.stderr
    assert warnings[0].startswith("amlaudit: warning: rule ORG-BROKEN raised ValueError: bad value ")
    assert warnings[1].startswith("amlaudit: warning: rule ORG-ZERO raised ZeroDivisionError: division by zero ")
    assert "second line" not in done.stderr


def test_a_check_that_calls_sys_exit_is_unknown_with_a_warning(tmp_path: Path) -> None:
    rules = write_rule_file(tmp_path / "rules", "ORG-EXIT", "sys.exit(0)", prelude="import sys")
    report = tmp_path / "report.json"

    done = scan(two_workspaces(tmp_path), rules, "--format", "json", "--output", report, "--fail-on", "never")

    assert done.returncode == 0
    assert [r["status"] for r in results_of(report, "ORG-EXIT")] == ["unknown", "unknown"]
    assert done.stderr.startswith("amlaudit: warning: rule ORG-EXIT raised SystemExit: the code called sys.exit(0)")
    assert len(done.stderr.splitlines()) == 1


def test_a_rules_file_that_calls_sys_exit_when_loaded_is_an_input_error(tmp_path: Path) -> None:
    rules = write_rule_file(tmp_path / "rules", "ORG-QUIT", "yield from ()", prelude="import sys\nsys.exit(0)")
    report = tmp_path / "report.json"

    done = scan(two_workspaces(tmp_path), rules, "--format", "json", "--output", report)

    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("amlaudit: error: ")
    assert "org_quit.py: cannot load rule module: SystemExit: the code called sys.exit(0)" in done.stderr
    assert not report.exists()


def test_a_rule_that_works_warns_nothing(tmp_path: Path) -> None:
    rules = write_rule_file(
        tmp_path / "rules",
        "ORG-FINE",
        'yield Finding(FAIL, ctx.id, "No.")',
        prelude="from auditor.rulekit import Finding",
    )

    done = scan(two_workspaces(tmp_path), rules, "--format", "json", "--fail-on", "never")

    assert (done.returncode, done.stderr) == (0, "")
