"""The `amlaudit` command line: exit codes, one-line input errors, atomic output, `rules`.

Exit-code tests replace the engine with hand-made results (`fake_scan`), so that they hold whatever
the rules decide; the end-to-end tests run the real engine on a small public tenant.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from test_jsonreport import ST_ID, WS_ID, result_of, scan_of

from auditor import __version__
from auditor.cli import cli, scan_command
from auditor.engine import load_rules
from auditor.model import Severity, Status
from auditor.output import write_atomic

ROOT = Path(__file__).resolve().parent.parent
KV_ID = WS_ID.replace("Microsoft.MachineLearningServices/workspaces/ws-one", "Microsoft.KeyVault/vaults/kv-one")
PUBLIC = {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow"}}

# A workspace with its storage and vault all open to the internet: AML-WS-001 (high) fails and
# nothing critical does, whatever else the rules say.
PUBLIC_TENANT: dict[str, Any] = {
    "cloud": "AzureCloud",
    "resources": [
        {
            "id": WS_ID,
            "name": "ws-one",
            "type": "Microsoft.MachineLearningServices/workspaces",
            "location": "westeurope",
            "kind": "Default",
            "properties": {"storageAccount": ST_ID, "keyVault": KV_ID, "publicNetworkAccess": "Enabled"},
        },
        {
            "id": ST_ID,
            "name": "stone",
            "type": "Microsoft.Storage/storageAccounts",
            "location": "westeurope",
            "properties": PUBLIC,
        },
        {
            "id": KV_ID,
            "name": "kv-one",
            "type": "Microsoft.KeyVault/vaults",
            "location": "westeurope",
            "properties": PUBLIC,
        },
    ],
}
EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}


@pytest.fixture
def tenant(tmp_path: Path) -> Path:
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(PUBLIC_TENANT), encoding="utf-8")
    return path


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args], env=env, prog_name="amlaudit")


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("amlaudit: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output
    assert result.stdout == ""


@pytest.fixture
def fake_scan(monkeypatch: pytest.MonkeyPatch) -> Callable[[Sequence[tuple[Status, Severity]]], None]:
    """Make the engine return one result per (status, severity) given."""

    def install(outcomes: Sequence[tuple[Status, Severity]]) -> None:
        results = [
            result_of(status, severity, rule_id=f"AML-WS-{index:03d}")
            for index, (status, severity) in enumerate(outcomes)
        ]
        monkeypatch.setattr(scan_command, "load_rules", lambda _dirs: [])
        monkeypatch.setattr(scan_command, "scan_inventory", lambda *_args, **_kwargs: scan_of(results))

    return install


# --- exit codes -------------------------------------------------------------------------------

FAIL, UNKNOWN, WAIVED, PASS = Status.FAIL, Status.UNKNOWN, Status.WAIVED, Status.PASS
CRITICAL, HIGH, MEDIUM, LOW, INFO = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


@pytest.mark.parametrize(
    ("outcomes", "options", "expected"),
    [
        ([], [], 0),
        ([(PASS, CRITICAL)], [], 0),
        ([(FAIL, HIGH)], [], 1),
        ([(FAIL, CRITICAL)], [], 1),
        ([(FAIL, MEDIUM)], [], 0),
        ([(FAIL, MEDIUM)], ["--fail-on", "medium"], 1),
        ([(FAIL, MEDIUM)], ["--fail-on", "MEDIUM"], 1),
        ([(FAIL, HIGH)], ["--fail-on", "critical"], 0),
        ([(FAIL, INFO)], ["--fail-on", "info"], 1),
        ([(FAIL, LOW), (FAIL, INFO)], ["--fail-on", "low"], 1),
        ([(FAIL, CRITICAL)], ["--fail-on", "never"], 0),
        ([(UNKNOWN, CRITICAL)], [], 0),
        ([(UNKNOWN, CRITICAL)], ["--fail-on-unknown"], 1),
        ([(UNKNOWN, HIGH)], ["--fail-on-unknown"], 1),
        ([(UNKNOWN, MEDIUM)], ["--fail-on-unknown"], 0),
        ([(UNKNOWN, CRITICAL)], ["--fail-on-unknown", "--fail-on", "never"], 0),
        ([(WAIVED, CRITICAL)], ["--fail-on", "info", "--fail-on-unknown"], 0),
    ],
)
def test_exit_code_follows_fail_on(
    fake_scan: Callable[[Sequence[tuple[Status, Severity]]], None],
    tenant: Path,
    outcomes: list[tuple[Status, Severity]],
    options: list[str],
    expected: int,
) -> None:
    fake_scan(outcomes)

    result = run("scan", "--inventory", tenant, *options)

    assert result.exit_code == expected, result.output


def test_the_exit_code_does_not_depend_on_the_format(
    fake_scan: Callable[[Sequence[tuple[Status, Severity]]], None], tenant: Path
) -> None:
    fake_scan([(FAIL, HIGH)])

    assert run("scan", "--inventory", tenant, "--format", "json").exit_code == 1


def test_a_failing_public_tenant_exits_1_and_0_above_its_worst_failure(tenant: Path) -> None:
    assert run("scan", "--inventory", tenant).exit_code == 1
    assert run("scan", "--inventory", tenant, "--fail-on", "critical").exit_code == 0


# --- input errors -----------------------------------------------------------------------------

BAD_INVENTORIES: dict[str, bytes] = {
    "malformed JSON": b'{"resources": [}',
    "truncated JSON": json.dumps(PUBLIC_TENANT).encode()[:200],
    "JSON scalar": b"42",
    "unknown shape": b'{"things": []}',
    "empty inventory": b'{"resources": []}',
    "empty file": b"",
    "bad encoding": '[{"id": "/caf\u00e9", "type": "x"}]'.encode("latin-1"),
    "deep nesting": b"[" * 10_000 + b"]" * 10_000,
    "malformed resource": b'[{"id": 5, "type": "Microsoft.Storage/storageAccounts"}]',
    "resource not an object": b'["/subscriptions/x"]',
}


@pytest.mark.parametrize("content", BAD_INVENTORIES.values(), ids=BAD_INVENTORIES.keys())
def test_bad_inventory_is_one_line_naming_the_file(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)

    assert_one_line_error(run("scan", "--inventory", bad), str(bad))


def test_a_missing_path_is_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"

    assert_one_line_error(run("scan", "--inventory", missing), str(missing))


def test_one_bad_file_among_good_ones_fails_the_scan(tenant: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")

    assert_one_line_error(run("scan", "--inventory", tenant, "--inventory", bad), str(bad))


def test_a_workspace_filter_matching_nothing_is_an_input_error(tenant: Path) -> None:
    assert_one_line_error(run("scan", "--inventory", tenant, "--workspace", "ws-absent"), "ws-absent")


def test_a_workspace_filter_matches_name_or_id_case_insensitively(tenant: Path) -> None:
    by_name = run("scan", "--inventory", tenant, "--workspace", "WS-ONE", "--format", "json")
    by_id = run("scan", "--inventory", tenant, "--workspace", WS_ID.upper(), "--format", "json")

    assert [w["name"] for w in json.loads(by_name.stdout)["workspaces"]] == ["ws-one"]
    assert [w["name"] for w in json.loads(by_id.stdout)["workspaces"]] == ["ws-one"]


def test_a_missing_rules_dir_is_an_input_error(tenant: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-rules"

    assert_one_line_error(run("scan", "--inventory", tenant, "--rules-dir", missing), str(missing))


def test_a_bad_source_date_epoch_is_an_input_error(tenant: Path) -> None:
    result = run("scan", "--inventory", tenant, env={"SOURCE_DATE_EPOCH": "soon"})

    assert_one_line_error(result, "SOURCE_DATE_EPOCH")


def test_an_unexpected_failure_while_loading_is_one_line(tenant: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(_paths: Sequence[str]) -> None:
        raise KeyError("surprise\nsecond line")

    monkeypatch.setattr(scan_command, "load_inventory", explode)

    assert_one_line_error(run("scan", "--inventory", tenant), str(tenant), "KeyError")


@pytest.mark.parametrize(
    "args",
    [
        ["scan"],
        ["scan", "--inventory", "x", "--fail-on", "severe"],
        ["scan", "--inventory", "x", "--format", "yaml"],
        ["scan", "--inventory", "x", "--format", "json,console"],
        ["scan", "--inventory", "x", "--output", "a", "--output-dir", "b"],
        ["nosuchcommand"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)

    assert result.exit_code == 2
    assert "Traceback" not in result.output


# --- output files -----------------------------------------------------------------------------


def test_output_is_not_written_when_input_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()

    result = run("scan", "--inventory", bad, "--format", "json", "--output", out / "report.json")

    assert result.exit_code == 2
    assert list(out.iterdir()) == []


def test_output_dir_is_not_created_when_input_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[", encoding="utf-8")

    result = run("scan", "--inventory", bad, "--format", "json,console", "--output-dir", tmp_path / "out")

    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_output_replaces_an_existing_report_and_prints_nothing(tenant: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("old", encoding="utf-8")

    result = run("scan", "--inventory", tenant, "--format", "json", "--output", out)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["workspaces"][0]["name"] == "ws-one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "tenant.json"]


def test_console_output_to_a_file_is_plain_text(tenant: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"

    run("scan", "--inventory", tenant, "--output", out, env={"FORCE_COLOR": "1"})

    text = out.read_text(encoding="utf-8")
    assert "\x1b" not in text
    assert "AML-WS-001" in text


def test_console_on_a_pipe_is_the_same_text_as_the_output_file(tenant: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"

    piped = run("scan", "--inventory", tenant, env=EPOCH).stdout
    run("scan", "--inventory", tenant, "--output", out, env=EPOCH)

    assert piped == out.read_text(encoding="utf-8")


def test_output_dir_writes_every_format_to_its_file(tenant: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "nested"

    result = run("scan", "--inventory", tenant, "--format", "console,json", "--output-dir", out)

    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["amlaudit.json", "amlaudit.txt"]
    assert json.loads((out / "amlaudit.json").read_text(encoding="utf-8"))["schema_version"] == 1


def test_an_unwritable_output_is_one_line_and_leaves_nothing(tenant: Path, tmp_path: Path) -> None:
    out = tmp_path / "no-such-dir" / "report.json"

    result = run("scan", "--inventory", tenant, "--format", "json", "--output", out)

    assert_one_line_error(result, str(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tenant.json"]


def test_write_atomic_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    write_atomic(target, "new «report»\n")

    assert target.read_bytes() == "new «report»\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_atomic_keeps_the_old_file_and_no_temp_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    def no_space(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "new")

    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_write_atomic_honours_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "report.json", "{}")
    finally:
        os.umask(old)

    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o640


# --- JSON report through the CLI --------------------------------------------------------------


def test_json_report_shape(tenant: Path) -> None:
    result = run("scan", "--inventory", tenant, "--format", "json", env=EPOCH)

    report = json.loads(result.stdout)
    assert report["generated_at"] == "2026-01-01T00:00:00Z"
    assert report["inputs"] == [str(tenant)]
    (workspace,) = report["workspaces"]
    assert workspace["id"] == WS_ID
    assert workspace["scenario"] == "no-vnet"
    assert set(workspace["posture"]) >= {
        "workspace",
        "storage",
        "key_vault",
        "container_registry",
        "training_compute",
        "inference_compute",
    }
    assert report["summary"]["total"] == len(report["results"]) > 0
    failed = {r["rule_id"] for r in report["results"] if r["status"] == "fail"}
    assert "AML-WS-001" in failed


def test_json_report_is_byte_identical_across_runs_with_a_fixed_time(tenant: Path) -> None:
    first = run("scan", "--inventory", tenant, "--format", "json", env=EPOCH).stdout
    second = run("scan", "--inventory", tenant, "--format", "json", env=EPOCH).stdout

    assert first == second


def test_json_reports_differ_only_in_generated_at(tenant: Path) -> None:
    first = json.loads(run("scan", "--inventory", tenant, "--format", "json", env=EPOCH).stdout)
    later = json.loads(
        run("scan", "--inventory", tenant, "--format", "json", env={"SOURCE_DATE_EPOCH": "1767312000"}).stdout
    )

    assert first.pop("generated_at") != later.pop("generated_at")
    assert first == later


# --- rules ------------------------------------------------------------------------------------


def test_rules_list_table_names_every_rule() -> None:
    result = run("rules", "list")

    assert result.exit_code == 0
    for rule in load_rules():
        assert rule.id in result.stdout


def test_rules_list_json_has_all_metadata() -> None:
    result = run("rules", "list", "--format", "json")

    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert listed == [rule.metadata() for rule in load_rules()]


def test_rules_list_markdown_is_one_row_per_rule() -> None:
    result = run("rules", "list", "--format", "markdown")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "| Rule | Severity | Family | Title |"
    assert len(lines) == 2 + len(load_rules())
    assert lines[2].startswith("| [AML-WS-001](https://learn.microsoft.com/")


def test_rules_show_prints_every_field() -> None:
    result = run("rules", "show", "aml-ws-001")

    assert result.exit_code == 0
    (rule,) = [rule for rule in load_rules() if rule.id == "AML-WS-001"]
    for key in rule.metadata():
        assert key in result.stdout
    assert rule.title in result.stdout


def test_rules_show_an_unknown_id_is_one_line() -> None:
    assert_one_line_error(run("rules", "show", "AML-XX-999"), "AML-XX-999")


CUSTOM_RULE = """
from auditor.model import Finding, Rule, Severity, Status


