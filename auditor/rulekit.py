"""What a rule module needs: the `rule` decorator and the vocabulary, in one import.

Built-in rules (`rules/`) and custom rule directories (`--rules-dir`) use the same kit:

    from auditor.rulekit import FAIL, PASS, Severity, WorkspaceContext, rule

    @rule(id="ORG-001", title="...", severity=Severity.HIGH, family="custom", ...)
    def my_rule(ctx: WorkspaceContext) -> Iterable[Finding]: ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from auditor.context import WorkspaceContext
from auditor.model import Finding, Rule, Severity, Status

PASS = Status.PASS
FAIL = Status.FAIL
NOT_APPLICABLE = Status.NOT_APPLICABLE
UNKNOWN = Status.UNKNOWN

Check = Callable[[WorkspaceContext], Iterable[Finding]]


def rule(
    *,
    id: str,
    title: str,
    severity: Severity,
    family: str,
    rationale: str,
    remediation: str,
    source: str,
    help_uri: str,
    reads: tuple[str, ...],
    tags: tuple[str, ...] = (),
    applies_when: str = "",
    fails_when: str = "",
) -> Callable[[Check], Rule]:
    """Bind a check function to its catalogue metadata; the module-level name becomes the Rule."""

    def bind(check: Check) -> Rule:
        return Rule(
            id=id,
            title=title,
            severity=severity,
            family=family,
            applies_when=applies_when,
            fails_when=fails_when,
            rationale=rationale,
            remediation=remediation,
            source=source,
            help_uri=help_uri,
            reads=reads,
            check=check,
            tags=("security", "network", family, *tags),
        )

    return bind


__all__ = [
    "FAIL",
    "NOT_APPLICABLE",
    "PASS",
    "UNKNOWN",
    "Finding",
    "Rule",
    "Severity",
    "Status",
    "WorkspaceContext",
    "rule",
]
