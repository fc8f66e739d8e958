"""Three-valued logic for the order of judgement (catalogue §2): True, False, or None (unknown)."""

from __future__ import annotations


def all_of(*values: bool | None) -> bool | None:
    """False as soon as one is False (proven even with other data missing); else None if any is unknown."""
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True
