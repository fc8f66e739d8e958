"""What decided a result, and for an unknown one what is missing and how to provide it.

Both are read from the result's evidence, which every rule writes the same way: property paths and
the values they had, `defaulted` for the values assumed where a property was absent (catalogue §1)
and `missing` for the data whose absence left the result unknown. Nothing is judged again here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from auditor.arm import lid, name_of, segments

# Evidence keys that are not property values: what an unknown result lacks, and assumed defaults.
_NOT_VALUES = frozenset({"missing", "undecided", "defaulted"})
# Evidence keys holding a table (a list of flat objects): shown as rows, never as `path = value`.
# AML-EGR-001's per-requirement verdicts, with the NSG rule, route and firewall rule that decided each.
_TABLES = frozenset({"requirements"})
REQUIREMENT_COLUMNS = (
    ("requirement", "Req"),
    ("verdict", "Verdict"),
    ("flow", "Flow"),
    ("nsg_rule", "NSG rule"),
    ("route", "Route"),
    ("firewall_rule", "Firewall rule"),
)
# How many evidence entries, and items of one list, a human-readable report shows.
SHOWN_ENTRIES = 3
SHOWN_ITEMS = 3

_ARM_ID = re.compile(r"/subscriptions/[^\s,;'\"()]+", re.IGNORECASE)
# `collection error 403 AuthorizationFailed on <type> at <scope>: <message>` (topology._describe_error)
_COLLECTION_ERROR = re.compile(
    r"collection error(?: (?P<status>\d{3}))?(?: (?P<code>[^\s:]+))? on (?P<types>\S+) "
    r"at (?P<scope>every scope|[^\s:]+)"
)


def evidence_entries(evidence: Mapping[str, Any], short_ids: bool = False) -> list[str]:
    """`path = value` for the first `SHOWN_ENTRIES` values of the evidence, defaults marked.

    A value the rule assumed because the property was absent reads `path = Value (default)`;
    `short_ids` writes ARM ids as their names (Markdown, where rows must stay short).
    """
    defaults = _defaults(evidence)
    values = [(key, value) for key, value in evidence.items() if key not in _NOT_VALUES | _TABLES]
    shown = values[:SHOWN_ENTRIES]
    lines = []
    for key, value in shown:
        default = next((assumed for path, assumed in defaults.items() if _same_path(key, path)), None)
        if default is not None and value is None:
            lines.append(f"{key} = {default} (default: not set)")
        else:
            lines.append(f"{key} = {_compact(value, short_ids)}")
    # A default the rule assumed for a property it names differently (or for a whole sentence).
    lines += [
        f"{path} = {assumed} (default)" if assumed else f"{path} (default)"
        for path, assumed in defaults.items()
        if not any(_same_path(key, path) for key, _ in shown)
    ]
    if len(values) > SHOWN_ENTRIES:
        lines.append(f"(+{len(values) - SHOWN_ENTRIES} more in the JSON report)")
    return lines


def requirement_rows(evidence: Mapping[str, Any]) -> list[list[str]]:
    """The per-requirement table of the evidence (columns `REQUIREMENT_COLUMNS`), empty if it has none."""
    rows = evidence.get("requirements")
    if not isinstance(rows, list):
        return []
    return [[str(row.get(key, "—")) for key, _ in REQUIREMENT_COLUMNS] for row in rows if isinstance(row, dict)]


def requirement_lines(evidence: Mapping[str, Any]) -> list[str]:
    """The per-requirement table as one line per requirement, for reports without nested tables."""
    return [
        f"{req} {verdict}: {flow} · NSG {nsg} · route {route} · firewall {firewall}"
        for req, verdict, flow, nsg, route, firewall in requirement_rows(evidence)
    ]


def _defaults(evidence: Mapping[str, Any]) -> dict[str, str]:
    """`defaulted` entries (`path = value`, or a sentence) as {path: value}."""
    out = {}
    for entry in evidence.get("defaulted") or []:
        path, _, value = str(entry).partition(" = ")
        out[path] = value
    return out


def _same_path(key: str, path: str) -> bool:
    return key == path or key.endswith("." + path)


def _compact(value: Any, short_ids: bool) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return name_of(value) if short_ids and _ARM_ID.fullmatch(value) else value
    if isinstance(value, list):
        if not value:
            return "none"
        shown = ", ".join(_compact(item, short_ids) for item in value[:SHOWN_ITEMS])
        return shown + (f" (+{len(value) - SHOWN_ITEMS} more)" if len(value) > SHOWN_ITEMS else "")
    if isinstance(value, dict):
        if not value:
            return "none"
        items = list(value.items())
        shown = ", ".join(f"{_compact(k, short_ids)}: {_compact(v, short_ids)}" for k, v in items[:SHOWN_ITEMS])
        return shown + (f" (+{len(items) - SHOWN_ITEMS} more)" if len(items) > SHOWN_ITEMS else "")
    return json.dumps(value, ensure_ascii=False)


def missing_data(result: Mapping[str, Any]) -> list[str]:
    """What the inventory lacked for an unknown result, one entry per gap; empty if only the message says."""
    evidence = result.get("evidence") or {}
    undecided = evidence.get("undecided")
    if isinstance(undecided, dict):
        undecided = list(undecided.values())
    entries = _flat(evidence.get("missing")) + _flat(undecided)
    return list(dict.fromkeys(entries))


def _flat(value: Any) -> list[str]:
    if isinstance(value, list):
        return [entry for item in value for entry in _flat(item)]
    return [str(value)] if value else []


def how_to_decide(result: Mapping[str, Any]) -> list[str]:
    """How to give amlaudit what an unknown result lacks: one step per gap, duplicates merged.

    A refused or failed read comes first: the resources it hid are often the absent ones named
    after it. At most `SHOWN_ENTRIES` steps, then how many more there are.
    """
    workspace_subscription = _subscription(str(result.get("workspace_id", "")))
    gaps = missing_data(result) or [str(result.get("message", ""))]
    gaps.sort(key=lambda gap: _COLLECTION_ERROR.search(gap) is None)
    steps = list(dict.fromkeys(_step(gap, workspace_subscription) for gap in gaps))
    return first_few(steps)


def first_few(lines: list[str]) -> list[str]:
    """The first `SHOWN_ENTRIES` lines, then how many more the JSON report's evidence holds."""
    if len(lines) <= SHOWN_ENTRIES:
        return lines
    more = len(lines) - SHOWN_ENTRIES
    return [*lines[:SHOWN_ENTRIES], f"(+{more} more like these in the evidence of the JSON report)"]


