"""Workspace rules (catalogue §4, "Workspace")."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.arm import eq
from auditor.judgement import all_of
from auditor.model import DOC_MANAGED_NETWORK, DOC_OVERVIEW, DOC_PRIVATE_LINK, DOC_WORKSPACE
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import PRIVATE_ENDPOINT_TYPE, STORAGE_TYPE, WORKSPACE_TYPE

DANGLING = ("pending", "rejected", "disconnected", "timeout")


def _endpoints_evidence(ctx: WorkspaceContext) -> dict[str, object]:
    return {"approved_private_endpoints": [c.describe() for c in ctx.approved_endpoints]}


@rule(
    id="AML-WS-001",
    title="Workspace uses a private endpoint",
    applies_when="always",
    fails_when="WS has no approved private endpoint",
    severity=Severity.HIGH,
    family="workspace",
    rationale="A workspace reached only through a private endpoint keeps its API and studio traffic on the "
    "virtual network instead of the public internet.",
    remediation="Create a private endpoint for the workspace (group `amlworkspace`) in the workspace VNet: "
    "`az network private-endpoint create --group-id amlworkspace --private-connection-resource-id <ws id> "
    "--vnet-name <vnet> --subnet <subnet> ...`.",
    source='"Workspace: create a private endpoint"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, PRIVATE_ENDPOINT_TYPE),
)
def workspace_uses_private_endpoint(ctx: WorkspaceContext) -> Iterable[Finding]:
    has = ctx.has_private_endpoint
    evidence = _endpoints_evidence(ctx)
    if has:
        yield ctx.finding(PASS, ctx.id, f"{ctx.name} has an approved private endpoint.", **evidence)
    elif has is None:
        yield ctx.finding(
            UNKNOWN,
            ctx.id,
            f"Private endpoints of {ctx.name} are unknown: {ctx.endpoint_gap}.",
            missing=ctx.endpoint_gap,
            **evidence,
        )
    else:
        yield ctx.finding(FAIL, ctx.id, f"{ctx.name} has no approved private endpoint.", **evidence)


@rule(
    id="AML-WS-002",
    title="Public network access disabled on a private workspace",
    applies_when="WS has an approved private endpoint",
    fails_when="WS public access is `Enabled` (the document allows optional public access: waive it where "
    "intended; any failing result can be waived)",
    severity=Severity.MEDIUM,
    family="workspace",
    rationale="A workspace with a private endpoint but public network access enabled is still reachable from "
    "the internet. The document allows optional public access: waive this result where it is intended.",
    remediation="Disable public network access: `az ml workspace update -n <ws> -g <rg> "
    "--public-network-access Disabled`.",
    source='"Optional: enable public access"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, PRIVATE_ENDPOINT_TYPE),
)
def public_access_disabled(ctx: WorkspaceContext) -> Iterable[Finding]:
    has = ctx.has_private_endpoint
    access, evidence = ctx.public_access
    if has is False:
        yield ctx.finding(NOT_APPLICABLE, ctx.id, f"{ctx.name} has no approved private endpoint.", **evidence)
    elif has is None:
        yield ctx.finding(
            UNKNOWN,
            ctx.id,
            f"Private endpoints of {ctx.name} are unknown: {ctx.endpoint_gap}.",
            missing=ctx.endpoint_gap,
            **evidence,
        )
    elif access == "Enabled":
        yield ctx.finding(
            FAIL, ctx.id, f"{ctx.name} has a private endpoint but public network access is enabled.", **evidence
        )
    else:
        yield ctx.finding(PASS, ctx.id, f"{ctx.name} is reachable only through its private endpoint.", **evidence)


@rule(
    id="AML-WS-003",
    title="No public workspace in front of secured data",
    applies_when="always",
    fails_when="WS has no approved private endpoint, is internet-reachable, and its default storage is "
    'VNet-secured ("data in the storage behind the VNet can be exposed through the public '
    'workspace")',
    severity=Severity.CRITICAL,
    family="workspace",
    rationale="Data in the storage behind the VNet can be exposed through a public workspace: the workspace "
    "reaches the storage through trusted access while anyone on the internet reaches the workspace.",
    remediation="Give the workspace a private endpoint and disable its public network access, or accept the "
    "exposure explicitly with a waiver.",
    source='"Public workspace and secured resources"',
    help_uri=DOC_OVERVIEW,
    reads=(WORKSPACE_TYPE, PRIVATE_ENDPOINT_TYPE, STORAGE_TYPE),
)
def no_public_workspace_before_secured_data(ctx: WorkspaceContext) -> Iterable[Finding]:
    has = ctx.has_private_endpoint
    reachable = ctx.internet_reachable
    secured, storage_gap = ctx.vnet_secured(ctx.storage_id, STORAGE_TYPE)
    _, access_evidence = ctx.public_access
    evidence = {
        "has_approved_private_endpoint": has,
        "internet_reachable": reachable,
        "default_storage": ctx.storage_id,
        "default_storage_vnet_secured": secured,
        **access_evidence,
    }
    verdict = all_of(None if has is None else not has, reachable, secured)
    if verdict is True:
        yield ctx.finding(
            FAIL,
            ctx.id,
            f"{ctx.name} is public without a private endpoint while its default storage is secured behind the VNet.",
            **evidence,
        )
    elif verdict is False:
        yield ctx.finding(PASS, ctx.id, f"{ctx.name} does not expose VNet-secured storage publicly.", **evidence)
    else:
        missing = [gap for gap in (ctx.endpoint_gap if has is None else None, storage_gap) if gap]
        yield ctx.finding(
            UNKNOWN,
            ctx.id,
            f"Cannot tell whether {ctx.name} exposes secured storage: {'; '.join(missing)}.",
            missing=missing,
            **evidence,
        )


@rule(
    id="AML-WS-004",
    title="Managed virtual network preferred",
    applies_when="always",
    fails_when="isolation mode is `Disabled`",
    severity=Severity.LOW,
    family="workspace",
    rationale="A managed virtual network applies the network isolation rules of the workspace automatically; "
    "the document recommends it over a customer-managed VNet.",
    remediation="Enable workspace managed network isolation: `az ml workspace update -n <ws> -g <rg> "
    "--managed-network allow_only_approved_outbound`.",
    source='"Tip" at the top',
    help_uri=DOC_MANAGED_NETWORK,
    reads=(WORKSPACE_TYPE,),
)
def managed_network_preferred(ctx: WorkspaceContext) -> Iterable[Finding]:
    mode = ctx.isolation_mode
    evidence: dict[str, object] = {"properties.managedNetwork.isolationMode": mode}
    if not ctx.topo.managed_network_of(ctx.ws).get("isolationMode"):
        evidence["defaulted"] = ["properties.managedNetwork.isolationMode = Disabled"]
    if eq(mode, "Disabled"):
        yield ctx.finding(FAIL, ctx.id, f"{ctx.name} does not use a managed virtual network.", **evidence)
    else:
        yield ctx.finding(PASS, ctx.id, f"{ctx.name} uses a managed virtual network ({mode}).", **evidence)


@rule(
    id="AML-WS-005",
    title="No dangling private endpoint connections",
    applies_when="WS has at least one private endpoint connection (any state): its own "
    "`privateEndpointConnections[]` and the endpoint resources that target it, one per endpoint, "
    "WS's state winning",
    fails_when="one is `Pending`, `Rejected`, `Disconnected` or `Timeout`",
    severity=Severity.MEDIUM,
    family="workspace",
    rationale="Pending, rejected, disconnected or timed-out private endpoint connections point at endpoints "
    "that do not work; clients configured to use them silently fail or fall back to public access.",
    remediation="Approve the pending connections you expect and delete the others: "
    "`az network private-endpoint-connection approve|delete --id <connection id>`.",
    source="related (private link)",
    help_uri=DOC_PRIVATE_LINK,
    reads=(WORKSPACE_TYPE, PRIVATE_ENDPOINT_TYPE),
)
def no_dangling_connections(ctx: WorkspaceContext) -> Iterable[Finding]:
    connections = ctx.connections
    evidence = {"connections": [c.describe() for c in connections]}
    if not connections:
        if ctx.endpoint_gap:
            yield ctx.finding(
                UNKNOWN,
                ctx.id,
                f"Private endpoint connections of {ctx.name} are unknown: {ctx.endpoint_gap}.",
                missing=ctx.endpoint_gap,
            )
        else:
            yield ctx.finding(NOT_APPLICABLE, ctx.id, f"{ctx.name} has no private endpoint connection.")
        return
    dangling = [c for c in connections if str(c.status).lower() in DANGLING]
    no_state = [c for c in connections if not isinstance(c.status, str)]
    if dangling:
        names = ", ".join(f"{c.endpoint_id} ({c.status})" for c in dangling)
        yield ctx.finding(FAIL, ctx.id, f"{ctx.name} has dangling private endpoint connections: {names}.", **evidence)
    elif no_state or ctx.endpoint_gap:
        missing = ctx.endpoint_gap or f"the state of {len(no_state)} connection(s) is missing"
        yield ctx.finding(
            UNKNOWN,
            ctx.id,
            f"Private endpoint connections of {ctx.name} are not all known: {missing}.",
            missing=missing,
            **evidence,
        )
    else:
        yield ctx.finding(PASS, ctx.id, f"Every private endpoint connection of {ctx.name} is approved.", **evidence)
