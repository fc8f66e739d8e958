"""Reading a JSON report back in, for `merge` and `--baseline`: it must be one before it is trusted."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.inventory import INVENTORY_WRAPPERS
from auditor.model import Severity, Status
from auditor.reporters.jsonreport import SCHEMA_VERSION

# What merging, baselining and every reporter read; a report lacking one was not written by amlaudit.
REPORT_KEYS: tuple[tuple[str, type], ...] = (
    ("tool", dict),
    ("generated_at", str),
    ("inputs", list),
    ("workspaces", list),
    ("results", list),
    ("collection_errors", list),
    ("summary", dict),
)
RESULT_KEYS = ("rule_id", "workspace_id", "resource_id", "fingerprint")

Source = str | os.PathLike[str]


def load_report(path: Source) -> dict[str, Any]:
    """The JSON report at `path`, checked by `check_report`; InputError names the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the report: {exc}", path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", path) from None
    return check_report(data, path)


def check_report(data: object, source: Source) -> dict[str, Any]:
    """`data` itself when it has the shape of a JSON report of this schema version, else InputError."""
    if _is_inventory(data):
        raise InputError(
            "this is a snapshot, not a report: give the JSON report of a scan (amlaudit scan --format json)", source
        )
    if not isinstance(data, dict):
        raise InputError("not an amlaudit JSON report: the document is not an object", source)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"not an amlaudit JSON report of schema_version {SCHEMA_VERSION} "
            f"(schema_version is {data.get('schema_version')!r})",
            source,
        )
    for key, kind in REPORT_KEYS:
        if not isinstance(data.get(key), kind):
            raise InputError(f"not an amlaudit JSON report: '{key}' is missing or not a {kind.__name__}", source)
    for index, workspace in enumerate(data["workspaces"]):
        if not isinstance(workspace, dict) or not isinstance(workspace.get("id"), str):
            raise InputError(f"workspaces[{index}] has no 'id'", source)
    for index, result in enumerate(data["results"]):
        _check_result(result, f"results[{index}]", source)
    _check_sections(data, source)
    return data


def _is_inventory(data: object) -> bool:
    """An inventory in one of the shapes `scan --inventory` reads: resources, bare or wrapped."""
    if isinstance(data, dict):
        if "results" in data:
            return False
        data = next((data[key] for key in INVENTORY_WRAPPERS if isinstance(data.get(key), list)), None)
    return isinstance(data, list) and any(isinstance(item, dict) and "type" in item and "id" in item for item in data)


def _check_sections(data: dict[str, Any], source: Source) -> None:
    """The optional sections waivers and baselines add: lists of entries naming fingerprints."""
    sections = data.get("waivers", {})
    if not isinstance(sections, dict):
        raise InputError("'waivers' is not an object", source)
    entries = [(f"waivers.{key}", value) for key, value in sections.items()]
    if "fixed" in data:
        entries.append(("fixed", data["fixed"]))
    for where, value in entries:
        if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
            raise InputError(f"'{where}' is not a list of objects", source)
        for index, entry in enumerate(value):
            fingerprints = entry.get("fingerprints", [])
            if not isinstance(entry.get("fingerprint", ""), str) or not isinstance(fingerprints, list):
                raise InputError(f"{where}[{index}] has a malformed fingerprint", source)


def _check_result(result: object, where: str, source: Source) -> None:
    if not isinstance(result, dict):
        raise InputError(f"{where} is not an object", source)
    for key in RESULT_KEYS:
        if not isinstance(result.get(key), str) or not result[key]:
            raise InputError(f"{where}: '{key}' is missing or not a non-empty string", source)
    if result.get("status") not in {status.value for status in Status}:
        raise InputError(f"{where}: unknown status {result.get('status')!r}", source)
    if result.get("severity") not in {severity.value for severity in Severity}:
        raise InputError(f"{where}: unknown severity {result.get('severity')!r}", source)
