"""The vocabulary shared by rules, engine and reporters: statuses, severities, rules and results."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from auditor.context import WorkspaceContext
from auditor.findings import SEVERITY_ORDER, STATUS_ORDER, Finding, Severity, Status

__all__ = ["SEVERITY_ORDER", "STATUS_ORDER", "Finding", "Rule", "Result", "Severity", "Status", "fingerprint_of"]


# Catalogue §6: where each family's constraints are documented.
DOC_OVERVIEW = "https://learn.microsoft.com/azure/machine-learning/how-to-network-security-overview"
DOC_WORKSPACE = "https://learn.microsoft.com/azure/machine-learning/how-to-secure-workspace-vnet"
DOC_TRAINING = "https://learn.microsoft.com/azure/machine-learning/how-to-secure-training-vnet"
DOC_INFERENCE = "https://learn.microsoft.com/azure/machine-learning/how-to-secure-inferencing-vnet"
DOC_STUDIO = "https://learn.microsoft.com/azure/machine-learning/how-to-enable-studio-virtual-network"
DOC_FIREWALL = "https://learn.microsoft.com/azure/machine-learning/how-to-access-azureml-behind-firewall"
DOC_CUSTOM_DNS = "https://learn.microsoft.com/azure/machine-learning/how-to-custom-dns"
DOC_PRIVATE_LINK = "https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link"
DOC_MANAGED_NETWORK = "https://learn.microsoft.com/azure/machine-learning/how-to-managed-network"


@dataclass(frozen=True)
class Rule:
    """One catalogue rule: its public metadata beside the pure function that judges it."""

    id: str
    title: str
    severity: Severity
    family: str
    rationale: str
    remediation: str
    source: str
    help_uri: str
    reads: tuple[str, ...]
    check: Callable[[WorkspaceContext], Iterable[Finding]]
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    # The catalogue's two clauses, in its words: shown by `rules show`, SARIF help and docs/rules.md.
    applies_when: str = ""
    fails_when: str = ""

    def metadata(self) -> dict[str, Any]:
        """The rule as reports and `rules list --format json` show it."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "family": self.family,
            "applies_when": self.applies_when,
            "fails_when": self.fails_when,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "source": self.source,
            "help_uri": self.help_uri,
            "reads": list(self.reads),
            "tags": list(self.tags),
            "deprecated": self.deprecated,
        }


def fingerprint_of(rule_id: str, workspace_id: str, resource_id: str) -> str:
    """Catalogue §5: SHA-256 of the lower-cased `rule_id|workspace_id|resource_id`."""
    key = f"{rule_id}|{workspace_id}|{resource_id}".lower()
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass
class Result:
    """One judged (rule, workspace, subject): the fields of catalogue §5."""

    rule_id: str
    status: Status
    severity: Severity
    title: str
    workspace_id: str
    resource_id: str
    message: str
    evidence: dict[str, Any]
    remediation: str
    fingerprint: str = ""
    waiver: dict[str, Any] | None = None
    baseline: str | None = None

    def __post_init__(self) -> None:
        if not self.fingerprint:
            self.fingerprint = fingerprint_of(self.rule_id, self.workspace_id, self.resource_id)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "status": self.status.value,
            "severity": self.severity.value,
            "title": self.title,
            "workspace_id": self.workspace_id,
            "resource_id": self.resource_id,
            "message": self.message,
            "evidence": self.evidence,
            "remediation": self.remediation,
            "fingerprint": self.fingerprint,
        }
        if self.waiver is not None:
            out["waiver"] = self.waiver
        if self.baseline is not None:
            out["baseline"] = self.baseline
        return out
