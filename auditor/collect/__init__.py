"""Live collection of the ARM resources an audit needs, into a snapshot the offline loader reads."""

from auditor.collect.collector import CollectionError, collect_snapshot
from auditor.collect.scope import Scope, scope_options
from auditor.collect.settings import CLOUDS, ConnectionSettings, connection_options
from auditor.collect.snapshot import write_snapshot

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
