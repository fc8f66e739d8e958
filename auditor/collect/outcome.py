"""How complete a live collection was: the summary line, and whether its gaps must fail the run.

A compliance job must not go green on data it never saw. The rule (exit code 3 unless
`--allow-partial`): `collect` fails on any read error; `scan` fails when nothing could be read,
when a workspace listing failed (the workspaces it hid have no results at all), or when a result
is `unknown` because a collection error hid what its rule reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Json = dict[str, Any]

# Discovery's listing: when it fails, the workspaces it would have found get no results at all.
_WORKSPACES = "microsoft.machinelearningservices/workspaces"

# How the topology describes a gap in the data a rule needed (topology's `_describe_error`):
# results that are unknown for that reason carry it in their message or evidence.
GAP_MARK = "collection error"


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 resource`, `2 resources`; `many` for irregular plurals."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def summary(resources: int, errors: Sequence[Mapping[str, Any]]) -> str:
    """`collected N resources, M read errors (K types)`; the types only when something failed."""
    text = f"collected {plural(resources, 'resource')}, {plural(len(errors), 'read error')}"
    if errors:
        types = {str(t).lower() for e in errors for t in (e.get("resource_types") or ["*"])}
        text += f" ({plural(len(types), 'type')})"
    return text


def nothing_read(resources: int, errors: Sequence[Mapping[str, Any]]) -> str | None:
    """When nothing at all could be read, why, in one line: the first read error's cause."""
    if resources or not errors:
        return None
    first = errors[0]
    return f"nothing could be read: {first.get('message') or first.get('code')} (at {first.get('scope')})"


def scan_incomplete(
    resources: int, errors: Sequence[Mapping[str, Any]], results: Iterable[Mapping[str, Any]]
) -> str | None:
    """Why the read errors of a live scan hid data its rules needed, or None when they did not."""
    if not errors:
        return None
    if not resources:
        return nothing_read(resources, errors)
    if any(_WORKSPACES in {str(t).lower() for t in e.get("resource_types") or []} for e in errors):
        return "a workspace listing failed: the workspaces it would have found were not audited"
    hidden = sum(1 for result in results if result.get("status") == "unknown" and hidden_by_gap(result))
    if hidden:
        return f"{plural(hidden, 'result')} unknown because read errors hid what their rules read"
    return None


def hidden_by_gap(result: Mapping[str, Any]) -> bool:
    """Whether an unknown result says a collection error hid what its rule reads."""
    evidence = result.get("evidence")
    missing = evidence.get("missing") if isinstance(evidence, dict) else None
    return any(GAP_MARK in str(text) for text in (result.get("message"), missing) if text)


def read_error_line(error: Mapping[str, Any]) -> str:
    """`could not read TYPES at SCOPE: [STATUS] CODE: MESSAGE`, the cause always kept."""
    types = ", ".join(str(t) for t in error.get("resource_types") or []) or "everything"
    status = error.get("status")
    code = str(error.get("code") or "")
    message = str(error.get("message") or "")
    head = " ".join(part for part in (str(status) if status is not None else "", code) if part)
    cause = f"{head}: {message}" if message and message != code else head or message or "unknown cause"
    return f"could not read {types} at {error.get('scope') or 'every scope'}: {cause}"
