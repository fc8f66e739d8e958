"""Counts of results by status and severity, and the order results are listed in.

Pure functions over result dicts (catalogue §5), so that the core, the merger and the waiver and
baseline passes all count and sort the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from auditor.model import SEVERITY_ORDER, STATUS_ORDER, Severity, Status

# Most severe first: the order people read counts and findings in.
SEVERITIES_DESCENDING: tuple[Severity, ...] = tuple(reversed(SEVERITY_ORDER))


def sort_key(result: Mapping[str, Any]) -> tuple[str, str, str]:
    """The deterministic order of `results` in every report: workspace, rule, resource.

    Ids compare lower-cased because ARM ids are case-insensitive (catalogue §1); one
    (workspace, rule, resource) triple is one fingerprint, so the key never ties.
    """
    return (str(result["workspace_id"]).lower(), str(result["rule_id"]), str(result["resource_id"]).lower())


def summary_of(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """`{"total", "by_status", "by_severity"}` with every status and severity present, zeros included.

    An unknown status or severity raises ValueError: a count that silently dropped a result would
    make the formats disagree.
    """
    by_status = {status.value: 0 for status in STATUS_ORDER}
    by_severity = {severity.value: {status.value: 0 for status in STATUS_ORDER} for severity in SEVERITIES_DESCENDING}
    total = 0
    for result in results:
        status, severity = result["status"], result["severity"]
        try:
            by_severity[severity][status] += 1
            by_status[status] += 1
        except (KeyError, TypeError):
            # Not a status or severity: the enums say which, as a ValueError.
            Status(status)
            Severity(severity)
            raise
        total += 1
    return {"total": total, "by_status": by_status, "by_severity": by_severity}
