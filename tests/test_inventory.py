"""The inventory loader: accepted shapes and encodings, folders, duplicates, and one-line input errors."""

from __future__ import annotations

import codecs
import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import InputError
from auditor.inventory import Inventory, load_inventory

WS_TYPE = "Microsoft.MachineLearningServices/workspaces"


def resource(name: str, rtype: str = WS_TYPE, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/s1/resourceGroups/rg/providers/{rtype}/{name}",
        "name": name,
        "type": rtype,
        **extra,
    }


def write(path: Path, content: Any, encoding: str = "utf-8") -> Path:
    """Write `content` (JSON-dumped unless already str or bytes) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        text = content if isinstance(content, str) else json.dumps(content)
        path.write_bytes(text.encode(encoding))
    return path


def jsonl(*items: Any) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


def input_error(*paths: Path | str) -> str:
    """Load and return the InputError's text, checking it is one line naming the first path."""
    with pytest.raises(InputError) as caught:
        load_inventory([str(path) for path in paths])
    text = str(caught.value)
    assert "\n" not in text and "\r" not in text
    assert len(text.splitlines()) == 1
    assert str(paths[0]) in text
    return text


# Accepted shapes


def test_array_of_resources(tmp_path: Path) -> None:
    resources = [resource("a"), resource("b", properties={"publicNetworkAccess": "Disabled"})]
    path = write(tmp_path / "inv.json", resources)

    inventory = load_inventory([str(path)])

    assert inventory == Inventory(resources=resources, inputs=[str(path)])


def test_resources_wrapper(tmp_path: Path) -> None:
    path = write(tmp_path / "inv.json", {"resources": [resource("a")]})

    inventory = load_inventory([str(path)])

    assert inventory.resources == [resource("a")]
    assert inventory.errors == [] and inventory.meta == {}


def test_snapshot_carries_errors_and_metadata(tmp_path: Path) -> None:
    error = {
        "scope": "/subscriptions/s2",
        "status": 403,
        "code": "AuthorizationFailed",
        "message": "no access",
        "resource_types": ["Microsoft.Network/privateEndpoints"],
    }
    meta = {
        "collected_at": "2026-11-28T10:00:00Z",
        "tool": {"name": "amlaudit", "version": "0.1.0"},
        "cloud": "AzureCloud",
        "tenant": "t1",
        "subscriptions": ["s1", "s2"],
        "api_versions": {"Microsoft.MachineLearningServices": "2025-12-01"},
    }
    snapshot = {"schema_version": 1, **meta, "resources": [resource("a")], "errors": [error]}
    path = write(tmp_path / "snapshot.json", snapshot)

    inventory = load_inventory([str(path)])

    assert inventory.resources == [resource("a")]
    assert inventory.errors == [error]
    assert inventory.meta == meta


def test_errors_concatenate_and_meta_comes_from_the_last_snapshot_that_has_it(tmp_path: Path) -> None:
    first = write(
        tmp_path / "1.json",
        {"cloud": "AzureCloud", "tenant": "t1", "resources": [resource("a")], "errors": [{"code": "A"}]},
    )
    second = write(
        tmp_path / "2.json",
        {"cloud": "AzureUSGovernment", "resources": [resource("b")], "errors": [{"code": "B"}]},
    )
    plain = write(tmp_path / "3.json", {"resources": [resource("c")]})

    inventory = load_inventory([str(first), str(second), str(plain)])

    assert inventory.errors == [{"code": "A"}, {"code": "B"}]
    assert inventory.meta == {"cloud": "AzureUSGovernment"}


def test_arm_list_page_ignores_next_link(tmp_path: Path) -> None:
    page = {"value": [resource("a")], "nextLink": "https://management.azure.com/next?$skipToken=x"}
    path = write(tmp_path / "page.json", page)

    assert load_inventory([str(path)]).resources == [resource("a")]


