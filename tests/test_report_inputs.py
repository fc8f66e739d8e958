"""Reports read back in (`merge`, `--baseline`) must be comparable: refused or warned about when not."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sample_report import DEV_ID, PROD_ID, WORKSPACES, report_of, sample_report

from auditor.baseline import apply_baseline
from auditor.errors import InputError
from auditor.merge import merge_reports

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample-tenant"
SNAPSHOT = ROOT / "fixtures" / "cases" / "no-vnet.json"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


def write(tmp_path: Path, name: str, report: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_merging_reports_of_different_schema_versions_is_refused() -> None:
    newer = sample_report()
    newer["schema_version"] = 2
    with pytest.raises(InputError, match=r"different schema_version \(a.json: 1, b.json: 2\)"):
        merge_reports([("a.json", sample_report()), ("b.json", newer)])


@pytest.mark.parametrize("key", ["title", "remediation"])
def test_merging_reports_whose_rule_metadata_differs_is_refused(key: str) -> None:
    other = sample_report()
    for result in other["results"]:
        if result["rule_id"] == "AML-ST-001":
            result[key] = "Another rule under the same id"
    with pytest.raises(InputError, match=f"rule AML-ST-001 has a different {key} in a.json and b.json"):
        merge_reports([("a.json", sample_report()), ("b.json", other)])


def test_a_severity_that_differs_for_one_fingerprint_is_kept_from_the_first_file_with_a_warning() -> None:
    first = sample_report()
    second = copy.deepcopy(first)
    for result in second["results"]:
        if result["rule_id"] == "AML-ST-001":
            result["severity"] = "low"
    warnings: list[str] = []

    merged = merge_reports([("a.json", first), ("b.json", second)], warn=warnings.append)

    count = sum(1 for result in first["results"] if result["rule_id"] == "AML-ST-001")
    assert warnings == [f"AML-ST-001 is high in a.json but low in b.json ({count} result(s)); kept high"]
    assert merged["warnings"][-1] == warnings[0]
    assert {r["severity"] for r in merged["results"] if r["rule_id"] == "AML-ST-001"} == {"high"}


def test_different_tool_versions_merge_with_a_warning() -> None:
    second = sample_report()
    second["tool"] = {**second["tool"], "version": "9.9.9"}
    warnings: list[str] = []

    merged = merge_reports([("a.json", sample_report()), ("b.json", second)], warn=warnings.append)

    assert warnings == [
        "merged reports of different amlaudit versions (a.json: 0.1.0, b.json: 9.9.9); the merged report says 0.1.0"
    ]
    assert merged["tool"]["version"] == "0.1.0"


def test_merge_cli_refuses_in_one_line_and_warns_on_stderr(tmp_path: Path) -> None:
    newer = sample_report()
    newer["schema_version"] = 2
    done = run("merge", write(tmp_path, "a.json", sample_report()), write(tmp_path, "b.json", newer))
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    # Each file is checked as it is read: the one of another schema version is named.
    expected = "not an amlaudit JSON report of schema_version 1 (schema_version is 2)"
    assert line == f"amlaudit: error: {tmp_path / 'b.json'}: {expected}"

    other = sample_report()
    other["tool"] = {**other["tool"], "version": "9.9.9"}
    done = run("merge", write(tmp_path, "a.json", sample_report()), write(tmp_path, "c.json", other))
    assert done.returncode == 0
    assert "amlaudit: warning: merged reports of different amlaudit versions" in done.stderr


@pytest.mark.parametrize("command", ["baseline", "merge"])
def test_a_snapshot_given_as_a_report_is_named_for_what_it_is(command: str) -> None:
    if command == "baseline":
        done = run("scan", "--inventory", SAMPLE, "--baseline", SNAPSHOT)
    else:
        done = run("merge", SNAPSHOT)
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line == (
        f"amlaudit: error: {SNAPSHOT}: this is a snapshot, not a report: "
        "give the JSON report of a scan (amlaudit scan --format json)"
    )


@pytest.mark.parametrize("shape", ["array", "value", "data"])
def test_every_inventory_shape_is_told_apart_from_a_report(tmp_path: Path, shape: str) -> None:
    resources = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["resources"]
    document: Any = resources if shape == "array" else {shape: resources}
    done = run("merge", write(tmp_path, "inventory.json", document))
    assert done.returncode == 2
    assert "this is a snapshot, not a report" in done.stderr


def test_a_baseline_of_another_scope_is_applied_with_a_warning() -> None:
    now = sample_report()
    elsewhere = report_of([], [{**copy.deepcopy(WORKSPACES[0]), "id": PROD_ID.replace("rg-ML", "rg-other")}])

    out = apply_baseline(now, elsewhere)

    assert out["warnings"][-1] == (
        "the baseline report has none of the 2 workspace(s) scanned (its 1 are of another tenant or scope?): "
        "every failure counts as new"
    )


def test_a_baseline_sharing_a_workspace_adds_no_warning() -> None:
    now = sample_report()
    shard = report_of([], [copy.deepcopy(w) for w in WORKSPACES if w["id"] == DEV_ID])
    assert apply_baseline(now, shard)["warnings"] == now["warnings"]


def test_scan_cli_warns_about_a_baseline_of_another_scope(tmp_path: Path) -> None:
    baseline = write(tmp_path, "baseline.json", sample_report())  # workspaces of another subscription
    done = run("scan", "--inventory", SAMPLE, "--baseline", baseline, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "amlaudit: warning: the baseline report has none of the 1 workspace(s) scanned" in done.stderr
    assert json.loads(done.stdout)["warnings"][-1].startswith("the baseline report has none")
