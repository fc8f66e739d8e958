"""Values a plan leaves unknown until apply, by the resource they belong to.

A rule that passes on such a resource passed on the values that are known; the one that is not
might make it fail, so the engine reports `unknown` instead (never a default that could pass). A
rule that fails on a stand-in id failed on what it does not know: `unknown` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

from auditor.arm import lid

KNOWN_AFTER_APPLY = "KnownAfterApply"  # the code of their missing-data entries
# Ids known only after apply are written as `/known-after-apply/<address>/<path>`: they name nothing.
PLACEHOLDER_PREFIX = "/known-after-apply/"

_CACHE: WeakKeyDictionary[object, dict[str, list[str]]] = WeakKeyDictionary()


def pending_values(owner: object, errors: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Lower-cased resource id → what is unknown in it; computed once per `owner` (a topology)."""
    found = _CACHE.get(owner)
    if found is None:
        found = {}
        for error in errors:
            if error.get("code") == KNOWN_AFTER_APPLY and isinstance(error.get("scope"), str):
                found.setdefault(lid(error["scope"]), []).append(str(error.get("message")))
        _CACHE[owner] = found
    return found


def mentions_placeholder(value: Any) -> bool:
    """Whether evidence holds an id known only after apply, anywhere inside."""
    if isinstance(value, str):
        return value.startswith(PLACEHOLDER_PREFIX)
    if isinstance(value, dict):
        return any(mentions_placeholder(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(mentions_placeholder(v) for v in value)
    return False
