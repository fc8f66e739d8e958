"""JSON text with two-space indentation, written in pieces: the JSON and SARIF reports' encoder.

The output is byte for byte what `json.dumps(value, indent=2, ensure_ascii=False)` writes, but
orjson encodes each piece (a result, a workspace, ...) about ten times faster than the stdlib's
pure-Python indenting encoder, and no whole report is ever held as one string.

orjson and the stdlib differ on a few values: floats below 1e-4 (`1e-7` vs `1e-07`), NaN and
infinities (`null` vs `NaN`), integers beyond 64 bits, keys that are not strings and strings
holding lone surrogates. A piece holding any of them is written by the stdlib instead, so that
every report stays identical whatever an inventory holds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

_LARGEST = 2**63  # orjson's integers are 64-bit
_STRING_KEYS = {str}


class Streamed:
    """A JSON array whose items are encoded one at a time, from any iterable (a generator too)."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


class StreamedObject(dict[str, Any]):
    """A JSON object written key by key, for one that holds `Streamed` arrays (at any depth)."""


def json_chunks(value: Any, level: int = 0) -> Iterator[str]:
    """`value` as indented JSON text in pieces, as if it stood `level` levels deep.

    `Streamed` arrays and `StreamedObject`s are written item by item; everything else is encoded
    in one piece.
    """
    if isinstance(value, Streamed):
        yield from _array_chunks(value.items, level)
    elif isinstance(value, StreamedObject):
        yield from _object_chunks(value, level)
    else:
        yield encode(value, level)


def encode(value: Any, level: int = 0, sort_keys: bool = False) -> str:
    """One value as indented JSON text, its continuation lines indented for `level` levels.

    `sort_keys` as in `json.dumps`: orjson sorts by UTF-8 bytes, which is code point order too.
    """
    text = exact_text(value, sort_keys)
    if text is None:
        text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)
    # Strings never hold a raw newline in JSON text, so every newline is a line break of the layout.
    return text.replace("\n", "\n" + "  " * level) if level else text


def exact_text(value: Any, sort_keys: bool = False) -> str | None:
    """`value` as indented JSON text written by orjson, or None when orjson would not write it exactly
    as the stdlib does (see the module docstring). Where it is text, `value` holds only objects with
    string keys, arrays, strings, booleans, None and numbers: no tuple, no other type."""
    if not _orjson_exact(value):
        return None
    option = orjson.OPT_INDENT_2 | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        return orjson.dumps(value, option=option).decode()
    except orjson.JSONEncodeError:  # a lone surrogate, or a value nested too deep
        return None


def _array_chunks(items: Iterable[Any], level: int) -> Iterator[str]:
    inner = "\n" + "  " * (level + 1)
    first = True
    for item in items:
        yield ("[" if first else ",") + inner
        first = False
        yield from json_chunks(item, level + 1)
    yield "[]" if first else "\n" + "  " * level + "]"


def _object_chunks(value: dict[str, Any], level: int) -> Iterator[str]:
    if not value:
        yield "{}"
        return
    inner = "\n" + "  " * (level + 1)
    for index, (key, item) in enumerate(value.items()):
        yield ("{" if index == 0 else ",") + inner + encode(key) + ": "
        yield from json_chunks(item, level + 1)
    yield "\n" + "  " * level + "}"


def _orjson_exact(value: Any) -> bool:
    """Whether orjson writes `value` exactly as the stdlib does (see the module docstring).

    Loops rather than recursion through generators: this walks every value of every report.
    """
    kind = type(value)
    if kind is dict:
        return _exact_dict(value)
    if kind is list:
        return _exact_list(value)
    return _exact_scalar(value)


def _exact_dict(value: dict[Any, Any]) -> bool:
    return {*map(type, value)} <= _STRING_KEYS and _exact_list(value.values())


def _exact_list(values: Iterable[Any]) -> bool:
    for item in values:
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is dict:
            if not _exact_dict(item):
                return False
        elif kind is list:
            if not _exact_list(item):
                return False
        elif not _exact_scalar(item):
            return False
    return True


def _exact_scalar(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -_LARGEST <= value < _LARGEST
    if kind is float:
        return value == 0.0 or (math.isfinite(value) and abs(value) >= 1e-4)
    # A str subclass (a StrEnum status) reads as its value in both; anything else (tuples, int
    # subclasses, other types) the stdlib writes, or refuses, as it always did.
    return isinstance(value, str)
