"""The snapshot a collection produces: its envelope, its error records, and writing it to disk."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError

from auditor import __version__
from auditor.collect.causes import cause_of
from auditor.output import write_atomic

SCHEMA_VERSION = 1

Json = dict[str, Any]


def error_entry(scope: str, resource_types: list[str], exc: AzureError, endpoint: str) -> Json:
    """A failed read: where, of what, and why: ARM's own status, code and message when there was an
    answer, else the transport's root cause (TLS, refused, timeout) against `endpoint`."""
    cause = cause_of(exc, endpoint)
    status = exc.status_code if isinstance(exc, HttpResponseError) else None
    return {
        "scope": scope,
        "status": status,
        "code": cause.code,
        "message": cause.message,
        "resource_types": resource_types,
    }


def build_snapshot(
    *,
    cloud: str,
    tenant: str | None,
    subscriptions: list[str],
    api_versions: dict[str, str],
    resources: list[Json],
    errors: list[Json],
) -> Json:
    return {
        "schema_version": SCHEMA_VERSION,
        "collected_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "tool": {"name": "amlaudit", "version": __version__},
        "cloud": cloud,
        "tenant": tenant,
        "subscriptions": subscriptions,
        "api_versions": api_versions,
        "resources": resources,
        "errors": errors,
    }


def write_snapshot(snapshot: Json, path: str | Path) -> None:
    """Write the snapshot as JSON; a reader sees the previous file or the whole new one, never half."""
    write_atomic(Path(path), json.dumps(snapshot, indent=1, sort_keys=False) + "\n")
