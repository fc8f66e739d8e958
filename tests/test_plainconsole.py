"""The fast plain console prints what rich prints, for every kind of thing the console report prints."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.reporters.plainconsole import WHOLE_LINE, PlainConsole

# Words of printable ASCII, some longer than any line, a few with characters rich must handle
# itself (wide, combining, tabs, control), joined by runs of spaces and line breaks.
WORD = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12) | st.text(
    st.characters(min_codepoint=33, max_codepoint=126), min_size=40, max_size=140
)
ODD = st.sampled_from(["é", "漢字", "\t", "\x07", "e\u0301", "[b]", ":x:"])
TEXT = st.lists(
    st.tuples(WORD | ODD, st.sampled_from([" ", "  ", "\n", " \n", "", "   "])), min_size=0, max_size=30
).map(lambda parts: "".join(word + gap for word, gap in parts))
LINE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60) | ODD


def both(renderable: Any, width: int) -> tuple[str, str]:
    """(rich, fast) output, lines right-stripped as the report's files are."""
    outputs = []
    for kind in (Console, PlainConsole):
        buffer = io.StringIO()
        console = kind(file=buffer, width=width, force_terminal=False, color_system=None, highlight=False, emoji=False)
        console.print(renderable)
        outputs.append("\n".join(line.rstrip() for line in buffer.getvalue().split("\n")))
    return outputs[0], outputs[1]


@settings(max_examples=400, deadline=None)
@given(TEXT, st.integers(10, 130))
def test_text_wraps_as_rich_wraps_it(text: str, width: int) -> None:
    expected, fast = both(Text(text), width)
    assert fast == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(LINE, LINE, LINE), min_size=1, max_size=9), LINE, st.integers(40, 130))
def test_posture_table_lays_out_as_rich_does(rows: list[tuple[str, str, str]], title: str, width: int) -> None:
    table = Table(title=Text(title), title_justify="left")
    table.add_column("Network isolation", no_wrap=True)
    table.add_column("This workspace", no_wrap=True, overflow="fold")
    table.add_column("Secured scenario", style="dim", overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    expected, fast = both(table, width)
    assert fast == expected


@settings(max_examples=200, deadline=None)
@given(LINE, st.integers(10, 130))
def test_a_whole_line_prints_as_rich_prints_it(line: str, width: int) -> None:
    outputs = []
    for kind in (Console, PlainConsole):
        buffer = io.StringIO()
        console = kind(file=buffer, width=width, force_terminal=False, color_system=None, highlight=False, emoji=False)
        console.print(Text(line, style="dim"), **WHOLE_LINE)
        outputs.append(buffer.getvalue())
    assert outputs[1] == outputs[0]


def test_blank_line_and_other_renderables() -> None:
    assert both("plain [bold]markup[/bold]", 80)[0] == both("plain [bold]markup[/bold]", 80)[1]
    buffer = io.StringIO()
    PlainConsole(file=buffer, width=80, color_system=None).print()
    assert buffer.getvalue() == "\n"
