"""The HTML report: self-contained, well-formed, filterable, everything escaped."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from sample_report import PROD_ID, RULES, report_of, result_of, sample_report, scanned_report

from auditor.model import STATUS_ORDER, Severity, Status
from auditor.reporters.html import render_html

VOID = {"meta", "input", "br", "link", "img", "hr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def all(self, tag: str, **attrs: str) -> list[Element]:
        found = [self] if self.tag == tag and all(self.attrs.get(k) == v for k, v in attrs.items()) else []
        for child in self.children:
            found += child.all(tag, **attrs)
        return found

    def content(self) -> str:
        return self.text + "".join(child.content() for child in self.children)


class Tree(HTMLParser):
    """A strict little DOM: every non-void element must be closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.declarations: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        # Text after a child is appended to the parent: enough for `content()` checks.
        self.stack[-1].text += data


def parse(text: str) -> Tree:
    tree = Tree()
    tree.feed(text)
    tree.close()
    assert tree.stack == [tree.root], "unclosed elements"
    return tree


def rendered(report: dict[str, Any]) -> tuple[str, Element]:
    text = render_html(report, RULES)
    return text, parse(text).root


def test_well_formed_single_document() -> None:
    text, root = rendered(sample_report())

    assert text.startswith("<!DOCTYPE html>\n")
    (html_element,) = root.all("html")
    assert html_element.attrs["lang"] == "en"
    assert len(root.all("title")) == 1
    assert root.all("meta", charset="utf-8")


def test_self_contained() -> None:
    text, root = rendered(sample_report())

    assert not root.all("script") and not root.all("link") and not root.all("img")
    for element in _walk(root):
        for name in ("src", "href", "action", "srcset", "poster"):
            assert name not in element.attrs, f"<{element.tag} {name}=...>"
    (style,) = root.all("style")
    assert "url(" not in style.content() and "@import" not in style.content()
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", text, re.IGNORECASE)


def test_every_result_is_on_the_page_with_its_status_and_severity() -> None:
    report = sample_report()

    _, root = rendered(report)

    findings = root.all("details", **{"class": "finding"})
    assert len(findings) == report["summary"]["total"]
    assert Counter(f.attrs["data-status"] for f in findings) == report["summary"]["by_status"]
    groups = [section.attrs["data-severity"] for section in root.all("section", **{"class": "severity-group"})]
    assert groups == ["critical", "high", "medium", "low", "info"]


def test_filters_cover_every_severity_and_status_and_start_on_what_needs_action() -> None:
    _, root = rendered(sample_report())

    boxes = {box.attrs["id"]: box for box in root.all("input", type="checkbox")}
    expected = [f"show-severity-{s.value}" for s in Severity] + [f"show-status-{s.value}" for s in Status]
    assert sorted(boxes) == sorted(expected)
    unchecked = {name for name, box in boxes.items() if "checked" not in box.attrs}
    assert unchecked == {"show-status-pass", "show-status-not_applicable"}
    css = root.all("style")[0].content()
    for name in expected:
        axis, value = name.removeprefix("show-").split("-", 1)
        assert f'body:has(#{name}:not(:checked)) .finding[data-{axis}="{value}"] {{ display: none; }}' in css


def test_posture_table_is_coloured_by_how_each_value_reads() -> None:
    _, root = rendered(sample_report())

    (table,) = root.all("table", **{"class": "posture"})
    rows = table.all("tr")[1:]
    assert [row.all("th")[0].text for row in rows] == ["mlw-prod", "mlw-dev"]
    prod = [(cell.attrs["class"], cell.content()) for cell in rows[0].all("td")]
    dev = [(cell.attrs["class"], cell.content()) for cell in rows[1].all("td")]
    assert prod[0] == ("tone-good", "private-workspace")
    assert dev[0] == ("tone-bad", "no-vnet")
    assert ("tone-bad", "public") in dev
    assert ("tone-unknown", "unknown") in dev
    assert ("tone-warn", "mixed") in dev
    assert ("tone-neutral", "—") in dev  # no registry referenced


def test_counts_table_matches_the_summary() -> None:
    report = sample_report()

    _, root = rendered(report)

    (table,) = root.all("table", **{"class": "counts"})
    *_, total = table.all("tr")
    assert [td.content() for td in total.all("td")] == [
        *(str(report["summary"]["by_status"][s.value]) for s in STATUS_ORDER),
        "50",
    ]


def test_a_finding_shows_message_fix_pretty_evidence_and_waiver() -> None:
    _, root = rendered(sample_report())
    findings = root.all("details", **{"class": "finding"})

    waived = next(f for f in findings if f.attrs["data-status"] == "waived")
    labels = [dt.content() for dt in waived.all("dt")]
    assert labels == ["Message", "Resource", "Workspace", "Waiver", "Fix", "Evidence", "Documentation"]
    (pre,) = waived.all("pre")
    assert json.loads(pre.content()) == {
        "defaulted": ["networkAcls.bypass"],
        "properties.publicNetworkAccess": "Enabled",
    }
    assert "until 2026-12-31 (owner team-ml): Accepted until the migration." in waived.content()
    assert waived.all("code")  # the fix's `az …` code span
    passing = next(f for f in findings if f.attrs["data-status"] == "pass")
    assert "Fix" not in [dt.content() for dt in passing.all("dt")]


def test_everything_from_the_report_is_escaped() -> None:
    nasty = result_of(RULES[0], PROD_ID, Status.FAIL)
    nasty.message = '<script>alert("x")</script> & <b onclick="x">'
    nasty.evidence = {"</pre><script>": "\"'<>"}
    report = report_of([nasty], collection_errors=[{"message": "<img src=x>"}])

    text, root = rendered(report)

    assert not root.all("script") and not root.all("img") and not root.all("b")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert '<script>alert("x")</script> & <b onclick="x">' in root.all("details")[0].content()


def test_extra_sections_are_listed() -> None:
    report = sample_report()
    report["fixed"] = [
        {"fingerprint": "f", "rule_id": "AML-ST-001", "resource_id": "/x/st1", "workspace_id": PROD_ID, "status": None}
    ]

    _, root = rendered(report)

    headings = [h.content() for h in root.all("h2")]
    assert "Fixed since the baseline (1)" in headings
    assert "Collection errors (1)" in headings
    assert "AML-ST-001 on st1 (mlw-prod): now absent" in root.content()


def test_the_real_rule_pack_renders() -> None:
    report, rules = scanned_report()

    root = parse(render_html(report, rules)).root

    assert len(root.all("details", **{"class": "finding"})) == report["summary"]["total"]


def _walk(element: Element) -> list[Element]:
    out = [element]
    for child in element.children:
        out += _walk(child)
    return out
