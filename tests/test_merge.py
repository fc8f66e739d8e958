"""Merging sharded reports: dedupe by fingerprint, conflicts named, everything recounted."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from sample_report import DEV_ID, PROD_ID, RULES, WORKSPACES, report_of, result_of, sample_report

from auditor.errors import InputError
from auditor.merge import merge_reports
from auditor.model import Status
from auditor.reporters.html import render_html
from auditor.reporters.junit import render_junit
from auditor.reporters.markdown import render_markdown
from auditor.reporters.sarif import render_sarif
from auditor.reportfile import check_report
from auditor.summary import sort_key, summary_of


def shard(workspace_id: str, inputs: list[str], **extra: Any) -> dict[str, Any]:
    """The sample report's results for one workspace, as a scan of that workspace alone would give."""
    results = [result_of(rule, workspace_id, status) for rule in RULES for status in (Status.FAIL, Status.PASS)]
    workspace = [copy.deepcopy(w) for w in WORKSPACES if w["id"] == workspace_id]
    return report_of(results, workspace, inputs, **extra)


def test_shards_combine_into_one_sorted_report() -> None:
    prod = shard(PROD_ID, ["sub-a.json"], collection_errors=[{"message": "a"}], warnings=["wa"])
    dev = shard(DEV_ID, ["sub-b.json"], collection_errors=[{"message": "b"}])
    dev["generated_at"] = "2026-11-28T13:00:00Z"

    merged = merge_reports([("prod.json", prod), ("dev.json", dev)])

    check_report(merged, "merged")
    assert merged["inputs"] == ["sub-a.json", "sub-b.json"]
    assert [w["id"] for w in merged["workspaces"]] == [PROD_ID, DEV_ID]
    assert merged["results"] == sorted(prod["results"] + dev["results"], key=sort_key)
    assert merged["summary"] == summary_of(merged["results"])
    assert merged["summary"]["total"] == 20
    assert merged["collection_errors"] == [{"message": "a"}, {"message": "b"}]
    assert merged["warnings"] == ["wa"]
    assert merged["generated_at"] == "2026-11-28T13:00:00Z"
    assert "waivers" not in merged and "fixed" not in merged


def test_overlapping_shards_are_deduplicated_first_copy_kept() -> None:
    first = sample_report()
    second = sample_report()
    for result in second["results"]:
        result["message"] = "second copy"
    second["workspaces"][0]["id"] = second["workspaces"][0]["id"].upper()
    second["inputs"] = ["fixtures/sample-tenant", "other"]

    merged = merge_reports([("a.json", first), ("b.json", second)])

    assert merged["results"] == first["results"]
    assert merged["summary"] == first["summary"]
    assert [w["id"] for w in merged["workspaces"]] == [PROD_ID, DEV_ID]
    assert merged["inputs"] == ["fixtures/sample-tenant", "other"]


def test_one_fingerprint_with_two_statuses_names_both_files() -> None:
    first = sample_report()
    second = sample_report()
    changed = next(r for r in second["results"] if r["status"] == "pass")
    changed["status"] = "fail"

    with pytest.raises(InputError) as caught:
        merge_reports([("monday.json", first), ("tuesday.json", second)])

    message = str(caught.value)
    assert "is pass in monday.json but fail in tuesday.json" in message
    assert changed["rule_id"] in message and changed["resource_id"] in message


def test_not_a_report_is_an_input_error_naming_the_file() -> None:
    with pytest.raises(InputError, match=r"^results\.sarif: not an amlaudit JSON report"):
        merge_reports([("good.json", sample_report()), ("results.sarif", {"version": "2.1.0", "runs": []})])
    with pytest.raises(InputError, match="no reports to merge"):
        merge_reports([])


def waiver_entry(index: int, fingerprints: list[str]) -> dict[str, Any]:
    return {
        "index": index,
        "rule": "AML-ST-001",
        "resource": "*",
        "workspace": None,
        "justification": "j",
        "expires": "2026-12-31",
        "owner": None,
        "fingerprints": fingerprints,
    }


def test_waiver_sections_combine_per_waiver() -> None:
    prod = shard(PROD_ID, ["a"])
    dev = shard(DEV_ID, ["b"])
    prod["waivers"] = {"applied": [waiver_entry(0, ["p1"])], "expired": [], "stale": [waiver_entry(1, [])]}
    dev["waivers"] = {"applied": [], "expired": [waiver_entry(2, ["d2"])], "stale": [waiver_entry(0, [])]}

    merged = merge_reports([("prod.json", prod), ("dev.json", dev)])

    assert merged["waivers"] == {
        "applied": [waiver_entry(0, ["p1"])],  # stale in one shard, applied in the other: applied
        "expired": [waiver_entry(2, ["d2"])],
        "stale": [waiver_entry(1, [])],
    }


def test_fixed_lists_combine_without_what_fails_now() -> None:
    prod = shard(PROD_ID, ["a"])
    dev = shard(DEV_ID, ["b"])
    failing = next(r for r in dev["results"] if r["status"] == "fail")
    failing["baseline"] = "unchanged"
    gone = {"fingerprint": "ff", "rule_id": "AML-ST-001", "resource_id": "/x", "workspace_id": PROD_ID, "status": None}
    stale = {**gone, "fingerprint": failing["fingerprint"], "resource_id": failing["resource_id"]}
    prod["fixed"] = [gone, stale]
    dev["fixed"] = [gone]

    merged = merge_reports([("prod.json", prod), ("dev.json", dev)])

    assert merged["fixed"] == [gone]


def test_a_merged_report_renders_in_every_format() -> None:
    merged = merge_reports([("prod.json", shard(PROD_ID, ["a"])), ("dev.json", shard(DEV_ID, ["b"]))])

    for render in (render_sarif, render_junit, render_markdown, render_html):
        assert render(merged, RULES)


@pytest.mark.parametrize(
    ("section", "value", "expected"),
    [
        ("waivers", [], "'waivers' is not an object"),
        ("waivers", {"applied": {}}, "'waivers.applied' is not a list of objects"),
        ("fixed", [{"fingerprint": 3}], "fixed[0] has a malformed fingerprint"),
    ],
)
def test_malformed_sections_are_input_errors(section: str, value: Any, expected: str) -> None:
    report = {**sample_report(), section: value}

    with pytest.raises(InputError, match=rf"^bad\.json: {re.escape(expected)}"):
        merge_reports([("good.json", sample_report()), ("bad.json", report)])