def _step(gap: str, workspace_subscription: str | None) -> str:
    error = _COLLECTION_ERROR.search(gap)
    if error:
        what, scope = error["types"], error["scope"]
        if error["status"] in ("401", "403"):
            return f"grant the identity that scans Reader on {scope} (reading {what} was refused), then scan again"
        failure = " ".join(filter(None, (error["status"], error["code"]))) or "an error"
        return f"scan again once {what} can be read at {scope} (the last read ended in {failure})"
    ids = _ARM_ID.findall(gap)
    for resource_id in ids:
        subscription = _subscription(resource_id)
        if subscription and workspace_subscription and subscription != workspace_subscription:
            return (
                f"scan subscription {subscription} as well (`--subscription {subscription}`, or add its "
                f"inventory): it holds {name_of(resource_id)}"
            )
    if ids:
        resource_id = ids[0]
        group = _resource_group(resource_id)
        where = f"resource group {group}" if group else "its scope"
        return (
            f"include {name_of(resource_id)} in the inventory (collect {where} with Reader on it); "
            "if it was deleted, remove the reference to it"
        )
    if "compute" in gap:
        return "include the workspace's computes in the inventory (collect the workspace with Reader on it)"
    return "collect the resources named above with Reader on them, then scan again"


def _subscription(resource_id: str) -> str | None:
    parts = segments(resource_id)
    lower = [part.lower() for part in parts]
    if len(parts) > 1 and lower[0] == "subscriptions":
        return lid(parts[1])
    return None


def _resource_group(resource_id: str) -> str | None:
    parts = segments(resource_id)
    lower = [part.lower() for part in parts]
    return parts[3] if len(parts) > 3 and lower[2] == "resourcegroups" else None

