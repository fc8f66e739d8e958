"""Load the ARM resources to audit from inventory files and folders.

Accepted per file: a JSON array of resources, `{"resources": [...]}` (amlaudit's snapshot, whose
`errors` and metadata are kept), an ARM list page `{"value": [...]}`, a Resource Graph answer
`{"data": [...]}`, or JSON Lines (`.jsonl`, `.ndjson`: one resource per line). Text is UTF-8, with
or without BOM, or UTF-16 with BOM. Resources are only validated and collected: child resources
stay embedded or standalone as given, and types keep their casing (the topology compares ids and
types case-insensitively). Locations in messages are 0-based array indexes and 1-based lines.
"""

from __future__ import annotations

import codecs
import gc
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import InputError

_JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
_SUFFIXES = (".json", *_JSON_LINES_SUFFIXES)
# The keys an inventory file may wrap its array of resources in (reportfile tells one from a report).
INVENTORY_WRAPPERS = ("resources", "value", "data")
_META_KEYS = ("cloud", "tenant", "subscriptions", "collected_at", "api_versions", "tool")
_SHAPES = 'expected an array of resources or an object with "resources", "value" or "data"'
# JSON's own whitespace: str.strip() would also eat e.g. U+00A0, which json.loads rejects.
_JSON_WHITESPACE = " \t\r"
# UTF-16 is told apart by its BOM alone; without one, its text decodes as UTF-8 full of NULs.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NOT_TEXT = "not UTF-8 or UTF-16 text (UTF-16 needs a byte-order mark)"


