"""Waivers: loading strictly, applying by rule, resource and workspace, and expiry."""

from __future__ import annotations

import copy
import json
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sample_report import DEV_ID, PROD_ID, PROVIDERS, RULES, sample_report

from auditor.errors import InputError
from auditor.reporters.html import render_html
from auditor.reporters.junit import render_junit
from auditor.reporters.markdown import render_markdown
from auditor.reporters.sarif import render_sarif
from auditor.waivers import DEFAULT_WAIVERS_FILE, Waiver, apply_waivers, load_waivers

RULE_IDS = [rule.id for rule in RULES]
TODAY = date(2026, 11, 28)
PROD_FAIL = f"{PROVIDERS}/Microsoft.Storage/storageAccounts/stmlwprodfail"


def waivers_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / DEFAULT_WAIVERS_FILE
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def waiver(rule: str = "AML-ST-001", resource: str = "*", **fields: Any) -> Waiver:
    defaults: dict[str, Any] = {"justification": "Because.", "expires": date(2026, 12, 31)}
    return Waiver(index=fields.pop("index", 0), rule=rule, resource=resource, **{**defaults, **fields})


def waived(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(r["rule_id"], r["resource_id"]) for r in report["results"] if r["status"] == "waived"}


def unwaived_report() -> dict[str, Any]:
    """The sample report before any waiver: its waived results are failing ones."""
    report = sample_report()
    for result in report["results"]:
        if result["status"] == "waived":
            result["status"] = "fail"
            del result["waiver"]
    return report


def test_load_reads_every_field(tmp_path: Path) -> None:
    path = waivers_file(
        tmp_path,
        """
        waivers:
          - rule: AML-WS-00*
            resource: "re:.*/workspaces/mlw-.*"
            workspace: mlw-prod
            justification: Public access is intended for the pilot.
            expires: 2026-12-31
            owner: alice@example.com
          - rule: aml-st-001
            resource: "*"
            justification: "Migration"
            expires: "2027-01-15"
        """,
    )

    first, second = load_waivers(path, RULE_IDS)

    assert first == Waiver(
        index=0,
        rule="AML-WS-00*",
        resource="re:.*/workspaces/mlw-.*",
        workspace="mlw-prod",
        justification="Public access is intended for the pilot.",
        expires=date(2026, 12, 31),
        owner="alice@example.com",
    )
    assert (second.index, second.expires, second.workspace, second.owner) == (1, date(2027, 1, 15), None, None)


def test_an_empty_file_holds_no_waivers(tmp_path: Path) -> None:
    assert load_waivers(waivers_file(tmp_path, ""), RULE_IDS) == []
    assert load_waivers(waivers_file(tmp_path, "waivers: []\n"), RULE_IDS) == []


