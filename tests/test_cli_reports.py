"""Waivers, baselines, merge and multi-format output through the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = str(ROOT / "fixtures" / "sample-tenant")
CASES = ROOT / "fixtures" / "cases"
EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), env={**EPOCH, **(env or {})})


def json_scan(*args: str) -> dict[str, Any]:
    result = invoke("scan", "--format", "json", "--fail-on", "never", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def waiver_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(body, encoding="utf-8")
    return path


WS004 = """waivers:
  - rule: AML-WS-004
    resource: "*/workspaces/MLW-PROD"
    justification: migration planned
    expires: {expires}
"""


def test_an_active_waiver_turns_the_failure_waived_and_passes_the_gate(tmp_path: Path) -> None:
    waivers = waiver_file(tmp_path, WS004.format(expires="2026-06-30"))
    assert invoke("scan", "--inventory", SAMPLE, "--fail-on", "low").exit_code == 1
    result = invoke(
        "scan", "--inventory", SAMPLE, "--fail-on", "low", "--waivers", str(waivers), "--as-of", "2026-06-30"
    )
    assert result.exit_code == 0, result.output
    report = json_scan("--inventory", SAMPLE, "--waivers", str(waivers), "--as-of", "2026-06-30")
    [waived] = [r for r in report["results"] if r["status"] == "waived"]
    assert waived["rule_id"] == "AML-WS-004" and waived["waiver"]["expires"] == "2026-06-30"
    assert [w["index"] for w in report["waivers"]["applied"]] == [0]


def test_an_expired_waiver_no_longer_applies(tmp_path: Path) -> None:
    waivers = waiver_file(tmp_path, WS004.format(expires="2026-06-30"))
    report = json_scan("--inventory", SAMPLE, "--waivers", str(waivers), "--as-of", "2026-07-01")
    assert not [r for r in report["results"] if r["status"] == "waived"]
    assert [w["rule"] for w in report["waivers"]["expired"]] == ["AML-WS-004"]
    result = invoke(
        "scan", "--inventory", SAMPLE, "--fail-on", "low", "--waivers", str(waivers), "--as-of", "2026-07-01"
    )
    assert result.exit_code == 1


def test_the_default_waiver_file_is_read_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".amlaudit-waivers.yaml").write_text(WS004.format(expires="2099-01-01"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = json_scan("--inventory", SAMPLE)
    assert report["summary"]["by_status"]["waived"] == 1


@pytest.mark.parametrize(
    "body",
    [
        "waivers: [",  # not YAML
        "waivers:\n  - rule: AML-WS-04*\n    resource: x\n    justification: j\n    expires: 2026-01-01\n",  # typo
        "waivers:\n  - rule: AML-WS-004\n    resource: x\n    expires: 2026-01-01\n",  # no justification
        "waivers:\n  - rule: AML-WS-004\n    resource: 're:('\n    justification: j\n    expires: 2026-01-01\n",
    ],
)
def test_a_malformed_waiver_file_is_one_line_exit_2(tmp_path: Path, body: str) -> None:
    waivers = waiver_file(tmp_path, body)
    out = tmp_path / "report.json"
    result = invoke("scan", "--inventory", SAMPLE, "--waivers", str(waivers), "--format", "json", "--output", str(out))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "waivers.yaml" in result.output
    assert not out.exists()


def test_with_a_baseline_only_new_failures_fail(tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(json_scan("--inventory", str(CASES / "kv-bypass-none.json"))), encoding="utf-8")
    worse = str(CASES / "kv-bypass-none.json")
    assert invoke("scan", "--inventory", worse, "--fail-on", "medium").exit_code == 1
    result = invoke("scan", "--inventory", worse, "--fail-on", "medium", "--baseline", str(previous))
    assert result.exit_code == 0, result.output  # the KV-003 failure is unchanged
    report = json_scan("--inventory", str(CASES / "storage-untrusted.json"), "--baseline", str(previous))
    marks = {r["rule_id"]: r.get("baseline") for r in report["results"] if r["status"] == "fail"}
    assert marks["AML-ST-004"] == "new" and marks["AML-WS-004"] == "unchanged"
    assert [f["rule_id"] for f in report["fixed"]] == ["AML-KV-003"]


def test_a_baseline_that_is_not_a_report_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "previous.json"
    bad.write_text('{"results": 3}', encoding="utf-8")
    result = invoke("scan", "--inventory", SAMPLE, "--baseline", str(bad))
    assert result.exit_code == 2 and "previous.json" in result.output


def test_merge_of_shards_equals_one_scan(tmp_path: Path) -> None:
    shard_a, shard_b, both = (tmp_path / name for name in ("a.json", "b.json", "both.json"))
    shard_a.write_text(json.dumps(json_scan("--inventory", SAMPLE)), encoding="utf-8")
    shard_b.write_text(
        json.dumps(json_scan("--inventory", str(CASES / "hub-and-project.json"), "--workspace", "proj-vision")),
        encoding="utf-8",
    )
    result = invoke(
        "merge",
        str(shard_a),
        str(shard_b),
        "--format",
        "json,sarif,junit,markdown,html",
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 0, result.output
    merged = json.loads((tmp_path / "out" / "amlaudit.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "amlaudit.html",
        "amlaudit.json",
        "amlaudit.junit.xml",
        "amlaudit.md",
        "amlaudit.sarif",
    ]
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (shard_a, shard_b))
    fingerprints = {r["fingerprint"] for r in a["results"]} | {r["fingerprint"] for r in b["results"]}
    assert {r["fingerprint"] for r in merged["results"]} == fingerprints
    assert merged["summary"]["total"] == len(fingerprints)
    assert len(merged["workspaces"]) == len({w["id"].lower() for w in a["workspaces"] + b["workspaces"]})
    both.write_text(json.dumps(merged), encoding="utf-8")
    assert invoke("merge", str(both), str(shard_a), "--fail-on", "low").exit_code == 1


def test_merge_refuses_one_result_with_two_statuses(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps(json_scan("--inventory", SAMPLE)), encoding="utf-8")
    second.write_text(json.dumps(json_scan("--inventory", str(CASES / "kv-bypass-none.json"))), encoding="utf-8")
    result = invoke("merge", str(first), str(second))
    assert result.exit_code == 2
    assert "first.json" in result.output and "second.json" in result.output


def test_sarif_include_passing_adds_pass_results(tmp_path: Path) -> None:
    out = tmp_path / "a.sarif"
    assert invoke("scan", "--inventory", SAMPLE, "--format", "sarif", "--output", str(out)).exit_code == 0
    plain = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    result = invoke("scan", "--inventory", SAMPLE, "--format", "sarif", "--output", str(out), "--sarif-include-passing")
    assert result.exit_code == 0
    full = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert {r["kind"] for r in plain} <= {"fail", "open"}
    assert {"pass", "notApplicable"} <= {r["kind"] for r in full}


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "--inventory", SAMPLE, "--as-of", "2026-13-01"],
        ["scan", "--inventory", SAMPLE, "--format", "xml"],
        ["scan", "--inventory", SAMPLE, "--bogus"],
        ["scan", "--inventory", SAMPLE, "--format", "json,sarif"],  # several formats need --output-dir
    ],
)
def test_usage_errors_are_one_line_in_a_real_process(args: list[str]) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("amlaudit: error: ") and "Traceback" not in line