@dataclass
class Inventory:
    """Everything the input files hold, ready for the topology."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)


def load_inventory(paths: Sequence[str]) -> Inventory:
    """Read every file (folders recursively, in sorted order); raise `InputError` on bad input."""
    inventory = Inventory(inputs=list(paths))
    # Lower-cased id -> (resource, where it came from); re-inserting a duplicate moves it to the end.
    seen: dict[str, tuple[dict[str, Any], str]] = {}
    with gc_paused():
        for path in paths:
            for file in _files(path):
                _load_file(file, inventory, seen)
    return _finish(inventory, seen, ", ".join(paths))


def inventory_from_snapshot(snapshot: Any, source: str) -> Inventory:
    """An inventory from a snapshot already in memory (a live collection), checked like a file."""
    inventory = Inventory(inputs=[source])
    seen: dict[str, tuple[dict[str, Any], str]] = {}
    items = _unwrap(snapshot, source, inventory)
    _ingest(((f"resource #{index}", item) for index, item in enumerate(items)), source, inventory, seen)
    return _finish(inventory, seen, source)


def _finish(inventory: Inventory, seen: dict[str, tuple[dict[str, Any], str]], where: str) -> Inventory:
    if not seen:
        problem = "empty inventory: no resources found"
        if inventory.errors:
            problem += f" ({len(inventory.errors)} collection errors recorded)"
        raise InputError(problem, where or None)
    inventory.resources = [resource for resource, _ in seen.values()]
    return inventory


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large, acyclic, long-lived structure.

    Parsing and scanning allocate millions of containers that all survive and form no cycle, yet
    each time the heap grows by a quarter a full collection walks all of it again: on a 150 MB
    inventory that was 2 of the 3 seconds of loading, and a third of the scan. Cycles made in
    the meantime are collected as soon as the collector resumes.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if not _paused_until_exit:
            gc.enable()


_paused_until_exit = False


def keep_gc_paused_until_exit() -> None:
    """Leave the collector paused once a `gc_paused` block has paused it: for a process that ends
    when its command returns (the console entry point), where resuming it would walk the whole
    heap once more, seconds on a large inventory, just before the process exits."""
    global _paused_until_exit
    _paused_until_exit = True


def _files(path: str) -> list[str]:
    if os.path.isdir(path):
        return _folder_files(path)
    if not os.path.exists(path):
        raise InputError("no such file or directory", path)
    return [path]


def _folder_files(folder: str) -> list[str]:
    found: dict[tuple[str, ...], str] = {}
    # Without onerror, os.walk skips unreadable folders silently: the audit would miss resources.
    for directory, _, names in os.walk(folder, onerror=_walk_error):
        relative = Path(directory).relative_to(folder).parts
        for name in names:
            if name.lower().endswith(_SUFFIXES):
                found[(*relative, name)] = os.path.join(directory, name)
    return [found[key] for key in sorted(found)]


def _walk_error(err: OSError) -> None:
    raise InputError(f"cannot read folder: {err.strerror}", err.filename)


def _load_file(path: str, inventory: Inventory, seen: dict[str, tuple[dict[str, Any], str]]) -> None:
    # The text is never bound here, so a large file's text is freed as soon as it is parsed.
    entries: Iterable[tuple[str, Any]]
    if path.lower().endswith(_JSON_LINES_SUFFIXES):
        entries = _json_lines(_read_text(path), path)
    else:
        items = _unwrap(_parse(_read_text(path), path), path, inventory)
        entries = ((f"resource #{index}", item) for index, item in enumerate(items))
    _ingest(entries, path, inventory, seen)


def _ingest(
    entries: Iterable[tuple[str, Any]], path: str, inventory: Inventory, seen: dict[str, tuple[dict[str, Any], str]]
) -> None:
    for where, resource in entries:
        problem = _resource_problem(resource)
        if problem is not None:
            raise InputError(f"{where}: {problem}", path)
        key, origin = resource["id"].lower(), f"{path} {where}"
        earlier = seen.pop(key, None)
        if earlier is not None:
            inventory.warnings.append(
                f"duplicate id {json.dumps(resource['id'])}: {earlier[1]} is replaced by {origin} (the later one wins)"
            )
        seen[key] = (resource, origin)


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path) from None
    bom, encoding = next(((bom, enc) for bom, enc in _BOMS if data.startswith(bom)), (b"", "utf-8"))
    text: str | None
    try:
        # A memoryview skips the BOM without copying a file that may be 100+ MB.
        text = str(memoryview(data)[len(bom) :], encoding)
    except UnicodeDecodeError:
        text = None
    # No JSON text holds a raw NUL: one means UTF-16 without BOM, UTF-32 or a binary file.
    if text is None or "\x00" in text:
        raise InputError(_NOT_TEXT, path)
    return text


def _json_lines(text: str, path: str) -> Iterator[tuple[str, Any]]:
    # Split on "\n" only: str.splitlines() would also split at U+2028 etc., legal inside JSON strings.
    start, number = 0, 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        number += 1
        line = text[start:end]
        start = end + 1
        if line.strip(_JSON_WHITESPACE):
            yield f"line {number}", _parse(line, path, number)


def _parse(text: str, path: str, line: int | None = None) -> Any:
    where = "" if line is None else f"line {line}: "
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        where = f"line {line or err.lineno} column {err.colno}: "
        problem = f"malformed JSON: {err.msg}" + (" (truncated?)" if err.pos >= len(err.doc) else "")
    except RecursionError:
        problem = "JSON nested too deeply"
    except ValueError as err:
        problem = f"malformed JSON: {err}"
    # Raised outside the handlers so the error does not chain to one that holds the whole text.
    raise InputError(where + problem, path)


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN and Infinity, which are not JSON and which no JSON report could echo.
    raise ValueError(f"{name} is not a JSON value")


def _unwrap(document: Any, path: str, inventory: Inventory) -> list[Any]:
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise InputError(f"the top-level JSON value is {_kind(document)}; {_SHAPES}", path)
    keys = [key for key in INVENTORY_WRAPPERS if key in document]
    if not keys:
        raise InputError(f"unknown top-level shape; {_SHAPES}", path)
    if len(keys) > 1:
        named = " and ".join(f'"{key}"' for key in keys)
        raise InputError(f"ambiguous top-level shape: an object with both {named}", path)
    items = document[keys[0]]
    if not isinstance(items, list):
        raise InputError(f'"{keys[0]}" must be an array, got {_kind(items)}', path)
    if keys[0] == "resources":
        _take_snapshot_extras(document, path, inventory)
    return items


def _take_snapshot_extras(document: dict[str, Any], path: str, inventory: Inventory) -> None:
    if "errors" in document:
        errors = document["errors"]
        if not isinstance(errors, list):
            raise InputError(f'"errors" must be an array, got {_kind(errors)}', path)
        for index, error in enumerate(errors):
            if not isinstance(error, dict):
                raise InputError(f"error #{index}: must be an object, got {_kind(error)}", path)
        inventory.errors.extend(errors)
    meta = {key: document[key] for key in _META_KEYS if key in document}
    if meta:
        inventory.meta = meta


def _resource_problem(resource: Any) -> str | None:
    if not isinstance(resource, dict):
        return f"must be an object, got {_kind(resource)}"
    for key in ("id", "type"):
        if key not in resource:
            return f'no "{key}"'
        value = resource[key]
        if not isinstance(value, str):
            return f'"{key}" must be a string, got {_kind(value)}'
        if not value:
            return f'"{key}" is empty'
    if "properties" in resource and not isinstance(resource["properties"], dict):
        return f'"properties" must be an object, got {_kind(resource["properties"])}'
    return None


def _kind(value: Any) -> str:
    # Names the JSON type, never the value: a value may be huge or deeply nested.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
