"""The safe-text helpers every report format calls on strings from the inventory."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from auditor.reporters.jsonwriter import encode
from auditor.reporters.text import (
    _INVISIBLE,
    MAX_CHARS,
    capped,
    capped_data,
    markdown_code,
    markdown_text,
    sarif_message,
    shown,
    uri_segment,
    visible,
    visible_json,
)

# Characters that act on a terminal or a renderer rather than showing: C0, DEL, C1, bidi and
# zero-width format characters, separators, surrogates and the non-characters XML forbids.
_ACTIVE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ud800-\udfff\ufffe\uffff]"
)
# XML 1.0 §2.2 Char.
_XML_CHAR = re.compile("^[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")

hostile_text = st.lists(
    st.one_of(
        st.characters(),
        st.sampled_from(["\x1b[2J", "\x1b]8;;https://evil.example\x07", "\x07", "\x08", "\r", "\n", "\x85", "\x9b"]),
        st.sampled_from([*"[]()*_`|<>&\\#!~:/.-+", "https://", "www.", "[Click](https://evil.example)", "**B**"]),
    ),
    max_size=30,
).map("".join)


@given(hostile_text)
def test_visible_leaves_no_active_character_and_loses_nothing_else(text: str) -> None:
    out = visible(text)
    assert not _ACTIVE.search(out)
    assert _XML_CHAR.match(out)
    out.encode("utf-8")  # lone surrogates are gone: every format can be written
    # Printable text passes through untouched.
    kept = "".join(ch for ch in text if not _ACTIVE.match(ch))
    assert re.sub(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4})", "", out) == re.sub(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4})", "", kept)


def test_every_character_visible_escapes_is_one_isprintable_refuses() -> None:
    # `visible` and `shown` return printable text as it is, without running the pattern: a
    # printable character added to the pattern would never be escaped.
    escaped = [chr(code) for code in range(0x110000) if _INVISIBLE.match(chr(code))]
    assert len(escaped) > 100
    assert not any(character.isprintable() for character in escaped)


def test_visible_names_each_control_character() -> None:
    assert visible("a\x1b[2Jb\x07\x08\rc\u202ed\x9b") == "a\\x1b[2Jb\\x07\\x08\\x0dc\\u202ed\\x9b"
    assert visible("mlw-prod ü 東京 🙂") == "mlw-prod ü 東京 🙂"


@given(st.text(max_size=50), st.integers(min_value=1, max_value=40))
def test_capped_keeps_short_text_and_says_how_much_was_cut(text: str, limit: int) -> None:
    out = capped(text, limit)
    if len(text) <= limit:
        assert out == text
    else:
        assert out.startswith(text[:limit])
        assert f"[{len(text) - limit:,} more characters in the JSON report]" in out


def test_shown_caps_a_megabyte_name() -> None:
    out = shown("A" * 1_000_000)
    assert len(out) < MAX_CHARS + 100
    assert "995,904 more characters" in out


def test_visible_json_keeps_its_layout() -> None:
    out = visible_json({"name": "x\x1by\u202e", "list": [1, None]})
    assert out.splitlines()[0] == "{"
    assert '"name": "x\\u001by\\u202e"' in out
    assert not _ACTIVE.search(out.replace("\n", ""))


# Evidence-like JSON values: strings around the cap (short, long, hostile), nested objects and lists.
_long_text = st.integers(min_value=MAX_CHARS - 40, max_value=MAX_CHARS + 40).map(lambda n: "é" * n)
_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), hostile_text, _long_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(hostile_text, _long_text), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(_json_values)
def test_visible_json_caps_every_string_as_a_capped_copy_would(value: object) -> None:
    # The text is written without copying the value when no string is over the cap.
    expected = encode(capped_data(value), sort_keys=True)
    assert visible_json(value) == "\n".join(visible(line) for line in expected.split("\n"))


def _rendered_markdown_text(markdown: str) -> str:
    """What a CommonMark renderer shows for one inline: backslash escapes and entities undone.

    Good enough for text that `markdown_text` produced, which has no constructs left in it.
    """
    out = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@given(hostile_text)
def test_markdown_text_has_no_markup_left_and_renders_as_the_text(text: str) -> None:
    out = markdown_text(text)
    # No unescaped metacharacter opens emphasis, a link, code, HTML or a table cell.
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", out)
    assert not re.search(r"[\[\]*_`|<>~]", unescaped)
    assert not re.search(r"(?i)[a-z]://", unescaped)
    assert "\n" not in out
    assert _rendered_markdown_text(out) == shown(text)


def test_markdown_text_defuses_links_emphasis_and_html() -> None:
    out = markdown_text("[Click](https://evil.example) **B** <b>x</b> a|b www.evil.example")
    assert out == (
        "\\[Click\\](https\\://evil.example) \\*\\*B\\*\\* &lt;b&gt;x&lt;/b&gt; a\\|b www\\.evil.example"
    )


def test_markdown_text_keeps_the_code_spans_of_messages() -> None:
    out = markdown_text("Run `az x --a|b <c>` on **mlw**", code_spans=True)
    assert out == "Run `az x --a\\|b <c>` on \\*\\*mlw\\*\\*"


def test_markdown_text_cannot_open_a_block_in_a_list_item() -> None:
    assert markdown_text("# heading", table=False) == "\\# heading"
    assert markdown_text("- item", table=False) == "\\- item"
    assert markdown_text("1. item", table=False) == "1\\. item"
    assert markdown_text("1. item") == "1. item"  # in a table cell it opens nothing


@given(hostile_text)
def test_markdown_code_is_one_span_holding_the_text(text: str) -> None:
    out = markdown_code(text, table_safe=False)
    fence = re.match("`+", out)
    assert fence is not None
    body = out[fence.end() : len(out) - fence.end()]
    assert out.endswith(fence.group())
    assert fence.group() not in body  # nothing inside closes the span early
    assert body.strip(" ") == shown(text).strip(" ") or body == f" {shown(text)} "


def test_markdown_code_escapes_pipes_for_tables() -> None:
    assert markdown_code("a|b") == "`a\\|b`"
    assert markdown_code("a`b") == "``a`b``"


@given(hostile_text)
def test_sarif_message_has_no_embedded_link(text: str) -> None:
    out = sarif_message(text)
    # SARIF §3.11.6: a link is `[text](target)` with unescaped brackets.
    unescaped = re.sub(r"\\[\\\[\]]", "", out)
    assert "[" not in unescaped and "]" not in unescaped
    assert not _ACTIVE.search(out)


def test_sarif_message_escapes_brackets() -> None:
    assert sarif_message("[Click](https://evil.example)") == "\\[Click\\](https://evil.example)"


@given(st.text(alphabet="./%2Ea", max_size=8))
def test_uri_segment_is_never_a_dot_segment(segment: str) -> None:
    out = uri_segment(segment)
    assert out not in {"", ".", ".."}
    assert not re.fullmatch(r"\.+", out)


def test_uri_segment_shortens_long_segments_without_breaking_an_escape() -> None:
    out = uri_segment("%2A" * 300)
    assert len(out) <= 200
    assert re.fullmatch(r"(%2A)*~[0-9a-f]{16}", out)
    assert uri_segment("%2A" * 300) == out  # stable
    assert uri_segment("%2A" * 301) != out  # still unique


def test_no_format_character_category_survives() -> None:
    # Every character Unicode calls a control (Cc) is escaped.
    controls = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc")
    assert not any(unicodedata.category(ch) == "Cc" for ch in visible(controls))


def test_junit_style_xml_accepts_visible_text() -> None:
    element = ET.Element("x", {"v": visible("a\x00\x1b\ufffe\ud800")})
    ET.fromstring(ET.tostring(element, encoding="unicode"))
