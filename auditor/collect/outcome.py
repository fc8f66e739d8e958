"""How complete a live collection was: the summary line, and whether its gaps must fail the run.

A compliance job must not go green on data it never saw. The rule (exit code 3 unless
`--allow-partial`): `collect` fails on any read error; `scan` fails when nothing could be read,
when a workspace listing failed (the workspaces it hid have no results at all), or when a result
is `unknown` because a collection error hid what its rule reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from auditor.collect import resource_types as rt

Json = dict[str, Any]

# How the topology describes a gap in the data a rule needed (topology's `_describe_error`):
# results that are unknown for that reason carry it in their message or evidence.
GAP_MARK = "collection error"


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 resource`, `2 resources`; `many` for irregular plurals."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def summary(snapshot: Mapping[str, Any]) -> str:
    """`collected N resources, M read errors (K types)`; the types only when something failed."""
    errors = list(snapshot.get("errors") or [])
    text = f"collected {plural(len(snapshot.get('resources') or []), 'resource')}, {plural(len(errors), 'read error')}"
    if errors:
        types = {str(t).lower() for e in errors for t in (e.get("resource_types") or ["*"])}
        text += f" ({plural(len(types), 'type')})"
    return text


def nothing_read(snapshot: Mapping[str, Any]) -> str | None:
    """When nothing at all could be read, why, in one line: the first read error's cause."""
    errors = list(snapshot.get("errors") or [])
    if snapshot.get("resources") or not errors:
        return None
    first = errors[0]
    return f"nothing could be read: {first.get('message') or first.get('code')} (at {first.get('scope')})"


def collect_incomplete(snapshot: Mapping[str, Any]) -> bool:
    return bool(snapshot.get("errors"))


def scan_incomplete(snapshot: Mapping[str, Any], results: Iterable[Mapping[str, Any]]) -> bool:
    errors = list(snapshot.get("errors") or [])
    if not errors:
        return False
    if not snapshot.get("resources"):
        return True
    if any(rt.WORKSPACES.lower() in {str(t).lower() for t in e.get("resource_types") or []} for e in errors):
        return True
    return any(result.get("status") == "unknown" and hidden_by_gap(result) for result in results)


def hidden_by_gap(result: Mapping[str, Any]) -> bool:
    """Whether an unknown result says a collection error hid what its rule reads."""
    evidence = result.get("evidence")
    missing = evidence.get("missing") if isinstance(evidence, dict) else None
    return any(GAP_MARK in str(text) for text in (result.get("message"), missing) if text)
