"""Markdown for PR comments and job summaries: posture, findings by severity, counts, folding, size."""

from __future__ import annotations

import re
from typing import Any

from sample_report import DEV_ID, PROD_ID, RULES, report_of, result_of, sample_report, scanned_report

from auditor.model import Status
from auditor.reporters.markdown import COLLAPSE_AFTER, render_markdown
from auditor.reporters.views import STATUS_LABELS

GITHUB_COMMENT_LIMIT = 60_000


def rendered(report: dict[str, Any]) -> str:
    return render_markdown(report, RULES)


def section(text: str, heading: str) -> str:
    """The text under `heading` up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = text.index(heading + "\n")
    following = re.search(rf"^#{{1,{len(level)}}} ", text[start + len(heading) :], re.MULTILINE)
    return text[start : start + len(heading) + following.start()] if following else text[start:]


def test_title_verdict_and_scan_information() -> None:
    text = rendered(sample_report())

    assert text.startswith("# amlaudit report\n")
    assert "**10 fail, 10 unknown, 10 waived, 10 pass, 10 not applicable (50 results)**" in text
    assert "generated 2026-11-28T12:00:00Z" in text
    assert "`fixtures/sample-tenant`" in text


def test_posture_table_has_a_filled_row_per_workspace() -> None:
    posture = section(rendered(sample_report()), "## Posture")

    lines = [line for line in posture.splitlines() if line.startswith("|")]
    assert lines[0] == (
        "| Name | Scenario | Isolation mode | Workspace access | Storage | Key vault | Container registry "
        "| Training compute | Inference compute | Findings |"
    )
    prod, dev = lines[2:]
    assert prod.startswith("| **mlw-prod** (westeurope) | private-workspace | Disabled | private | private-endpoint")
    assert dev.startswith("| **mlw-dev** (westeurope) | no-vnet | Disabled | public | public | unknown | — |")
    assert prod.endswith("| 5 fail · 5 unknown · 5 waived |")


def test_failing_and_unknown_results_by_severity_with_fix() -> None:
    text = rendered(sample_report())

    failing = section(text, "## Failing (10)")
    headings = re.findall(r"^### (\w+) \((\d+)\)$", failing, re.MULTILINE)
    assert headings == [("Critical", "2"), ("High", "2"), ("Medium", "2"), ("Low", "2"), ("Info", "2")]
    assert "| Rule | Workspace | Resource | Message | Evidence | Fix |" in failing
    row = next(line for line in failing.splitlines() if "`stmlwprodfail`" in line and "AML-WS-003" in line)
    assert "[`AML-WS-003`][AML-WS-003]" in row
    assert "\n[AML-WS-003]: https://learn.microsoft.com/" in text
    assert "| mlw-prod |" in row
    assert "Fix AML-WS-003: `az resource update --ids <id>`." in row
    assert "stmlwprodpass" not in text
    unknown = section(text, "## Unknown (10)")
    assert len([line for line in unknown.splitlines() if line.startswith("| [") and "mlw-dev" in line]) == 5


def test_waived_results_list_their_justification() -> None:
    waived = section(rendered(sample_report()), "## Waived (10)")

    rows = [line for line in waived.splitlines() if line.startswith("| [")]
    assert len(rows) == 10
    assert all("| Accepted until the migration. | 2026-12-31 | team-ml |" in row for row in rows)


def test_counts_table_carries_every_status() -> None:
    counts = section(rendered(sample_report()), "## Counts")

    assert "| Severity | " + " | ".join(STATUS_LABELS.values()) + " | Total |" in counts
    assert "| critical | 2 | 2 | 2 | 2 | 2 | 10 |" in counts
    assert "| total | 10 | 10 | 10 | 10 | 10 | 50 |" in counts


def test_extra_sections_are_listed() -> None:
    report = sample_report()
    report["waivers"] = {
        "applied": [],
        "expired": [],
        "stale": [
            {
                "index": 0,
                "rule": "AML-KV-*",
                "resource": "re:.*kv.*",
                "workspace": "mlw-dev",
                "justification": "gone",
                "expires": "2027-01-01",
                "owner": None,
                "fingerprints": [],
            }
        ],
    }
    report["fixed"] = []

    text = rendered(report)

    assert "## Stale waivers (matched no failing result) (1)" in text
    assert "waivers\\[0\\] AML-KV-\\* on re:.\\*kv.\\* in workspace mlw-dev: gone (expires 2027-01-01" in text
    assert "## Fixed since the baseline" not in text  # an empty list is not a section
    assert "## Collection errors (1)" in text
    assert "## Warnings (1)\n\n- inventory is two days old" in text


def test_long_lists_fold_into_details() -> None:
    many = [
        result_of(RULES[1], workspace, Status.FAIL, f"{workspace}/computes/c{i}")
        for workspace in (PROD_ID, DEV_ID)
        for i in range(20)
    ]

    text = rendered(report_of(many))

    assert "<details><summary>40 results</summary>\n\n| Rule |" in text
    assert text.count("<details>") == text.count("</details>") == 1


def test_short_lists_stay_open() -> None:
    assert "<details>" not in rendered(report_of([result_of(RULES[0], PROD_ID, Status.FAIL)]))


def test_cells_cannot_break_the_table_or_inject_html() -> None:
    nasty = result_of(RULES[0], PROD_ID, Status.FAIL)
    nasty.message = "a | b <img src=x onerror=alert(1)>\nsecond line with `a|b <c>`"

    text = rendered(report_of([nasty]))

    row = next(line for line in text.splitlines() if "second line" in line)
    # The line break comes from the inventory: shown as an escape, on the same row.
    assert "a \\| b &lt;img src=x onerror=alert(1)&gt;\\\\x0asecond line with `a\\|b <c>`" in row


def test_the_sample_tenant_report_fits_a_pull_request_comment() -> None:
    report, rules = scanned_report()

    text = render_markdown(report, rules)

    assert len(text.encode("utf-8")) < GITHUB_COMMENT_LIMIT
    for result in report["results"]:
        if result["status"] in ("fail", "unknown", "waived"):
            assert result["resource_id"].rsplit("/", 1)[-1] in text


def test_a_hundred_findings_still_fit_a_comment() -> None:
    many = [
        result_of(rule, PROD_ID, Status.FAIL, f"{PROD_ID}/computes/compute-instance-{i:03}")
        for rule in RULES
        for i in range(20)
    ]

    assert len(rendered(report_of(many)).encode("utf-8")) < GITHUB_COMMENT_LIMIT


def test_a_table_folds_when_its_lines_header_included_exceed_the_limit() -> None:
    # COLLAPSE_AFTER counts table lines: the header and its rule make 10 rows 12 lines.
    def failing(count: int) -> str:
        results = [result_of(RULES[1], PROD_ID, Status.FAIL, f"{PROD_ID}/c/{i}") for i in range(count)]
        return rendered(report_of(results))

    assert "<details>" not in failing(COLLAPSE_AFTER - 2)
    assert f"<details><summary>{COLLAPSE_AFTER - 1} results</summary>" in failing(COLLAPSE_AFTER - 1)
