"""Text from the inventory made safe to show: every report format calls these where it writes one.

Resource names, ids, messages that quote them, evidence values, collection errors: all of it comes
from whoever wrote the inventory, and a report must never carry a payload from it to the reader.

- Control characters (C0, DEL, C1, the bidirectional and zero-width format characters, line and
  paragraph separators, lone surrogates and the two non-characters XML forbids) are shown as
  escapes such as `\\x1b` or `\\u202e`: a name cannot clear a terminal, forge a line, hide text,
  plant a hyperlink (OSC 8) or make a JUnit file invalid XML. The rest of Unicode stays as it is.
- Any single string is cut at `MAX_CHARS` characters in the human and CI formats (console,
  Markdown, HTML, JUnit, SARIF), with a marker that says how much was left out. The JSON report
  keeps every value whole: it is the machine-readable record, and fingerprints and baselines need
  the exact ids.
- Markdown and SARIF message text get their metacharacters escaped (`markdown_text`,
  `markdown_code`, `sarif_message`), so that a name renders as the text it is.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from auditor.reporters.jsonwriter import encode, exact_text

# Longer than any ARM id (names are at most a few hundred characters, ids nest a few of them), and
# long enough for a message that lists a dozen ids; short enough that a hostile 1 MB name costs
# kilobytes, not megabytes, in each place a report shows it.
MAX_CHARS = 4096

_INVISIBLE = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f"  # C0, DEL, C1 (ESC starts CSI/OSC sequences; BEL, BS, CR forge lines)
    "\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"  # bidi, zero-width, separators
    "\ud800-\udfff\ufffe\uffff"  # lone surrogates cannot be encoded; XML 1.0 forbids all of these
    "]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control or invisible format character written as a `\\xNN`/`\\uNNNN` escape."""
    # Every character of _INVISIBLE is non-printable for str.isprintable (tested): printable text,
    # the common case, holds none of them.
    if text.isprintable():
        return text
    return _INVISIBLE.sub(_escape, text)


def visible_json(value: Any) -> str:
    """A JSON value indented for people: strings capped, every control character escaped.

    JSON escapes C0 characters itself; the others it would write raw, and `visible` takes them.
    The layout's own line breaks stay.
    """
    text = exact_text(value, sort_keys=True)
    # Indented JSON puts each string on a line of its own (after its key, if any), and encoding
    # never shortens a string: with no line over the cap, nothing is cut, and the copy that
    # `capped_data` makes would be written as the same text.
    if text is None or (len(text) > MAX_CHARS and max(map(len, text.split("\n"))) > MAX_CHARS):
        text = encode(capped_data(value), sort_keys=True)
    # JSON text holds no raw C0 character: in ASCII, only DEL would need escaping.
    if text.isascii() and "\x7f" not in text:
        return text
    return "\n".join(visible(line) for line in text.split("\n"))


def capped(text: str, limit: int = MAX_CHARS) -> str:
    """`text` cut at `limit` characters, saying how many more the JSON report holds."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters in the JSON report]"


def shown(value: object) -> str:
    """Any value from a report as safe plain text: capped, then with control characters visible."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= MAX_CHARS and text.isprintable():  # most ids and messages (see `visible`)
        return text
    return visible(capped(text))


def shown_data(value: Any) -> Any:
    """A JSON value (evidence, properties) with `shown` applied to every string, keys included."""
    return _map_strings(value, shown)


def capped_data(value: Any) -> Any:
    """A JSON value with `capped` applied to every string: for formats that escape the rest themselves."""
    return _map_strings(value, capped)


def _map_strings(value: Any, convert: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, dict):
        return {convert(str(key)): _map_strings(item, convert) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_map_strings(item, convert) for item in value]
    return value


