"""Baselines: new versus unchanged findings, fixed ones, and what may fail the build."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sample_report import RULES, sample_report

from auditor.baseline import apply_baseline, counts_toward_exit
from auditor.errors import InputError
from auditor.reporters.markdown import render_markdown
from auditor.reportfile import load_report


def pick(report: dict[str, Any], status: str, index: int = 0) -> dict[str, Any]:
    return [r for r in report["results"] if r["status"] == status][index]


def test_failures_already_failing_before_are_unchanged_and_others_new() -> None:
    previous = sample_report()
    current = sample_report()
    newly = pick(current, "pass")
    newly["status"] = "fail"

    out = apply_baseline(current, previous)

    marks = {r["fingerprint"]: r.get("baseline") for r in out["results"] if r["status"] == "fail"}
    assert marks.pop(newly["fingerprint"]) == "new"
    assert set(marks.values()) == {"unchanged"} and len(marks) == 10
    assert all("baseline" not in r for r in out["results"] if r["status"] != "fail")


def test_failures_gone_are_listed_as_fixed_with_their_status_now() -> None:
    previous = sample_report()
    current = sample_report()
    resolved, removed = pick(current, "fail", 0), pick(current, "fail", 1)
    resolved["status"] = "pass"
    current["results"].remove(removed)

    out = apply_baseline(current, previous)

    assert out["fixed"] == sorted(
        [
            {
                "fingerprint": entry["fingerprint"],
                "rule_id": entry["rule_id"],
                "resource_id": entry["resource_id"],
                "workspace_id": entry["workspace_id"],
                "status": status,
            }
            for entry, status in ((resolved, "pass"), (removed, None))
        ],
        key=lambda e: (e["workspace_id"].lower(), e["rule_id"], e["resource_id"].lower()),
    )


def test_waived_results_never_count_as_failing() -> None:
    previous = sample_report()
    current = sample_report()
    was_waived = pick(current, "waived")
    was_waived["status"] = "fail"  # its waiver expired
    now_waived = pick(current, "fail")
    now_waived["status"] = "waived"

    out = apply_baseline(current, previous)

    results = {r["fingerprint"]: r for r in out["results"]}
    assert results[was_waived["fingerprint"]]["baseline"] == "new"
    assert "baseline" not in results[now_waived["fingerprint"]]
    assert [(e["fingerprint"], e["status"]) for e in out["fixed"]] == [(now_waived["fingerprint"], "waived")]


def test_unknown_results_are_tracked_only_on_request() -> None:
    previous = sample_report()
    current = sample_report()
    decided, appeared = pick(current, "unknown"), pick(current, "pass")
    decided["status"], appeared["status"] = "pass", "unknown"

    without = apply_baseline(current, previous)
    with_unknown = apply_baseline(current, previous, include_unknown=True)

    assert all("baseline" not in r for r in without["results"] if r["status"] == "unknown")
    assert without["fixed"] == []
    marks = {r["fingerprint"]: r["baseline"] for r in with_unknown["results"] if r["status"] == "unknown"}
    assert marks.pop(appeared["fingerprint"]) == "new"
    assert set(marks.values()) == {"unchanged"}
    assert [e["fingerprint"] for e in with_unknown["fixed"]] == [decided["fingerprint"]]


def test_only_new_results_count_toward_the_exit_code() -> None:
    assert counts_toward_exit({"status": "fail", "baseline": "new"})
    assert not counts_toward_exit({"status": "fail", "baseline": "unchanged"})
    # No mark: no baseline, or an unknown result the baseline does not track.
    assert counts_toward_exit({"status": "unknown"})


def test_applying_is_pure_and_repeatable() -> None:
    previous = sample_report()
    current = sample_report()
    pick(current, "pass")["status"] = "fail"
    before = copy.deepcopy(current)

    once = apply_baseline(current, previous)

    assert current == before
    assert apply_baseline(once, previous) == once


def test_reports_show_the_baseline() -> None:
    current = sample_report()
    pick(current, "pass")["status"] = "fail"
    previous = sample_report()
    pick(previous, "pass", 1)["status"] = "fail"

    text = render_markdown(apply_baseline(current, previous), RULES)

    assert text.count("*(new)*") == 1
    assert text.count("*(unchanged)*") == 10
    assert "## Fixed since the baseline (1)" in text


MALFORMED = {
    "not an object": ([], "the document is not an object"),
    "other schema": ({**sample_report(), "schema_version": 2}, "schema_version is 2"),
    "no results": ({k: v for k, v in sample_report().items() if k != "results"}, "'results' is missing"),
    "bad status": (
        {**sample_report(), "results": [{**sample_report()["results"][0], "status": "failed"}]},
        "results[0]: unknown status 'failed'",
    ),
    "no fingerprint": (
        {**sample_report(), "results": [{**sample_report()["results"][0], "fingerprint": ""}]},
        "results[0]: 'fingerprint' is missing",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_previous_report_is_an_input_error(case: str) -> None:
    previous, expected = MALFORMED[case]

    with pytest.raises(InputError, match="^baseline report: .*") as caught:
        apply_baseline(sample_report(), previous)  # type: ignore[arg-type]

    assert expected in str(caught.value)


def test_a_report_file_is_loaded_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(sample_report()), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"runs": []}), encoding="utf-8")

    assert load_report(good) == sample_report()
    with pytest.raises(InputError, match=r"broken\.json: not JSON"):
        load_report(broken)
    with pytest.raises(InputError, match=r"other\.json: not an amlaudit JSON report"):
        load_report(other)
    with pytest.raises(InputError, match=r"absent\.json: cannot read"):
        load_report(tmp_path / "absent.json")
