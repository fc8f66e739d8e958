"""The console report: posture table, findings by severity with their fix, counts; plain when not a TTY."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from test_jsonreport import GENERATED_AT, ST_ID, WS_ID, result_of, scan_of, workspace_of

from auditor.model import Result, Severity, Status
from auditor.reporters.console import TEXT_WIDTH, render_console, render_text
from auditor.reporters.jsonreport import build_report

WS2_ID = WS_ID.replace("ws-one", "ws-two")


def report_of(results: list[Result], workspaces: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return build_report(scan_of(results, workspaces, **extra), ["inv.json"], GENERATED_AT)


def rendered(report: dict[str, Any]) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    render_console(report, console)
    return console.export_text()


def test_posture_table_fills_in_every_row_of_the_comparison_table() -> None:
    posture = {
        "workspace": "private",
        "storage": "private-endpoint+service-endpoint",
        "key_vault": "firewall-only",
        "container_registry": "absent",
        "training_compute": "mixed",
        "inference_compute": "private-ip",
    }
    workspace = workspace_of(scenario="private-workspace", isolation_mode="AllowOnlyApprovedOutbound", posture=posture)

    text = rendered(report_of([], [workspace]))

    expected = {
        "Scenario": "private-workspace",
        "Isolation mode": "AllowOnlyApprovedOutbound",
        "Workspace": "private",
        "Storage": "private-endpoint+service-endpoint",
        "Key vault": "firewall-only",
        "Container registry": "absent",
        "Training compute": "mixed",
        "Inference compute": "private-ip",
    }
    assert "Scenario: Secure resources in a virtual network" in text
    for label, value in expected.items():
        row = next(line for line in text.splitlines() if f"│ {label} " in line)
        assert row.split("│")[2].strip() == value, row


def test_an_unreferenced_registry_reads_as_such() -> None:
    text = rendered(report_of([]))

    row = next(line for line in text.splitlines() if "Container registry" in line)
    assert "not referenced" in row


def test_failing_and_unknown_results_are_grouped_most_severe_first_with_their_fix() -> None:
    results = [
        result_of(Status.FAIL, Severity.LOW, rule_id="AML-WS-004"),
        result_of(Status.UNKNOWN, Severity.HIGH, rule_id="AML-ST-001", resource_id=ST_ID),
        result_of(Status.FAIL, Severity.HIGH, rule_id="AML-ST-002", resource_id=ST_ID),
        result_of(Status.FAIL, Severity.CRITICAL, rule_id="AML-WS-003"),
    ]

    text = rendered(report_of(results))

    positions = [text.index(marker) for marker in ("CRITICAL (1)", "AML-WS-003", "HIGH (2)", "LOW (1)", "AML-WS-004")]
    assert positions == sorted(positions)
    # Within a severity, failures come before unknowns.
    assert text.index("AML-ST-002") < text.index("AML-ST-001") < text.index("LOW (1)")
    assert "MEDIUM" not in text
    assert "resource: stone" in text
    assert "fix: Fix AML-ST-002: az ml workspace update" in text
    assert "AML-ST-001 says unknown about stone." in text


def test_passing_and_not_applicable_results_are_only_counted() -> None:
    results = [
        result_of(Status.PASS, rule_id="AML-WS-001"),
        result_of(Status.NOT_APPLICABLE, rule_id="AML-WS-002"),
    ]

    text = rendered(report_of(results))

    assert "AML-WS-001" not in text and "AML-WS-002" not in text
    assert "No failing or unknown results." in text
    assert "Results: 0 fail, 0 unknown, 0 waived, 1 pass, 1 not_applicable" in text


def test_counts_by_status_and_failing_by_severity() -> None:
    results = [
        result_of(Status.FAIL, Severity.CRITICAL, rule_id="AML-WS-003"),
        result_of(Status.FAIL, Severity.MEDIUM, rule_id="AML-WS-005"),
        result_of(Status.UNKNOWN, Severity.MEDIUM, rule_id="AML-ST-004", resource_id=ST_ID),
    ]

    text = rendered(report_of(results))

    assert "Results: 2 fail, 1 unknown, 0 waived, 0 pass, 0 not_applicable" in text
    assert "Failing by severity: 1 critical, 0 high, 1 medium, 0 low, 0 info" in text
    assert "3 results over 1 workspace: 2 fail, 1 unknown" in text


def test_waived_results_are_listed_briefly_with_their_justification() -> None:
    waiver = {"justification": "public access is intended", "expires": "2027-01-01"}
    results = [result_of(Status.WAIVED, Severity.MEDIUM, rule_id="AML-WS-002", waiver=waiver)]

    text = rendered(report_of(results))

    assert "WAIVED (1)" in text
    line = next(line for line in text.splitlines() if "AML-WS-002" in line)
    assert "ws-one: public access is intended (expires 2027-01-01)" in line
    assert "fix:" not in text


def test_each_workspace_gets_its_own_table_and_findings() -> None:
    results = [
        result_of(Status.FAIL, rule_id="AML-WS-001"),
        result_of(Status.FAIL, rule_id="AML-KV-001", workspace_id=WS2_ID, resource_id=WS2_ID),
    ]

    text = rendered(report_of(results, [workspace_of(), workspace_of(WS2_ID)]))

    one, two = text.index("Workspace ws-one"), text.index("Workspace ws-two")
    assert one < text.index("AML-WS-001") < two < text.index("AML-KV-001")
    assert text.count("Network isolation") == 2
    assert "2 results over 2 workspaces" in text


def test_a_project_names_its_hub() -> None:
    hub = f"{WS_ID.rsplit('/', 1)[0]}/hub-one"

    text = rendered(report_of([], [workspace_of(kind="Project", hub_id=hub)]))

    assert "project of hub hub-one" in text


def test_no_workspace_says_so() -> None:
    text = rendered(report_of([], []))

    assert "No Azure Machine Learning workspace in the inventory." in text
    assert "0 results over 0 workspaces" in text


def test_collection_errors_are_shown() -> None:
    errors = [{"scope": "/subscriptions/x", "type": "Microsoft.Network/privateEndpoints", "error": "403 Forbidden"}]

    text = rendered(report_of([], collection_errors=errors))

    assert "Collection errors (1)" in text
    assert "403 Forbidden" in text


def test_messages_are_printed_literally_not_as_markup() -> None:
    results = [result_of(message="Subnet [bold]x[/bold] and [red] stay as written.")]

    assert "Subnet [bold]x[/bold] and [red] stay as written." in rendered(report_of(results))


def test_plain_text_has_no_escape_codes_even_when_colour_is_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "40")
    results = [result_of(Status.FAIL, Severity.CRITICAL, rule_id="AML-WS-003", message="x " * 200)]

    text = render_text(report_of(results))

    assert "\x1b" not in text
    lines = text.splitlines()
    # Only a single word longer than the line (an ARM id) may overflow it, whole.
    assert all(len(line) <= TEXT_WIDTH or len(line.split()) <= 3 for line in lines)
    assert any(len(line) > 80 for line in lines)  # the width is not COLUMNS=40
    assert all(line == line.rstrip() for line in lines)
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_a_terminal_gets_colour() -> None:
    buffer = io.StringIO()
    console = Console(width=120, force_terminal=True, color_system="standard", file=buffer)
    render_console(report_of([result_of()]), console)

    assert "\x1b[" in buffer.getvalue()


def test_a_command_in_a_fix_is_never_broken_across_lines() -> None:
    # Broken at its spaces, a command would paste into a shell as several lines.
    command = "`az network firewall policy rule-collection-group collection add-filter-collection --name allow-ml`"
    result = result_of(Status.FAIL, Severity.HIGH, remediation=f"Allow the flow on the firewall: {command} for each.")
    console = Console(width=80, record=True, file=io.StringIO())
    render_console(report_of([result]), console)

    assert command in console.export_text()