def test_resource_graph_answer_keeps_lower_case_types_and_extra_columns(tmp_path: Path) -> None:
    row = {
        "id": "/subscriptions/s1/resourcegroups/rg/providers/microsoft.machinelearningservices/workspaces/w",
        "type": "microsoft.machinelearningservices/workspaces",
        "kind": "Default",
        "subscriptionId": "s1",
        "resourceGroup": "rg",
        "tenantId": "t1",
        "properties": {},
    }
    answer = {"count": 1, "data": [row], "skip_token": None, "total_records": 1}
    path = write(tmp_path / "arg.json", answer)

    inventory = load_inventory([str(path)])

    assert inventory.resources == [row]
    assert inventory.resources[0]["type"] == "microsoft.machinelearningservices/workspaces"


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".JSONL"])
def test_json_lines_skip_blank_lines(tmp_path: Path, suffix: str) -> None:
    text = "\n" + json.dumps(resource("a")) + "\r\n  \t\r\n" + json.dumps(resource("b"))
    path = write(tmp_path / f"inv{suffix}", text)

    assert load_inventory([str(path)]).resources == [resource("a"), resource("b")]


def test_json_lines_keep_line_separators_inside_strings(tmp_path: Path) -> None:
    # U+2028 is legal raw inside a JSON string; it must not split the line.
    tagged = resource("a", tags={"note": "one\u2028two\x85three"})
    path = write(tmp_path / "inv.jsonl", json.dumps(tagged, ensure_ascii=False) + "\n")

    assert load_inventory([str(path)]).resources == [tagged]


def test_child_resources_are_kept_as_given(tmp_path: Path) -> None:
    vnet = resource(
        "v",
        "Microsoft.Network/virtualNetworks",
        properties={"subnets": [{"id": "/x/subnets/s", "name": "s", "properties": {}}]},
    )
    subnet = resource("v/subnets/s2", "Microsoft.Network/virtualNetworks/subnets", properties={})
    path = write(tmp_path / "inv.json", [vnet, subnet])

    assert load_inventory([str(path)]).resources == [vnet, subnet]


# Encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_encodings_with_bom(tmp_path: Path, encoding: str, suffix: str) -> None:
    resources = [resource("é"), resource("ß", tags={"owner": "Zoë 🙂"})]
    text = json.dumps(resources, ensure_ascii=False) if suffix == ".json" else jsonl(*resources)
    path = write(tmp_path / f"inv{suffix}", text, encoding)

    assert load_inventory([str(path)]).resources == resources


