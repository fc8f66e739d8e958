"""Default storage account rules (catalogue §4, "Default storage account").

Subject: the storage WS references (its id even when absent); a workspace that references none
gets one result with itself as subject (catalogue §2).
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.arm import as_dict, as_list, dig, eq, props, wildcard_match
from auditor.checks import secured_or_unknown, subject_of, vnet_secured_findings
from auditor.model import DOC_WORKSPACE
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import PRIVATE_ENDPOINT_TYPE, STORAGE_TYPE, SUBNET_TYPE, WORKSPACE_TYPE

GROUPS = ("blob", "file")
LABEL = "default storage"


def _subject(ctx: WorkspaceContext) -> str:
    return subject_of(ctx, ctx.storage_id)


def _secured_or_unknown(ctx: WorkspaceContext) -> tuple[bool | None, Finding | None]:
    return secured_or_unknown(ctx, ctx.storage_id, STORAGE_TYPE, LABEL)


@rule(
    id="AML-ST-001",
    title="Default storage is VNet-secured",
    applies_when="always",
    fails_when="the storage is publicly open",
    severity=Severity.HIGH,
    family="storage",
    rationale="The default storage holds the workspace's data, models and logs; left publicly open, it is "
    "reachable from the internet whatever the workspace's own isolation.",
    remediation="Deny public access on the storage firewall and reach it through private or service endpoints: "
    "`az storage account update -n <sa> -g <rg> --default-action Deny` (or `--public-network-access Disabled`).",
    source='"Associated resource: service or private endpoints"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, STORAGE_TYPE),
)
def storage_vnet_secured(ctx: WorkspaceContext) -> Iterable[Finding]:
    return vnet_secured_findings(ctx, ctx.storage_id, STORAGE_TYPE, LABEL)


@rule(
    id="AML-ST-002",
    title="Default storage reachable privately for blob and file",
    applies_when="always",
    fails_when="`blob` or `file` lacks private reach: neither an approved endpoint of that group nor "
    "service-endpoint access from some VNet; evidence names the missing one(s)",
    severity=Severity.HIGH,
    family="storage",
    rationale="The workspace and its computes use both the blob and the file services of the default storage; "
    "each needs a private endpoint or a service endpoint.",
    remediation="Create private endpoints of groups `blob` and `file` for the storage in the workspace VNet "
    "(`az network private-endpoint create --group-id blob|file ...`), or enable the `Microsoft.Storage` service "
    "endpoint on the subnet and add it to the storage firewall.",
    source='table "Azure Storage: private and service endpoint"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, STORAGE_TYPE, PRIVATE_ENDPOINT_TYPE, SUBNET_TYPE),
)
def storage_private_reach(ctx: WorkspaceContext) -> Iterable[Finding]:
    if ctx.storage_id is None:
        yield ctx.finding(UNKNOWN, ctx.id, f"{ctx.name} references no default storage.")
        return
    approved = ctx.topo.approved_endpoints(ctx.storage_id)
    covered = {g for g in GROUPS if any(eq(c.group, g) for c in approved)}
    uncertain = [
        f"group of endpoint {c.endpoint_id} is unknown (endpoint resource absent)" for c in approved if c.group is None
    ]
    gap = ctx.topo.endpoint_gap(ctx.storage_id, ctx.id)
    uncertain += [gap] if gap else []
    service: list[str] = []
    if ctx.storage is None:
        uncertain.append(ctx.absence(ctx.storage_id, STORAGE_TYPE))
    else:
        by_subnet, subnet_gaps = ctx.topo.service_endpoint_reach(ctx.storage, "Microsoft.Storage")
        service = sorted(by_subnet)
        uncertain += subnet_gaps
    missing = [g for g in GROUPS if g not in covered and not service]
    evidence = {
        "private_endpoints": [c.describe() for c in approved],
        "service_endpoint_vnets": [ctx.vnet_display(v) for v in service],
        "groups_without_private_reach": missing,
    }
    if not missing and ctx.storage is not None:
        yield ctx.finding(
            PASS, _subject(ctx), f"Default storage of {ctx.name} is reachable privately for blob and file.", **evidence
        )
    elif uncertain:
        yield ctx.finding(
            UNKNOWN,
            _subject(ctx),
            f"Private reach of the default storage of {ctx.name} is undecided: {'; '.join(uncertain)}.",
            missing=uncertain,
            **evidence,
        )
    else:
        yield ctx.finding(
            FAIL,
            _subject(ctx),
            f"Default storage of {ctx.name} has no private reach for {' and '.join(missing)}.",
            **evidence,
        )


@rule(
    id="AML-ST-003",
    title="Workspace and default storage share a VNet",
    applies_when="WS has workspace VNets and the storage is reachable from at least one VNet",
    fails_when="none of the VNets the storage is reachable from is a workspace VNet (subnets may differ)",
    severity=Severity.HIGH,
    family="storage",
    rationale="The workspace and its default storage account must be in the same virtual network (subnets may differ).",
    remediation="Create the storage's blob and file private endpoints (or service endpoints) in a VNet that "
    "holds the workspace's private endpoint.",
    source='"Limits: the workspace and the default storage account must be in the same virtual network"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, STORAGE_TYPE, PRIVATE_ENDPOINT_TYPE, SUBNET_TYPE),
)
def storage_shares_workspace_vnet(ctx: WorkspaceContext) -> Iterable[Finding]:
    vnets = ctx.workspace_vnets
    subject = _subject(ctx)
    if vnets.present is False:
        yield ctx.finding(NOT_APPLICABLE, subject, f"{ctx.name} has no workspace VNet.")
        return
    if ctx.storage_id is None:
        yield ctx.finding(UNKNOWN, subject, f"{ctx.name} references no default storage.")
        return
    reach = ctx.reach(ctx.storage_id, GROUPS)
    evidence = {
        "workspace_vnets": sorted(vnets.names.values()),
        "storage_reachable_from": sorted(ctx.vnet_display(v) for v in reach.vnets),
    }
    shared = sorted(v for v in reach.vnets if v in vnets)
    missing = list(reach.gaps) + list(vnets.gaps)
    if ctx.storage is None:
        missing.append(ctx.absence(ctx.storage_id, STORAGE_TYPE))
    if shared and ctx.storage is not None:
        yield ctx.finding(
            PASS,
            subject,
            f"Default storage of {ctx.name} is reachable from workspace VNet {ctx.vnet_display(shared[0])}.",
            **evidence,
        )
    elif vnets.present is None or missing:
        yield ctx.finding(
            UNKNOWN,
            subject,
            f"Whether {ctx.name} and its default storage share a VNet is undecided: {'; '.join(missing)}.",
            missing=missing,
            **evidence,
        )
    elif not reach.vnets:
        yield ctx.finding(
            NOT_APPLICABLE, subject, f"Default storage of {ctx.name} is reachable from no VNet.", **evidence
        )
    else:
        yield ctx.finding(
            FAIL,
            subject,
            f"Default storage of {ctx.name} is reachable only from VNets that hold no workspace private endpoint.",
            **evidence,
        )


@rule(
    id="AML-ST-004",
    title="Storage trusts the workspace",
    applies_when="the storage is VNet-secured",
    fails_when="neither `networkAcls.resourceAccessRules[]` grants WS (`resourceId` equal to WS id, or a "
    "pattern whose `*` matches any run of characters, `/` included; `tenantId` ignored) nor `bypass` "
    "contains `AzureServices`",
    severity=Severity.MEDIUM,
    family="storage",
    rationale="Behind a firewall, the storage must let the workspace in, either as a resource instance or "
    "through the trusted Azure services exception.",
    remediation="Grant the workspace as a resource instance (`az storage account network-rule add "
    "--resource-id <ws id> --tenant-id <tenant>`) or allow trusted Azure services (`--bypass AzureServices`).",
    source='"Grant access from Azure resource instances / trusted Azure services"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, STORAGE_TYPE),
)
def storage_trusts_workspace(ctx: WorkspaceContext) -> Iterable[Finding]:
    secured, unknown = _secured_or_unknown(ctx)
    if unknown:
        yield unknown
        return
    subject = _subject(ctx)
    if not secured:
        yield ctx.finding(NOT_APPLICABLE, subject, f"Default storage of {ctx.name} is not VNet-secured.")
        return
    acls = as_dict(dig(props(ctx.storage), "networkAcls"))
    rules = [r for r in as_list(acls.get("resourceAccessRules")) if isinstance(r, dict)]
    granting = [
        r.get("resourceId")
        for r in rules
        if isinstance(r.get("resourceId"), str) and wildcard_match(r["resourceId"], ctx.id)
    ]
    bypass_raw = acls.get("bypass")
    bypass = [b.strip() for b in (bypass_raw if isinstance(bypass_raw, str) else "AzureServices").split(",")]
    evidence = {
        "properties.networkAcls.resourceAccessRules": [r.get("resourceId") for r in rules],
        "properties.networkAcls.bypass": bypass_raw,
        "granting_rules": granting,
    }
    if bypass_raw is None:
        evidence["defaulted"] = ["properties.networkAcls.bypass = AzureServices"]
    if granting or any(eq(b, "AzureServices") for b in bypass):
        yield ctx.finding(
            PASS, subject, f"Default storage of {ctx.name} lets the workspace through its firewall.", **evidence
        )
    else:
        yield ctx.finding(
            FAIL,
            subject,
            f"Default storage of {ctx.name} neither grants the workspace nor allows trusted Azure services.",
            **evidence,
        )


@rule(
    id="AML-ST-005",
    title="Remote clients admitted by the storage firewall",
    applies_when="WS is internet-reachable and the storage is VNet-secured",
    fails_when="the storage `publicNetworkAccess` is `Disabled` or `SecuredByPerimeter`, or "
    "`networkAcls.ipRules` is empty",
    severity=Severity.MEDIUM,
    family="storage",
    rationale="Studio users of an internet-reachable workspace read the storage from their own network; a "
    "secured storage must list their client IP addresses, or the studio cannot show data.",
    remediation="Add the clients' public IP addresses to the storage firewall: `az storage account network-rule "
    "add -n <sa> -g <rg> --ip-address <client ip>` (public network access must be Enabled from selected "
    "networks).",
    source='"add your client\'s IP address to the storage firewall allow list"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, STORAGE_TYPE, PRIVATE_ENDPOINT_TYPE),
)
def storage_admits_remote_clients(ctx: WorkspaceContext) -> Iterable[Finding]:
    subject = _subject(ctx)
    reachable = ctx.internet_reachable
    if reachable is False:
        yield ctx.finding(NOT_APPLICABLE, subject, f"{ctx.name} is not reachable from the internet.")
        return
    secured, unknown = _secured_or_unknown(ctx)
    if secured is False:
        yield ctx.finding(NOT_APPLICABLE, subject, f"Default storage of {ctx.name} is not VNet-secured.")
        return
    if unknown:
        yield unknown
        return
    if reachable is None:
        yield ctx.finding(
            UNKNOWN, subject, f"Public access of {ctx.name} is unknown: {ctx.endpoint_gap}.", missing=ctx.endpoint_gap
        )
        return
    p = props(ctx.storage)
    pna = p.get("publicNetworkAccess")
    ip_rules = as_list(dig(p, "networkAcls", "ipRules"))
    evidence = {"properties.publicNetworkAccess": pna, "properties.networkAcls.ipRules": ip_rules}
    if eq(pna, "Disabled") or eq(pna, "SecuredByPerimeter"):
        yield ctx.finding(
            FAIL,
            subject,
            f"Default storage of {ctx.name} refuses every public client (publicNetworkAccess {pna}).",
            **evidence,
        )
    elif not ip_rules:
        yield ctx.finding(FAIL, subject, f"Default storage of {ctx.name} lists no client IP address.", **evidence)
    else:
        yield ctx.finding(
            PASS, subject, f"Default storage of {ctx.name} admits {len(ip_rules)} client IP range(s).", **evidence
        )