# Markdown: CommonMark lets a backslash escape any ASCII punctuation. These are the ones that
# open emphasis, links and images (`[`), code, strikethrough and table cells; `<`, `>` and `&` are
# written as entities instead, which also keeps them literal inside `<details>` blocks.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
# GitHub turns bare URLs into links (`https://…`, `www.…`); an escaped `:` or `.` stops that.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z]):(?=//)|(?<=www)\.")
# At the start of a line of its own (a list item) these would open a heading or a nested list.
_BLOCK_START = re.compile(r"^(\s*\d*)([#+\-.)])")
# Messages and remediations quote property paths and `az` commands as Markdown code spans: one
# backtick on each side, none inside.
CODE_SPAN = re.compile(r"`([^`]+)`")


def markdown_text(value: object, code_spans: bool = False, table: bool = True) -> str:
    """Plain text as Markdown that renders exactly as that text, on one line, safe in a table cell.

    With `code_spans`, the `code spans` that messages and fixes use to quote commands stay code
    spans (their content is literal in Markdown anyway); everything around them is escaped.
    `table`: the text goes in a table cell, where even a code span must escape its pipes; otherwise
    it starts a line of its own (a list item), where it must not open a block.
    """
    text = shown(value)
    pieces = []
    position = 0
    for span in CODE_SPAN.finditer(text) if code_spans else ():
        pieces += [_escape_markdown(text[position : span.start()]), _code_body(span.group(1), table)]
        position = span.end()
    pieces.append(_escape_markdown(text[position:]))
    out = "".join(pieces)
    return out if table else _BLOCK_START.sub(_escape_block_start, out, count=1)


def _escape_markdown(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return _AUTOLINK.sub(lambda match: "\\" + match.group(), text)


def _escape_block_start(match: re.Match[str]) -> str:
    lead, mark = match.groups()
    # `1.` opens an ordered list only after digits; a lone `.` or `)` is harmless.
    if mark in ".)" and not lead.strip():
        return match.group()
    return f"{lead}\\{mark}"


def markdown_code(value: object, table_safe: bool = True) -> str:
    """A value as one Markdown code span, whatever backticks it holds (`table_safe`: pipes escaped)."""
    return _code_body(shown(value), table_safe)


def _code_body(text: str, table_safe: bool) -> str:
    # A code span's fence is a backtick run longer than any inside it; a space keeps an edge
    # backtick from joining the fence (CommonMark strips one space on each side).
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") or not text.strip() else text
    body = f"{fence}{padded}{fence}"
    # GitHub splits table rows on every unescaped pipe, code spans included.
    return body.replace("|", "\\|") if table_safe else body


# SARIF §3.11.6: message text may embed links `[text](target)`, which GitHub renders; a literal
# bracket or backslash in plain text is escaped with a backslash (§3.11.5).
_SARIF_LINK_CHARS = re.compile(r"([\\\[\]])")


def sarif_message(value: object) -> str:
    """Plain SARIF message text: safe like `shown`, with the embedded-link syntax escaped."""
    return _SARIF_LINK_CHARS.sub(r"\\\1", shown(value))


# A dot-only segment would make the URI mean another path once normalised (RFC 3986 §5.2.4);
# percent-encoding the dots does not help, since normalisers decode unreserved characters.
_DOT_SEGMENT = re.compile(r"\.+")
# Longer path segments are shortened to a prefix and a digest: still unique, still stable.
MAX_URI_SEGMENT = 200


def uri_segment(segment: str) -> str:
    """One already percent-encoded path segment of a SARIF pseudo-path, never `.`/`..`, never huge."""
    if _DOT_SEGMENT.fullmatch(segment) or not segment:
        segment = "~" + segment
    if len(segment) > MAX_URI_SEGMENT:
        digest = hashlib.sha256(segment.encode("utf-8")).hexdigest()[:16]
        # Never cut a percent-escape in two: the URI would no longer be a valid uri-reference.
        head = re.sub("%[0-9A-Fa-f]?$", "", segment[: MAX_URI_SEGMENT - 17])
        segment = f"{head}~{digest}"
    return segment