@pytest.mark.parametrize(
    ("bom", "encoding"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_utf16_both_byte_orders(tmp_path: Path, bom: bytes, encoding: str) -> None:
    # PowerShell's `>` writes UTF-16 LE with BOM.
    path = write(tmp_path / "inv.json", bom + json.dumps([resource("a")]).encode(encoding))

    assert load_inventory([str(path)]).resources == [resource("a")]


@pytest.mark.parametrize(
    "content",
    [
        b'[{"id": "/a", "type": "t", "name": "\x80"}]',
        codecs.BOM_UTF16_LE + b"[\x00]",  # odd byte count
        codecs.BOM_UTF16_LE + "[]".encode("utf-16-le") + b"\x00\xdc",  # lone surrogate
        json.dumps([resource("a")]).encode("utf-16-le"),  # UTF-16 without BOM
        codecs.BOM_UTF32_LE + json.dumps([resource("a")]).encode("utf-32-le"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
)
def test_undecodable_text(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "inv.json", content)

    assert "not UTF-8 or UTF-16 text" in input_error(path)


# Files and folders


def test_folder_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    root = tmp_path / "snap"
    write(root / "b.json", [resource("b")])
    write(root / "a" / "z.jsonl", jsonl(resource("a-z")))
    write(root / "a" / "deep" / "x.ndjson", jsonl(resource("a-deep-x")))
    write(root / "a-b.json", [resource("a-b")])
    write(root / "C.JSON", [resource("C")])
    write(root / "notes.txt", "not an inventory")
    write(root / "a" / "README.md", "# nope")
    (root / "empty").mkdir()

    inventory = load_inventory([str(root)])

    names = [item["name"] for item in inventory.resources]
    assert names == ["C", "a-deep-x", "a-z", "a-b", "b"]
    assert inventory.inputs == [str(root)]


def test_paths_load_in_the_order_given(tmp_path: Path) -> None:
    first = write(tmp_path / "z.json", [resource("z")])
    folder = tmp_path / "dir"
    write(folder / "m.json", [resource("m")])
    last = write(tmp_path / "a.json", [resource("a")])

    inventory = load_inventory([str(first), str(folder), str(last)])

    assert [item["name"] for item in inventory.resources] == ["z", "m", "a"]
    assert inventory.inputs == [str(first), str(folder), str(last)]


def test_explicit_file_with_another_suffix_is_one_json_document(tmp_path: Path) -> None:
    path = write(tmp_path / "inventory.txt", [resource("a")])

    assert load_inventory([str(path)]).resources == [resource("a")]


def test_folder_without_inventory_files_contributes_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    path = write(tmp_path / "inv.json", [resource("a")])

    assert load_inventory([str(tmp_path / "empty"), str(path)]).resources == [resource("a")]


def test_missing_path(tmp_path: Path) -> None:
    assert "no such file or directory" in input_error(tmp_path / "nope.json")


def test_unreadable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "snap" / "locked"
    write(locked / "a.json", [resource("a")])
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        # Tests may run as root, which chmod cannot lock out.
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    text = input_error(tmp_path / "snap")

    assert f"{locked}: cannot read folder: Permission denied" in text


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: write(tmp / "inv.json", []),
        lambda tmp: write(tmp / "inv.json", {"value": []}),
        lambda tmp: write(tmp / "inv.jsonl", "\n\n"),
        lambda tmp: (tmp / "dir").mkdir() or tmp / "dir",
    ],
)
def test_empty_inventory(tmp_path: Path, make: Any) -> None:
    assert "empty inventory" in input_error(make(tmp_path))


def test_empty_inventory_mentions_collection_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "snapshot.json", {"resources": [], "errors": [{"code": "A"}, {"code": "B"}]})

    assert "2 collection errors" in input_error(path)


def test_empty_inventory_names_every_input(tmp_path: Path) -> None:
    one = write(tmp_path / "one.json", [])
    two = write(tmp_path / "two.json", {"data": []})

    text = input_error(one, two)

    assert str(two) in text


# Malformed input


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[{"id": "/a", "type": "t",}]', "line 1 column 27: malformed JSON"),
        ('[\n  {"id": "/a",\n   "type": "t"\n  }\n  {"id": "/b"}\n]', "line 5 column 3: malformed JSON"),
        ('[{"id": "/a", "type": "t"}', "(truncated?)"),
        ('{"resources": [{"id": "/a", "ty', "malformed JSON"),
        ("", "line 1 column 1: malformed JSON"),
        ('[{"id": "/a", "type": "t", "properties": {"x": NaN}}]', "NaN"),
        ('[{"id": "/a", "type": "t", "properties": {"x": -Infinity}}]', "-Infinity"),
        ("[" + "1" * 5000 + "]", "malformed JSON"),
        ('[{"id": "/a", "type": "t"}] [{"id": "/b", "type": "t"}]', "Extra data"),
        ('"resources"', "the top-level JSON value is a string"),
        ("42", "the top-level JSON value is a number"),
        ("null", "the top-level JSON value is null"),
        ("true", "the top-level JSON value is a boolean"),
        ('{"items": []}', "unknown top-level shape"),
        ('{"id": "/a", "type": "t", "properties": {}}', "unknown top-level shape"),
        ('{"resources": {"id": "/a", "type": "t"}}', '"resources" must be an array, got an object'),
        ('{"value": null}', '"value" must be an array, got null'),
        ('{"data": {"columns": [], "rows": []}}', '"data" must be an array, got an object'),
        ('{"value": [], "data": []}', 'ambiguous top-level shape: an object with both "value" and "data"'),
        ('{"resources": [], "errors": {}}', '"errors" must be an array, got an object'),
        ('{"resources": [], "errors": [{}, "denied"]}', "error #1: must be an object, got a string"),
        ('[{"id": "/a", "type": "t"}, 3]', "resource #1: must be an object, got a number"),
        ('[{"id": "/a", "type": "t"}, []]', "resource #1: must be an object, got an array"),
        ('[{"type": "t"}]', 'resource #0: no "id"'),
        ('[{"id": 7, "type": "t"}]', 'resource #0: "id" must be a string, got a number'),
        ('[{"id": null, "type": "t"}]', 'resource #0: "id" must be a string, got null'),
        ('[{"id": "", "type": "t"}]', 'resource #0: "id" is empty'),
        ('{"value": [{"id": "/a"}]}', 'resource #0: no "type"'),
        ('{"data": [{"id": "/a", "type": ["t"]}]}', 'resource #0: "type" must be a string, got an array'),
        ('[{"id": "/a", "type": "t", "properties": []}]', '"properties" must be an object, got an array'),
        ('[{"id": "/a", "type": "t", "properties": null}]', '"properties" must be an object, got null'),
        (
            '[{"id": "/a", "type": "t"}, {"id": "/b", "type": "t"}, {"id": "/c", "type": "t"}, {"id": 3}]',
            'resource #3: "id" must be a string',
        ),
    ],
)
def test_malformed_json_document(tmp_path: Path, content: str, expected: str) -> None:
    path = write(tmp_path / "inv.json", content)

    text = input_error(path)

    assert text.startswith(f"{path}: ")
    assert expected in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (jsonl(resource("a")) + "\n" + '{"id": "/b", "type": }\n', "line 3 column 22: malformed JSON"),
        (jsonl(resource("a")) + '{"id": "/b", "type": "t"', "line 2 column 25: malformed JSON"),
        (jsonl(resource("a"), [resource("b")]), "line 2: must be an object, got an array"),
        (jsonl(resource("a"), {"resources": [resource("b")]}), 'line 2: no "id"'),
        ("\n\n" + jsonl({"id": "/a", "type": None}), 'line 3: "type" must be a string, got null'),
        (jsonl(resource("a")) + "[" * 10_000 + "\n", "line 2: JSON nested too deeply"),
        ("\u00a0\n" + jsonl(resource("a")), "line 1 column 1: malformed JSON"),
    ],
)
def test_malformed_json_lines(tmp_path: Path, content: str, expected: str) -> None:
    path = write(tmp_path / "inv.jsonl", content)

    assert expected in input_error(path)