def _check(ctx):
    yield Finding(Status.FAIL, ctx.id, "House policy says no.")


ORG_001 = Rule(
    id="ORG-001",
    title="House rule",
    severity=Severity.CRITICAL,
    family="custom",
    rationale="Because.",
    remediation="Ask the platform team.",
    source="house policy 7",
    help_uri="https://example.org/org-001",
    reads=("Microsoft.MachineLearningServices/workspaces",),
    check=_check,
)
"""


def test_rules_dir_adds_rules_to_listing_and_scan(tenant: Path, tmp_path: Path) -> None:
    custom = tmp_path / "custom-rules"
    custom.mkdir()
    (custom / "house.py").write_text(CUSTOM_RULE, encoding="utf-8")

    shown = run("rules", "show", "ORG-001", "--rules-dir", custom)
    listed = run("rules", "list", "--rules-dir", custom)
    scanned = run("scan", "--inventory", tenant, "--rules-dir", custom, "--fail-on", "critical")

    assert shown.exit_code == 0 and "house policy 7" in shown.stdout
    assert "ORG-001" in listed.stdout
    assert scanned.exit_code == 1
    assert "House policy says no." in scanned.stdout


def test_version() -> None:
    result = run("--version")

    assert result.exit_code == 0
    assert result.stdout == f"amlaudit {__version__}\n"


# --- real processes ---------------------------------------------------------------------------


def python_m_auditor(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_process_reports_bad_json_in_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resources": [', encoding="utf-8")

    done = python_m_auditor("scan", "--inventory", bad)

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"amlaudit: error: {bad}: ")


def test_process_scans_to_json_with_the_documented_exit_code(tenant: Path) -> None:
    done = python_m_auditor("scan", "--inventory", tenant, "--format", "json", env=EPOCH)

    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["generated_at"] == "2026-01-01T00:00:00Z"


def test_process_prints_its_version() -> None:
    done = python_m_auditor("--version")

    assert (done.returncode, done.stdout) == (0, f"amlaudit {__version__}\n")


# --- example reports --------------------------------------------------------------------------


def test_example_reports_current(tmp_path: Path) -> None:
    """reports/ is what scripts/regen_reports.py writes today; run the script after a change."""
    subprocess.run(
        [sys.executable, "scripts/regen_reports.py", "--out", str(tmp_path)],
        cwd=ROOT,
        check=True,
        timeout=120,
    )

    regenerated = sorted(p.name for p in tmp_path.iterdir())
    assert regenerated == sorted(p.name for p in (ROOT / "reports").iterdir())
    for name in regenerated:
        assert (tmp_path / name).read_bytes() == (ROOT / "reports" / name).read_bytes(), name
