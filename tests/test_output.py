"""Report files appear whole or not at all, and large JSON reports are streamed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.arm import wildcard_match
from auditor.output import BATCH, write_all_atomic
from auditor.reporters.jsonreport import json_pieces


def test_a_failing_renderer_leaves_no_file_of_the_set(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.sarif"
    first.write_text("old", encoding="utf-8")

    def broken() -> Iterator[str]:
        yield "partial"
        raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError):
        write_all_atomic({first: "new", second: broken()})
    assert first.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_streamed_json_equals_the_whole_document(tmp_path: Path) -> None:
    report = {"results": [{"id": i, "name": "é" * (i % 3)} for i in range(BATCH // 16)], "n": None}
    target = tmp_path / "r.json"
    write_all_atomic({target: json_pieces(report)})
    assert target.read_text(encoding="utf-8") == json.dumps(report, indent=2, ensure_ascii=False) + "\n"


@given(st.text(alphabet="ab/*", max_size=8), st.text(alphabet="AB/", max_size=10))
def test_wildcard_match_agrees_with_a_regular_expression(pattern: str, value: str) -> None:
    import re

    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    assert wildcard_match(pattern, value) == (re.fullmatch(regex, value, re.IGNORECASE) is not None)