def test_json_file_holds_one_document_not_json_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "inv.json", jsonl(resource("a"), resource("b")))

    assert "line 2 column 1: malformed JSON: Extra data" in input_error(path)


@pytest.mark.parametrize(
    "content",
    [
        "[" * 10_000,
        "[" * 10_000 + "]" * 10_000,
        '{"a": ' * 10_000,
        '[{"id": "/a", "type": "t", "properties": ' + '{"p": ' * 10_000 + "1" + "}" * 10_001 + "]",
    ],
)
def test_deep_nesting_is_an_input_error(tmp_path: Path, content: str) -> None:
    path = write(tmp_path / "deep.json", content)

    assert "nested too deeply" in input_error(path)


def test_nesting_that_parses_loads_without_recursion(tmp_path: Path) -> None:
    properties: dict[str, Any] = {}
    for _ in range(200):
        properties = {"p": properties}
    path = write(tmp_path / "inv.json", [resource("a", properties=properties)])

    assert load_inventory([str(path)]).resources[0]["properties"] == properties


def test_error_message_stays_one_line_for_odd_file_names(tmp_path: Path) -> None:
    path = write(tmp_path / "two\nlines.json", "42")

    text = str(pytest.raises(InputError, load_inventory, [str(path)]).value)

    assert len(text.splitlines()) == 1
    assert "lines.json" in text


