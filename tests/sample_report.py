"""Reports for the reporter, waiver, baseline and merge tests.

`sample_report()` holds every status at every severity in two workspaces, with a rule registry to
match (`RULES`), so that each format can be checked to account for the same results.
`scanned_report()` comes from the real engine and rule pack, on the sample tenant.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from auditor.engine import ScanResult, load_rules, scan_inventory
from auditor.inventory import load_inventory
from auditor.model import Result, Rule, Severity, Status
from auditor.reporters.jsonreport import build_report
from auditor.summary import sort_key

SUB = "00000000-0000-0000-0000-00000000abcd"
PROVIDERS = f"/subscriptions/{SUB}/resourceGroups/rg-ML/providers"
WS_TYPE = "Microsoft.MachineLearningServices/workspaces"
PROD_ID = f"{PROVIDERS}/{WS_TYPE}/mlw-prod"
DEV_ID = f"{PROVIDERS}/{WS_TYPE}/mlw-dev"
GENERATED_AT = "2026-11-28T12:00:00Z"
INPUTS = ["fixtures/sample-tenant"]
SAMPLE_TENANT = Path(__file__).resolve().parent.parent / "fixtures" / "sample-tenant"

# One rule per severity, so that every (severity, status) pair occurs once per workspace.
RULE_SPECS: tuple[tuple[str, Severity, str, str], ...] = (
    ("AML-WS-003", Severity.CRITICAL, "workspace", "No public workspace in front of secured data"),
    ("AML-ST-001", Severity.HIGH, "storage", "Default storage is VNet-secured"),
    ("AML-KV-003", Severity.MEDIUM, "keyvault", "Key Vault lets trusted Microsoft services bypass its firewall"),
    ("AML-WS-004", Severity.LOW, "workspace", "Managed virtual network preferred"),
    ("AML-NET-004", Severity.INFO, "network", "Operators have a path into the private workspace"),
)
RULES: list[Rule] = [
    Rule(
        id=rule_id,
        title=title,
        severity=severity,
        family=family,
        rationale=f"Why {rule_id} matters.",
        remediation=f"Fix {rule_id}: `az resource update --ids <id>`.",
        source='"Secure the workspace"',
        help_uri="https://learn.microsoft.com/azure/machine-learning/how-to-network-security-overview",
        reads=("Microsoft.MachineLearningServices/workspaces",),
        check=lambda ctx: (),
        tags=("security", "network", family),
    )
    for rule_id, severity, family, title in RULE_SPECS
]

WAIVER = {"justification": "Accepted until the migration.", "expires": "2026-12-31", "owner": "team-ml"}


def workspace_entry(workspace_id: str, scenario: str, posture: str) -> dict[str, Any]:
    return {
        "id": workspace_id,
        "name": workspace_id.rsplit("/", 1)[-1],
        "location": "westeurope",
        "kind": "Default",
        "scenario": scenario,
        "isolation_mode": "Disabled",
        "hub_id": None,
        "posture": {
            "workspace": posture,
            "storage": "private-endpoint" if posture == "private" else "public",
            "key_vault": "unknown",
            "container_registry": None,
            "training_compute": "mixed",
            "inference_compute": "none",
        },
    }


WORKSPACES = [
    workspace_entry(PROD_ID, "private-workspace", "private"),
    workspace_entry(DEV_ID, "no-vnet", "public"),
]


def resource_of(workspace_id: str, status: Status) -> str:
    workspace = workspace_id.rsplit("/", 1)[-1].replace("-", "")
    return f"{PROVIDERS}/Microsoft.Storage/storageAccounts/st{workspace}{status.value.replace('_', '')}"


def result_of(rule: Rule, workspace_id: str, status: Status, resource_id: str | None = None) -> Result:
    resource = resource_id or resource_of(workspace_id, status)
    return Result(
        rule_id=rule.id,
        status=status,
        severity=rule.severity,
        title=rule.title,
        workspace_id=workspace_id,
        resource_id=resource,
        message=f"{rule.id} is {status.value} for `{resource.rsplit('/', 1)[-1]}`.",
        evidence={"properties.publicNetworkAccess": "Enabled", "defaulted": ["networkAcls.bypass"]},
        remediation=rule.remediation,
        waiver=dict(WAIVER) if status == Status.WAIVED else None,
    )


def report_of(
    results: list[Result],
    workspaces: list[dict[str, Any]] | None = None,
    inputs: list[str] | None = None,
    **scan_extra: Any,
) -> dict[str, Any]:
    """A JSON report as the core builds it, results in report order."""
    scan = ScanResult(
        workspaces=copy.deepcopy(WORKSPACES if workspaces is None else workspaces),
        results=results,
        rules=RULES,
        **scan_extra,
    )
    report = build_report(scan, INPUTS if inputs is None else inputs, GENERATED_AT)
    report["results"].sort(key=sort_key)
    return report


def sample_report() -> dict[str, Any]:
    """Every status at every severity in both workspaces (50 results), one collection error."""
    results = [
        result_of(rule, workspace_id, status)
        for workspace_id in (PROD_ID, DEV_ID)
        for rule in RULES
        for status in Status
    ]
    error = {"scope": f"/subscriptions/{SUB}", "type": "Microsoft.Network/privateDnsZones", "message": "403"}
    return report_of(results, collection_errors=[error], warnings=["inventory is two days old"])


def scanned_report() -> tuple[dict[str, Any], list[Rule]]:
    """The report of the real engine and rule pack on the sample tenant, with that rule pack."""
    rules = load_rules()
    scan = scan_inventory(load_inventory([str(SAMPLE_TENANT)]), rules)
    return build_report(scan, INPUTS, GENERATED_AT), rules
