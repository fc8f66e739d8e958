"""Live collection of the ARM resources an audit needs, into a snapshot the offline loader reads.

The scope and connection options import nothing of Azure; the collector and the snapshot writer,
which import the SDKs, load on first use, so that offline commands start without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from auditor.collect.scope import Scope, scope_options
from auditor.collect.settings import CLOUDS, ConnectionSettings, connection_options

if TYPE_CHECKING:
    from auditor.collect.collector import CollectionError, collect_snapshot
    from auditor.collect.snapshot import write_snapshot

_LAZY = {
    "CollectionError": "auditor.collect.collector",
    "collect_snapshot": "auditor.collect.collector",
    "write_snapshot": "auditor.collect.snapshot",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CLOUDS",
    "CollectionError",
    "ConnectionSettings",
    "Scope",
    "collect_snapshot",
    "connection_options",
    "scope_options",
    "write_snapshot",
]