# Duplicates and determinism


def test_duplicate_ids_case_insensitive_later_wins(tmp_path: Path) -> None:
    old = resource("w", properties={"publicNetworkAccess": "Enabled"})
    new = {**old, "id": old["id"].upper(), "properties": {"publicNetworkAccess": "Disabled"}}
    first = write(tmp_path / "1.json", [old, resource("x")])
    second = write(tmp_path / "2.jsonl", jsonl(resource("y"), new))

    inventory = load_inventory([str(first), str(second)])

    assert inventory.resources == [resource("x"), resource("y"), new]
    [warning] = inventory.warnings
    assert json.dumps(new["id"]) in warning
    assert f"{first} resource #0" in warning and f"{second} line 2" in warning
    assert len(warning.splitlines()) == 1


def test_duplicate_ids_within_one_file(tmp_path: Path) -> None:
    first, second, third = (resource("w", tags={"n": n}) for n in (1, 2, 3))
    path = write(tmp_path / "inv.json", [first, resource("x"), second, third])

    inventory = load_inventory([str(path)])

    assert inventory.resources == [resource("x"), third]
    assert len(inventory.warnings) == 2
    assert "resource #0" in inventory.warnings[0] and "resource #2" in inventory.warnings[0]
    assert "resource #2" in inventory.warnings[1] and "resource #3" in inventory.warnings[1]


def test_loading_is_deterministic(tmp_path: Path) -> None:
    root = tmp_path / "snap"
    for index in range(20):
        write(root / f"sub{index % 3}" / f"f{index}.json", [resource(f"r{index % 7}", tags={"i": index})])

    assert load_inventory([str(root)]) == load_inventory([str(root)])


# InputError itself


def test_input_error_is_one_line_and_pickles() -> None:
    err = InputError("bad\nthing", "dir/inv.json")

    assert str(err) == "dir/inv.json: bad thing"
    assert str(InputError("no inventory given")) == "no inventory given"
    assert str(pickle.loads(pickle.dumps(err))) == str(err)


# Property: any valid resources survive any accepted wrapper and encoding


_JSON_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
    max_leaves=8,
)
_RESOURCES = st.lists(
    st.fixed_dictionaries(
        {"id": st.text(min_size=1), "type": st.text(min_size=1)},
        optional={
            "properties": st.dictionaries(st.text(), _JSON_VALUES, max_size=3),
            "location": st.text(),
            "tags": st.dictionaries(st.text(), st.text(), max_size=2),
        },
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda item: str(item["id"]).lower(),
)
_WRAPPERS: dict[str, Callable[[list[dict[str, Any]]], Any]] = {
    "array": lambda items: items,
    "resources": lambda items: {"schema_version": 1, "resources": items, "errors": []},
    "value": lambda items: {"value": items, "nextLink": None},
    "data": lambda items: {"count": len(items), "data": items},
}


@settings(max_examples=150, deadline=None)
@given(
    resources=_RESOURCES,
    shape=st.sampled_from([*_WRAPPERS, "jsonl"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom"]),
    ascii_only=st.booleans(),
)
def test_valid_resources_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    resources: list[dict[str, Any]],
    shape: str,
    encoding: str,
    ascii_only: bool,
) -> None:
    if shape == "jsonl":
        path = tmp_path_factory.mktemp("prop") / "inv.jsonl"
        text = "".join(json.dumps(item, ensure_ascii=ascii_only) + "\n" for item in resources)
    else:
        path = tmp_path_factory.mktemp("prop") / "inv.json"
        text = json.dumps(_WRAPPERS[shape](resources), ensure_ascii=ascii_only, indent=1)
    if encoding == "utf-16-be-bom":
        write(path, codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    else:
        write(path, text, encoding)

    inventory = load_inventory([str(path)])

    assert inventory.resources == resources
    assert inventory.warnings == []
