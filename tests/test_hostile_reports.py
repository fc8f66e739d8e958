"""A hostile inventory through the CLI, in real processes: no format carries its payload to the reader.

Names with ANSI CSI and OSC 8 sequences, BEL, backspace and carriage return; Markdown links and
emphasis, HTML, pipes and backticks; a compute whose id ends in `..`; a 1 MB workspace name.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sample_report import sample_report
from terminal import run_on_terminal

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "fixtures" / "cases" / "no-vnet.json"
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"

# In ids (no `/`, or the id would name another resource) and, with a Markdown link, in names.
ID_PAYLOAD = (
    "mlw\x1b[2J\x1b]8;;https:\u2215\u2215evil.example\x07Click\x1b]8;;\x07\x08\rALL PASS **B** a|b <b>x</b> `t`"
)
NAME_PAYLOAD = "mlw\x1b[31m[Click](https://evil.example) **B** <img src=x> a|b\rALL PASS\x07"
ALL_FORMATS = "console,json,sarif,junit,markdown,html"
RAW_PAYLOADS = ("\x1b[2J", "\x1b]8;;", "\x1b[31m", "\x07", "\x08", "\r")


def hostile_inventory(
    tmp_path: Path, workspace_name: str = ID_PAYLOAD, display_name: str | None = NAME_PAYLOAD
) -> Path:
    """The no-vnet case (everything fails) with the workspace renamed and a compute named `..`."""
    text = CASE.read_text(encoding="utf-8")
    text = text.replace("mlw-prod", json.dumps(workspace_name)[1:-1]).replace("/computes/ci-dev", "/computes/..")
    data = json.loads(text)
    if display_name is not None:
        for resource in data["resources"]:
            if resource["type"] == "Microsoft.MachineLearningServices/workspaces":
                resource["name"] = display_name
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)], capture_output=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    tmp_path = tmp_path_factory.mktemp("hostile")
    inventory = hostile_inventory(tmp_path)
    out = tmp_path / "out"
    done = run("scan", "--inventory", inventory, "--format", ALL_FORMATS, "--output-dir", out)
    assert done.returncode == 1, done.stderr  # everything fails in this case
    assert b"Traceback" not in done.stderr
    return {path.name: path.read_bytes() for path in out.iterdir()}


def _no_raw_payload(data: bytes) -> None:
    text = data.decode("utf-8")
    for raw in RAW_PAYLOADS:
        assert raw not in text, repr(raw)


def test_every_human_format_shows_the_control_characters_as_escapes(reports: dict[str, bytes]) -> None:
    for name in ("amlaudit.txt", "amlaudit.md", "amlaudit.html", "amlaudit.junit.xml", "amlaudit.sarif"):
        _no_raw_payload(reports[name])
        # Markdown shows names only (ids are in the other formats), and escapes the escape once more.
        shown = "\\\\x1b\\[31m" if name.endswith(".md") else "\\x1b[2J"
        assert shown in reports[name].decode("utf-8"), name


def test_the_json_report_keeps_the_values_exactly(reports: dict[str, bytes]) -> None:
    report = json.loads(reports["amlaudit.json"])
    assert report["workspaces"][0]["name"] == NAME_PAYLOAD
    assert any(result["resource_id"].endswith("/computes/..") for result in report["results"])


def test_console_on_a_terminal_gets_no_escape_sequence_from_the_inventory(tmp_path: Path) -> None:
    inventory = hostile_inventory(tmp_path)
    text = run_on_terminal(["scan", "--inventory", str(inventory)], 100)
    assert "AML-CMP-001" in text
    # rich colours the report (SGR sequences only); nothing else reaches the terminal.
    assert re.findall(r"\x1b[^\[]|\x1b\[[0-9;]*[^0-9;m]", text) == []
    for raw in ("\x1b[2J", "\x1b]8;;", "\x07", "\x08"):
        assert raw not in text
    assert "\\x1b[2J" in text


def test_junit_parses_with_a_strict_xml_parser(reports: dict[str, bytes]) -> None:
    root = ET.fromstring(reports["amlaudit.junit.xml"])  # expat: XML 1.0, no forbidden character
    assert root.findall(".//failure")


class _StrictHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)


def test_html_carries_no_markup_or_control_character_from_the_inventory(reports: dict[str, bytes]) -> None:
    text = reports["amlaudit.html"].decode("utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text)
    parser = _StrictHTML()
    parser.feed(text)
    assert "img" not in parser.tags and "b" not in parser.tags


def test_markdown_escapes_links_emphasis_html_and_pipes(reports: dict[str, bytes]) -> None:
    text = reports["amlaudit.md"].decode("utf-8")
    assert "[Click](https" not in text and "](https://evil" not in text
    assert "**B**" not in text and "<img" not in text and "<b>" not in text
    assert "\\[Click\\](https\\://evil.example) \\*\\*B\\*\\* &lt;img src=x&gt;" in text
    # Every table row still has as many cells as its header.
    for block in re.split(r"\n\n", text):
        rows = [line for line in block.splitlines() if line.startswith("| ")]
        cells = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
        assert len(cells) <= 1, block


def test_sarif_is_valid_and_its_uris_have_no_dot_segments(reports: dict[str, bytes]) -> None:
    log = json.loads(reports["amlaudit.sarif"])
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    uris = [
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
        for location in result["locations"]
    ]
    assert uris
    for uri in uris:
        assert not any(segment in {"", ".", ".."} for segment in uri.split("/")), uri
        assert re.fullmatch(r"[A-Za-z0-9\-._~%/]+", uri), uri  # a uri-reference, ASCII only
    assert any(uri.endswith("/computes/~..") for uri in uris)
    for result in log["runs"][0]["results"]:
        unescaped = re.sub(r"\\[\\\[\]]", "", result["message"]["text"])
        assert "[" not in unescaped  # no embedded link (SARIF §3.11.6)


def test_a_megabyte_name_costs_kilobytes_in_each_report(tmp_path: Path) -> None:
    inventory = hostile_inventory(tmp_path, workspace_name="A" * 1_000_000, display_name=None)
    out = tmp_path / "out"
    done = run("scan", "--inventory", inventory, "--format", ALL_FORMATS, "--output-dir", out)
    assert done.returncode == 1, done.stderr[-500:]
    sizes = {path.name: path.stat().st_size for path in out.iterdir()}
    # The JSON report keeps every value whole (documented); the others cap each string at 4,096.
    assert sizes["amlaudit.json"] > 10_000_000
    for name, size in sizes.items():
        if name != "amlaudit.json":
            assert size < 2_000_000, (name, size)
    assert "more characters in the JSON report" in (out / "amlaudit.html").read_text(encoding="utf-8")



def test_errors_and_warnings_on_stderr_show_control_characters_as_escapes(tmp_path: Path) -> None:
    first = sample_report()
    second = sample_report()
    second["tool"] = {**second["tool"], "version": "9\x1b[2J\u009b"}
    paths = []
    for name, report in (("a.json", first), ("b.json", second)):
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps(report), encoding="utf-8")
    warned = run("merge", *paths).stderr.decode("utf-8")
    assert "amlaudit: warning: merged reports of different amlaudit versions" in warned
    assert "\x1b" not in warned and "\u009b" not in warned and "9\\x1b[2J\\x9b" in warned

    for report in (first, second):
        report["results"][0]["rule_id"] = "AML-X\x1b[2J\x07"
    second["results"][0]["title"] = "Another rule"
    for path, report in zip(paths, (first, second), strict=True):
        path.write_text(json.dumps(report), encoding="utf-8")
    refused = run("merge", *paths).stderr.decode("utf-8")
    [line] = refused.splitlines()
    assert line.startswith("amlaudit: error: rule AML-X\\x1b[2J\\x07 has a different title")
