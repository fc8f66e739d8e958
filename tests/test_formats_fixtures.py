"""Every format, for every fixture: valid, self-consistent, and accounting for the same results."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.engine import load_rules, scan_inventory
from auditor.inventory import load_inventory
from auditor.reporters import FORMATS, RenderOptions
from auditor.reporters.jsonreport import build_report
from auditor.waivers import Waiver, apply_waivers

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = [ROOT / "fixtures" / "sample-tenant", *sorted((ROOT / "fixtures" / "cases").glob("*.json"))]
RULES = load_rules()
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
# One waiver for every fixture, so that waived results appear wherever AML-WS-004 fails.
WAIVER = Waiver(0, "AML-WS-004", "*", "Managed VNet migration planned.", date(2099, 12, 31), owner="platform")


def rendered(fixture: Path) -> tuple[dict[str, Any], dict[str, str]]:
    scan = scan_inventory(load_inventory([str(fixture)]), RULES)
    report = build_report(scan, [str(fixture.relative_to(ROOT))], "2026-01-01T00:00:00Z")
    report = apply_waivers(report, [WAIVER], date(2026, 1, 1))
    texts = {name: "".join(fmt.render(report, RULES, RenderOptions())) for name, fmt in FORMATS.items()}
    return report, texts


@pytest.fixture(scope="module", params=FIXTURES, ids=lambda p: p.stem)
def outputs(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, str]]:
    return rendered(request.param)


def test_json_is_the_report(outputs: tuple[dict[str, Any], dict[str, str]]) -> None:
    report, texts = outputs
    assert json.loads(texts["json"]) == report


def test_sarif_is_valid_and_follows_github_rules(outputs: tuple[dict[str, Any], dict[str, str]]) -> None:
    report, texts = outputs
    log = json.loads(texts["sarif"])
    errors = list(VALIDATOR.iter_errors(log))
    assert not errors, errors[0].message
    run = log["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    shown = [r for r in report["results"] if r["status"] in ("fail", "unknown", "waived")]
    assert len(run["results"]) == len(shown)
    assert run["properties"]["summary"]["by_status"] == report["summary"]["by_status"]
    for result, source in zip(run["results"], shown, strict=True):
        assert result["ruleId"] == rule_ids[result["ruleIndex"]] == source["rule_id"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("azure/")
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
        assert result["partialFingerprints"]["amlaudit/v1"] == source["fingerprint"]
        if source["status"] == "unknown":
            assert (result["kind"], result["level"]) == ("open", "none")
        else:
            assert result["kind"] == "fail" and result["level"] in ("error", "warning", "note")
        assert ("suppressions" in result) == (source["status"] == "waived")


def test_junit_counts_every_result(outputs: tuple[dict[str, Any], dict[str, str]]) -> None:
    report, texts = outputs
    root = ET.fromstring(texts["junit"])
    cases = root.findall(".//testcase")
    by_status = report["summary"]["by_status"]
    assert len(cases) == report["summary"]["total"]
    assert len([c for c in cases if c.find("failure") is not None]) == by_status["fail"]
    assert len([c for c in cases if c.find("error") is not None]) == by_status["unknown"]
    assert len([c for c in cases if c.find("skipped") is not None]) == by_status["waived"] + by_status["not_applicable"]
    suites = [s for s in root.findall("testsuite") if s.findall("testcase")]
    assert len(suites) == len(report["workspaces"])


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "src" or (tag == "link" and name == "href"):
                self.external.append(f"{tag} {name}={value}")


def test_html_is_self_contained_and_lists_the_findings(outputs: tuple[dict[str, Any], dict[str, str]]) -> None:
    report, texts = outputs
    parser = _Links()
    parser.feed(texts["html"])
    parser.close()
    assert parser.external == []
    assert "table" in parser.tags and "style" in parser.tags
    for result in report["results"]:
        if result["status"] in ("fail", "unknown", "waived"):
            assert result["rule_id"] in texts["html"]


def test_markdown_and_console_give_the_counts(outputs: tuple[dict[str, Any], dict[str, str]]) -> None:
    report, texts = outputs
    by_status = report["summary"]["by_status"]
    for name in ("markdown", "console"):
        assert f"{by_status['fail']} fail" in texts[name]
        assert f"{by_status['waived']} waived" in texts[name]
    for result in report["results"]:
        if result["status"] in ("fail", "unknown"):
            assert result["rule_id"] in texts["markdown"] and result["rule_id"] in texts["console"]


def test_sample_tenant_markdown_stays_small() -> None:
    _, texts = rendered(FIXTURES[0])
    assert len(texts["markdown"].encode("utf-8")) < 60 * 1024
