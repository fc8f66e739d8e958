"""The JSON report: the machine-readable contract that every other format is rendered from.

Its shape is documented in the README ("JSON report"); `schema_version` changes whenever a field
is removed or changes meaning, not when one is added.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor.errors import InputError
from auditor.reporters.jsonwriter import Streamed, StreamedObject, json_chunks
from auditor.summary import summary_of

if TYPE_CHECKING:
    from auditor.engine import ScanResult

SCHEMA_VERSION = 1

Report = dict[str, Any]

# Projected in this order so that the report's shape does not follow the engine's internals.
WORKSPACE_FIELDS = ("id", "name", "location", "kind", "scenario", "isolation_mode", "hub_id", "posture")


def generated_at_now(environ: Mapping[str, str] = os.environ) -> str:
    """Now in UTC, or the moment `SOURCE_DATE_EPOCH` names (the reproducible-builds convention)."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        moment = datetime.now(UTC)
    else:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise InputError(f"SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01, got {epoch!r}") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_report(scan_result: ScanResult, inputs: Sequence[str], generated_at: str) -> Report:
    results = [result.to_dict() for result in scan_result.results]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "amlaudit", "version": __version__},
        "generated_at": generated_at,
        "inputs": list(inputs),
        "workspaces": [
            {field: workspace.get(field) for field in WORKSPACE_FIELDS} for workspace in scan_result.workspaces
        ],
        "results": results,
        "collection_errors": list(scan_result.collection_errors),
        "warnings": list(scan_result.warnings),
        "summary": summary_of(results),
    }


def json_pieces(report: Report) -> Iterator[str]:
    """The JSON report in pieces, a result or a workspace at a time, so that a large report is
    streamed to its file instead of being built as one string."""
    # No sort_keys: the report's own key order is part of its readability, and every producer
    # builds its dicts in a fixed order, so the output is deterministic as it is.
    top = StreamedObject({key: Streamed(value) if isinstance(value, list) else value for key, value in report.items()})
    yield from json_chunks(top)
    yield "\n"


def render_json(report: Report) -> str:
    return "".join(json_pieces(report))