BAD_FILES = {
    "bad YAML": ("waivers: [\n  - rule: x\n", "invalid YAML"),
    "top level not a mapping": ("- rule: AML-ST-001\n", "expected a mapping with one key"),
    "unknown top-level key": ("waivers: []\nversion: 1\n", "expected a mapping with one key"),
    "waivers not a list": ("waivers: {rule: x}\n", "'waivers' must be a list"),
    "entry not a mapping": ("waivers:\n  - AML-ST-001\n", "waivers[0]: expected a mapping"),
    "missing justification": (
        "waivers:\n  - {rule: AML-ST-001, resource: '*', expires: 2026-12-31}\n",
        "waivers[0]: missing required justification",
    ),
    "missing expiry": (
        "waivers:\n  - {rule: AML-ST-001, resource: '*', justification: j}\n",
        "waivers[0]: missing required expires",
    ),
    "misspelt key": (
        "waivers:\n  - {rule: AML-ST-001, resource: '*', justification: j, expiry: 2026-12-31}\n",
        "waivers[0]: unknown key(s) expiry",
    ),
    "bad date": (
        "waivers:\n  - {rule: AML-ST-001, resource: '*', justification: j, expires: 2026-13-01}\n",
        "waivers[0]: expires must be a date",
    ),
    "timestamp for a date": (
        "waivers:\n  - {rule: AML-ST-001, resource: '*', justification: j, expires: 2026-12-01T10:00:00Z}\n",
        "waivers[0]: expires must be a date",
    ),
    "blank justification": (
        "waivers:\n  - {rule: AML-ST-001, resource: '*', justification: '  ', expires: 2026-12-31}\n",
        "waivers[0]: justification must be a non-empty string",
    ),
    "bad regular expression": (
        "waivers:\n  - {rule: AML-ST-001, resource: 're:(unclosed', justification: j, expires: 2026-12-31}\n",
        "waivers[0]: resource: invalid regular expression",
    ),
    "typo in a rule id": (
        "waivers:\n  - {rule: AML-ST-001, resource: '*', justification: j, expires: 2026-12-31}\n"
        "  - {rule: AML-ST-0001, resource: '*', justification: j, expires: 2026-12-31}\n",
        "waivers[1]: rule 'AML-ST-0001' matches no known rule id",
    ),
    "glob matching no rule": (
        "waivers:\n  - {rule: 'AML-XX-*', resource: '*', justification: j, expires: 2026-12-31}\n",
        "waivers[0]: rule 'AML-XX-*' matches no known rule id",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_malformed_file_is_one_line_naming_file_and_entry(tmp_path: Path, case: str) -> None:
    body, expected = BAD_FILES[case]
    path = tmp_path / DEFAULT_WAIVERS_FILE
    path.write_text(body, encoding="utf-8")

    with pytest.raises(InputError) as caught:
        load_waivers(path, RULE_IDS)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the waivers file"):
        load_waivers(tmp_path / "absent.yaml", RULE_IDS)


def test_an_active_waiver_turns_failures_into_waived_and_reports_them() -> None:
    report = unwaived_report()
    rule = waiver("AML-ST-001", PROD_FAIL, owner="bob")

    out = apply_waivers(report, [rule], TODAY)

    (result,) = [r for r in out["results"] if r["status"] == "waived"]
    assert (result["rule_id"], result["resource_id"]) == ("AML-ST-001", PROD_FAIL)
    assert result["waiver"] == {"justification": "Because.", "expires": "2026-12-31", "owner": "bob"}
    assert out["summary"]["by_status"]["waived"] == 1
    assert out["summary"]["by_status"]["fail"] == 19
    (applied,) = out["waivers"]["applied"]
    assert applied == {
        "index": 0,
        "rule": "AML-ST-001",
        "resource": PROD_FAIL,
        "workspace": None,
        "justification": "Because.",
        "expires": "2026-12-31",
        "owner": "bob",
        "fingerprints": [result["fingerprint"]],
    }
    assert out["waivers"]["expired"] == out["waivers"]["stale"] == []


def test_a_waiver_holds_through_its_last_day_then_expires() -> None:
    report = unwaived_report()
    rule = waiver("AML-ST-001", PROD_FAIL, expires=TODAY)

    assert len(waived(apply_waivers(report, [rule], TODAY))) == 1
    out = apply_waivers(report, [rule], date(2026, 11, 29))

    assert waived(out) == set()
    (expired,) = out["waivers"]["expired"]
    assert expired["index"] == 0 and len(expired["fingerprints"]) == 1


def test_a_waiver_covering_no_failing_result_is_stale() -> None:
    pass_only = PROD_FAIL.replace("prodfail", "prodpass")

    out = apply_waivers(unwaived_report(), [waiver("AML-ST-001", pass_only)], TODAY)

    assert waived(out) == set()
    assert [w["resource"] for w in out["waivers"]["stale"]] == [pass_only]


@pytest.mark.parametrize(
    "pattern",
    [
        "/subscriptions/*/stmlwprodfail",  # `*` crosses `/`
        PROD_FAIL.upper(),  # case-insensitive
        "*STMLWPRODFAIL",
        "re:.*/storageaccounts/stmlw(prod)fail",
        "re:/SUBSCRIPTIONS/.*PRODFAIL",
    ],
)
def test_resource_patterns_match_the_whole_id(pattern: str) -> None:
    out = apply_waivers(unwaived_report(), [waiver("AML-ST-001", pattern)], TODAY)

    assert waived(out) == {("AML-ST-001", PROD_FAIL)}


@pytest.mark.parametrize("pattern", ["stmlwprodfail", "*/stmlwprod", "re:stmlwprodfail", "re:.*prod"])
def test_resource_patterns_do_not_match_part_of_an_id(pattern: str) -> None:
    assert waived(apply_waivers(unwaived_report(), [waiver("AML-ST-001", pattern)], TODAY)) == set()


@pytest.mark.parametrize("workspace", ["mlw-dev", "MLW-D*", DEV_ID, DEV_ID.lower()])
def test_a_workspace_limits_the_waiver_by_name_id_or_glob(workspace: str) -> None:
    out = apply_waivers(unwaived_report(), [waiver("AML-*", "*", workspace=workspace)], TODAY)

    assert waived(out)
    assert {r["workspace_id"] for r in out["results"] if r["status"] == "waived"} == {DEV_ID}
    assert all(r["workspace_id"] == PROD_ID for r in out["results"] if r["status"] == "fail")


def test_rule_globs_and_only_failures_are_waived() -> None:
    out = apply_waivers(unwaived_report(), [waiver("aml-ws-*", "*")], TODAY)

    assert {rule for rule, _ in waived(out)} == {"AML-WS-003", "AML-WS-004"}
    assert out["summary"]["by_status"]["unknown"] == 10
    assert out["summary"]["by_status"]["pass"] == 10


def test_the_first_active_waiver_in_file_order_applies_and_both_count_as_used() -> None:
    first = waiver("AML-ST-001", "*", index=0, justification="first")
    expired = waiver("AML-ST-001", "*", index=1, justification="expired", expires=date(2020, 1, 1))
    second = waiver("AML-ST-001", PROD_FAIL, index=2, justification="second")

    out = apply_waivers(unwaived_report(), [first, expired, second], TODAY)

    assert {r["waiver"]["justification"] for r in out["results"] if r["status"] == "waived"} == {"first"}
    assert [w["index"] for w in out["waivers"]["applied"]] == [0, 2]
    assert [w["index"] for w in out["waivers"]["expired"]] == [1]


def test_applying_is_pure_and_repeatable() -> None:
    report = unwaived_report()
    before = copy.deepcopy(report)
    rules = [waiver("AML-ST-001", PROD_FAIL)]

    once = apply_waivers(report, rules, TODAY)
    twice = apply_waivers(once, rules, TODAY)

    assert report == before
    assert twice == once
    assert apply_waivers(once, [], TODAY)["results"] == apply_waivers(report, [], TODAY)["results"]


def test_every_format_shows_the_waiver_sections() -> None:
    stale_resource = PROD_FAIL.replace("prodfail", "nothing")
    rules = [
        waiver("AML-ST-001", PROD_FAIL, index=0, justification="applied one"),
        waiver("AML-KV-003", "*", index=1, justification="expired one", expires=date(2025, 1, 1)),
        waiver("AML-WS-004", stale_resource, index=2, justification="stale one"),
    ]
    out = apply_waivers(unwaived_report(), rules, TODAY)

    sarif = json.loads(render_sarif(out, RULES))["runs"][0]["properties"]["waivers"]
    assert [len(sarif[k]) for k in ("applied", "expired", "stale")] == [1, 1, 1]
    for text in (render_markdown(out, RULES), render_html(out, RULES), render_junit(out, RULES)):
        assert "expired one" in text and "stale one" in text and "applied one" in text
