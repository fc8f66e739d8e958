"""Key Vault rules (catalogue §4, "Key Vault"). Subject: the vault WS references."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.checks import bypass_findings, subject_of, vnet_secured_findings, workspace_network_reach_findings
from auditor.model import DOC_WORKSPACE
from auditor.rulekit import NOT_APPLICABLE, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import KEY_VAULT_TYPE, PEERING_TYPE, PRIVATE_ENDPOINT_TYPE, SUBNET_TYPE, VNET_TYPE, WORKSPACE_TYPE

LABEL = "key vault"


@rule(
    id="AML-KV-001",
    title="Key Vault is VNet-secured",
    applies_when="always",
    fails_when="the vault is publicly open",
    severity=Severity.HIGH,
    family="keyvault",
    rationale="The workspace key vault holds the secrets of the workspace and its connections; left publicly "
    "open, it is reachable from the internet.",
    remediation="Deny public access on the vault firewall and reach it through a private endpoint or a service "
    "endpoint: `az keyvault update -n <kv> --default-action Deny` (or `--public-network-access Disabled`).",
    source='table "Azure Key Vault"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, KEY_VAULT_TYPE),
)
def key_vault_vnet_secured(ctx: WorkspaceContext) -> Iterable[Finding]:
    return vnet_secured_findings(ctx, ctx.key_vault_id, KEY_VAULT_TYPE, LABEL)


@rule(
    id="AML-KV-002",
    title="Key Vault reachable from the workspace network",
    applies_when="WS has workspace VNets",
    fails_when="the vault is reachable neither from a workspace VNet nor from a VNet peered with one. Reachable "
    "only through a peering: pass, with a note that the same VNet is recommended",
    severity=Severity.HIGH,
    family="keyvault",
    rationale="The workspace reads its key vault over the network: the vault should sit in the same VNet as the "
    "workspace (recommended) or in a VNet peered with it (allowed).",
    remediation="Create the vault's private endpoint (group `vault`) in a workspace VNet, or enable the "
    "`Microsoft.KeyVault` service endpoint on a workspace subnet and add it to the vault firewall.",
    source='"Limits: Key Vault ... same VNet recommended, peered VNet allowed"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, KEY_VAULT_TYPE, PRIVATE_ENDPOINT_TYPE, SUBNET_TYPE, VNET_TYPE, PEERING_TYPE),
)
def key_vault_reachable(ctx: WorkspaceContext) -> Iterable[Finding]:
    present = ctx.workspace_vnets.present
    subject = subject_of(ctx, ctx.key_vault_id)
    if present is False:
        yield ctx.finding(NOT_APPLICABLE, subject, f"{ctx.name} has no workspace VNet.")
    elif ctx.key_vault_id is None:
        yield ctx.finding(UNKNOWN, subject, f"{ctx.name} references no key vault.")
    elif present is None:
        yield ctx.finding(
            UNKNOWN,
            subject,
            f"Workspace VNets of {ctx.name} are unknown: {'; '.join(ctx.workspace_vnets.gaps)}.",
            missing=ctx.workspace_vnets.gaps,
        )
    else:
        yield from workspace_network_reach_findings(
            ctx, ctx.key_vault_id, KEY_VAULT_TYPE, LABEL, service_endpoints=True
        )


@rule(
    id="AML-KV-003",
    title="Key Vault lets trusted Microsoft services bypass its firewall",
    applies_when="the vault is VNet-secured",
    fails_when="`networkAcls.bypass` is `None`",
    severity=Severity.MEDIUM,
    family="keyvault",
    rationale="Azure Machine Learning reaches a firewalled vault as a trusted Microsoft service.",
    remediation="Allow trusted Microsoft services: `az keyvault update -n <kv> --bypass AzureServices`.",
    source='"Allow trusted Microsoft services to bypass this firewall"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, KEY_VAULT_TYPE),
)
def key_vault_trusted_bypass(ctx: WorkspaceContext) -> Iterable[Finding]:
    return bypass_findings(ctx, ctx.key_vault_id, KEY_VAULT_TYPE, LABEL, ("networkAcls", "bypass"))
