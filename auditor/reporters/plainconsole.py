"""A rich Console that lays out the console report's plain text itself where it can do so exactly.

rich measures and renders every cell of every table through several layers of objects; for the
file and pipe rendering of a large tenant that cost tens of seconds. The report prints only three
kinds of things: word-wrapped Text, the posture table (heavy head, one line per cell) and the lines
of findings it has laid out itself (`WHOLE_LINE`). For those, when every character is
printable ASCII (one cell wide, nothing for rich to strip or expand) and the layout needs no
column to shrink, this console writes what rich would write; anything else goes to rich itself.
tests/test_plainconsole.py checks the two against each other on generated input.
"""

from __future__ import annotations

import re
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

# rich's word: leading space, the word, trailing space (rich/_wrap.py).
_WORD = re.compile(r"\s*\S+\s*")
# How the report prints a line it has laid out itself (a finding's lines): whole, never cut.
WHOLE_LINE: dict[str, Any] = {"crop": False, "overflow": "ignore", "no_wrap": True}


class PlainConsole(Console):
    """A Console without colour whose `print` of one Text or one of the report's tables is fast."""

    def print(self, *objects: Any, **options: Any) -> None:  # type: ignore[override]
        if not options and len(objects) <= 1:
            text = plain_text(objects[0], self.width) if objects else "\n"
            if text is not None:
                self.file.write(text)
                return
        if options == WHOLE_LINE and len(objects) == 1 and isinstance(objects[0], Text):
            line = objects[0]
            if line.end == "\n" and line.justify is None and _simple(line.plain) and "\n" not in line.plain:
                self.file.write(line.plain + "\n")
                return
        super().print(*objects, **options)


def plain_text(renderable: Any, width: int) -> str | None:
    """What rich prints for `renderable` at `width` without colour, or None where rich must decide."""
    if isinstance(renderable, Text):
        lines = _text_lines(renderable, width)
    elif isinstance(renderable, Table):
        lines = _table_lines(renderable, width)
    else:
        return None
    return None if lines is None else "".join(line + "\n" for line in lines)


def _simple(text: str) -> bool:
    """One cell per character, and nothing rich would strip, expand or treat as a break."""
    return text.isascii() and text.replace("\n", "").isprintable()


def _plain_style(text: Text) -> bool:
    return (
        text.justify is None
        and text.overflow is None
        and not text.no_wrap
        and text.end == "\n"
        and _simple(text.plain)
    )


def _text_lines(text: Text, width: int) -> list[str] | None:
    if not _plain_style(text):
        return None
    return [piece for line in text.plain.split("\n") for piece in wrap(line, width)]


def wrap(line: str, width: int) -> list[str]:
    """rich's word wrap of one line of single-cell characters (`rich._wrap.divide_line`).

    A word longer than a line is folded across lines of `width` characters (rich's "fold").
    """
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            chunks = [word[index : index + width] for index in range(0, len(word), width)]
            for chunk in chunks[:-1]:
                if start:
                    breaks.append(start)
                start += len(chunk)
            if start:
                breaks.append(start)
            offset = len(chunks[-1])
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    bounds = [0, *breaks, len(line)]
    pieces = [_rstrip_end(line[bounds[i] : bounds[i + 1]], width) for i in range(len(bounds) - 1)]
    return [piece[:width] for piece in pieces]


def _rstrip_end(piece: str, width: int) -> str:
    excess = len(piece) - width
    if excess <= 0:
        return piece
    stripped = piece.rstrip()
    return piece[: max(width, len(stripped))]


def _cells(table: Table) -> list[list[str]] | None:
    """The table's cells column by column, header first when shown, when every one is plain text."""
    columns = []
    for column in table.columns:
        cells = [column.header, *column.cells] if table.show_header else list(column.cells)
        texts = [_cell_text(cell) for cell in cells]
        if any(text is None for text in texts):
            return None
        columns.append([text for text in texts if text is not None])
    return columns


def _cell_text(cell: Any) -> str | None:
    if isinstance(cell, Text):
        return cell.plain if _plain_style(cell) else None
    # A str is console markup: plain only without brackets (and emoji codes are off here).
    if isinstance(cell, str) and "[" not in cell and ":" not in cell and _simple(cell):
        return cell
    return None


def _plain_columns(table: Table) -> bool:
    return all(
        column.ratio is None
        and column.min_width is None
        and column.max_width is None
        and column.justify in (None, "left", "default")
        and column.vertical == "top"
        for column in table.columns
    ) and not (table.caption or table.show_footer or table.show_lines or table.leading or table.min_width)


def _table_lines(table: Table, width: int) -> list[str] | None:
    if table.expand or table.width is not None or not table.rows or not _plain_columns(table):
        return None
    if table.box is box.HEAVY_HEAD and not table.collapse_padding:
        return _boxed_lines(table, width)
    return None


def _boxed_lines(table: Table, width: int) -> list[str] | None:
    """A HEAVY_HEAD table with header and edges, padding (0, 1), every cell on one line, no shrinking."""
    if table.padding != (0, 1, 0, 1) or not (table.show_header and table.show_edge and table.pad_edge):
        return None
    columns = _cells(table)
    if columns is None or any("\n" in cell for cells in columns for cell in cells):
        return None
    widths = [max(len(cell) for cell in cells) + 2 for cells in columns]
    table_width = sum(widths) + len(widths) + 1
    if table_width > width:
        return None
    lines: list[str] = []
    if table.title:
        title = table.title
        if not isinstance(title, Text) or table.title_justify != "left" or not _plain_style(title):
            return None
        if any(len(line) > table_width for line in title.plain.split("\n")):
            return None
        lines += [line.ljust(table_width) for line in title.plain.split("\n")]

    def row(index: int, edge: str) -> str:
        cells = (f" {column[index].ljust(w - 2)} " for column, w in zip(columns, widths, strict=True))
        return edge + edge.join(cells) + edge

    lines.append("┏" + "┳".join("━" * w for w in widths) + "┓")
    lines.append(row(0, "┃"))
    lines.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    lines += [row(index, "│") for index in range(1, len(columns[0]))]
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    return lines

