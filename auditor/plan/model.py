"""What a plan says about each ARM resource, whatever format it came in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["put", "delete", "keep", "unknown"]

# Evidence of an assumption amlaudit makes where a plan cannot tell (read-only fields).
ASSUMED_KEY = "amlauditAssumed"


@dataclass
class Change:
    """One resource of a plan: its predicted body (`put`), its removal, or why it is unknown."""

    resource_id: str
    resource_type: str
    action: Action
    body: dict[str, Any] | None = None
    reason: str | None = None
    # The mapped attributes of a resource Terraform updates in place: merged into the current body,
    # objects key by key, so that what the mapping does not read stays as it is. Full bodies (what-if,
    # azapi, a created or replaced azurerm resource) replace it.
    partial: bool = False


@dataclass
class Patch:
    """A resource that only sets part of another one (Terraform associations, separate rules).

    `mode` "set" writes `value` at `path` in the target; "append" adds it to the list there,
    replacing an entry of the same `name`; "remove" drops the entry named `value` from that list;
    "merge" merges the object `value` into the target (`path` empty: the whole body).
    """

    target_id: str
    path: tuple[str, ...]
    value: Any
    mode: Literal["set", "append", "remove", "merge"] = "set"
    source: str = ""


@dataclass
class Plan:
    """A planned change read from one file."""

    path: str
    format: str
    changes: list[Change] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    # Existing resources a plan reads (Terraform data sources): used where the current state lacks them.
    existing: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """The plan as listed in a report's `inputs`."""
        counts = Counter(change.action for change in self.changes)
        return {
            "path": self.path,
            "format": self.format,
            "changes": {action: counts[action] for action in ("put", "delete", "keep", "unknown")},
            "ignored": sum(self.ignored.values()),
        }


def missing_data(scope: str | None, resource_types: list[str], code: str, message: str) -> dict[str, Any]:
    """A collection-error entry: the rules that read these types around `scope` become `unknown`."""
    entry: dict[str, Any] = {"code": code, "message": message, "resource_types": resource_types}
    if scope:
        entry["scope"] = scope
    return entry


def set_path(data: dict[str, Any], path: Sequence[str], value: Any) -> None:
    """Write `value` at `path`, making the objects on the way (replacing what is not one)."""
    for key in path[:-1]:
        child = data.get(key)
        if not isinstance(child, dict):
            child = data[key] = {}
        data = child
    data[path[-1]] = value
