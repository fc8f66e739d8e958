"""What a rule says: statuses, severities and the finding a rule function yields.

Apart from `auditor.model` so that the workspace context, which builds findings, and the model's
`Rule`, whose check takes a workspace context, import each other in one direction only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"
    WAIVED = "waived"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe: critical 4 … info 0."""
        return SEVERITY_ORDER.index(self)


# Ascending, so that `rank` compares naturally.
SEVERITY_ORDER: tuple[Severity, ...] = (
    Severity.INFO,
    Severity.LOW,
    Severity.MEDIUM,
    Severity.HIGH,
    Severity.CRITICAL,
)

STATUS_ORDER: tuple[Status, ...] = (
    Status.FAIL,
    Status.UNKNOWN,
    Status.WAIVED,
    Status.PASS,
    Status.NOT_APPLICABLE,
)

@dataclass(frozen=True)
class Finding:
    """What a rule function says about one subject; the engine turns it into a `Result`."""

    status: Status
    resource_id: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
