"""Three-valued logic for the order of judgement (catalogue §2): True, False, or None (unknown)."""

from __future__ import annotations

from collections.abc import Iterable


def all_of(*values: bool | None) -> bool | None:
    """False as soon as one is False (proven even with other data missing); else None if any is unknown."""
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def any_of(values: Iterable[bool | None]) -> bool | None:
    """True as soon as one is True; else None if any is unknown; else False."""
    seen_unknown = False
    for value in values:
        if value is True:
            return True
        if value is None:
            seen_unknown = True
    return None if seen_unknown else False
