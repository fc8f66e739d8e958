"""The streamed JSON writer writes what `json.dumps(indent=2, ensure_ascii=False)` writes, always."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.reporters.jsonwriter import Streamed, StreamedObject, json_chunks

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson refuses those
    | st.floats()  # NaN, infinities and tiny floats, which orjson spells differently
    | st.text()  # lone surrogates and control characters included
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5) | st.integers(-5, 5), inner, max_size=4),
    max_leaves=20,
)


def _stdlib(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _streamed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its list values streamed, nested objects too, as the reports stream."""
    return StreamedObject(
        {
            key: Streamed(iter(value))
            if isinstance(value, list)
            else _streamed(value)
            if isinstance(value, dict) and all(isinstance(k, str) for k in value)
            else value
            for key, value in document.items()
        }
    )


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=5), VALUES, max_size=5))
def test_streamed_document_equals_the_stdlib(document: dict[str, Any]) -> None:
    assert "".join(json_chunks(_streamed(document))) == _stdlib(document)


@given(VALUES)
def test_any_value_equals_the_stdlib(value: Any) -> None:
    assert "".join(json_chunks(value)) == _stdlib(value)


def test_values_orjson_spells_differently_are_written_as_the_stdlib_does() -> None:
    document = {"tiny": 1e-7, "nan": float("nan"), "big": 2**70, "keys": {1: "one"}, "lone": "\ud800"}
    streamed = StreamedObject({"results": Streamed([document, document])})
    assert "".join(json_chunks(streamed)) == _stdlib({"results": [document] * 2})


def test_empty_streams_are_empty_arrays() -> None:
    streamed = StreamedObject({"a": Streamed(iter(())), "b": StreamedObject({"c": Streamed([])})})
    assert "".join(json_chunks(streamed)) == _stdlib({"a": [], "b": {"c": []}})
