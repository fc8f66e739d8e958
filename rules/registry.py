"""Container registry rules (catalogue §4, "Container registry").

Subject: the registry WS references; none referenced gives one `not_applicable` result with the
workspace as subject.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.arm import dig, eq, props
from auditor.checks import bypass_findings, secured_or_unknown, vnet_secured_findings, workspace_network_reach_findings
from auditor.model import DOC_WORKSPACE
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import (
    COMPUTE_TYPE,
    PEERING_TYPE,
    PRIVATE_ENDPOINT_TYPE,
    REGISTRY_TYPE,
    VNET_TYPE,
    WORKSPACE_TYPE,
)

LABEL = "container registry"


def _no_registry(ctx: WorkspaceContext) -> Finding:
    return ctx.finding(NOT_APPLICABLE, ctx.id, f"{ctx.name} references no container registry.")


@rule(
    id="AML-CR-001",
    title="Registry uses a private endpoint",
    applies_when="WS references a registry",
    fails_when="no approved private endpoint; evidence includes `sku.name` (private endpoints need `Premium`)",
    severity=Severity.HIGH,
    family="registry",
    rationale="Azure Container Registry behind a VNet is reached through a private endpoint, which needs the "
    "Premium SKU.",
    remediation="Upgrade the registry to Premium if needed (`az acr update -n <acr> --sku Premium`) and create "
    "a private endpoint of group `registry` in the workspace VNet.",
    source='"For Azure Container Registry, use a private endpoint"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, REGISTRY_TYPE, PRIVATE_ENDPOINT_TYPE),
)
def registry_uses_private_endpoint(ctx: WorkspaceContext) -> Iterable[Finding]:
    registry_id = ctx.registry_id
    if registry_id is None:
        yield _no_registry(ctx)
        return
    approved = ctx.topo.approved_endpoints(registry_id)
    registry = ctx.registry
    evidence = {
        "sku.name": dig(registry, "sku", "name") if registry else None,
        "approved_private_endpoints": [c.describe() for c in approved],
    }
    gap = None if registry else ctx.absence(registry_id, REGISTRY_TYPE)
    gap = gap or ctx.topo.endpoint_gap(registry_id, ctx.id)
    if approved and registry is not None:
        yield ctx.finding(
            PASS, registry_id, f"The container registry of {ctx.name} has an approved private endpoint.", **evidence
        )
    elif gap:
        yield ctx.finding(
            UNKNOWN,
            registry_id,
            f"Private endpoints of the container registry of {ctx.name} are undecided: {gap}.",
            missing=gap,
            **evidence,
        )
    else:
        yield ctx.finding(
            FAIL,
            registry_id,
            f"The container registry of {ctx.name} has no approved private "
            f"endpoint (SKU {evidence['sku.name']}; private endpoints need Premium).",
            **evidence,
        )


@rule(
    id="AML-CR-002",
    title="Registry is VNet-secured",
    applies_when="WS references a registry",
    fails_when="the registry is publicly open",
    severity=Severity.HIGH,
    family="registry",
    rationale="A publicly open registry serves the workspace's images to the internet.",
    remediation="Disable public network access on the registry: `az acr update -n <acr> "
    "--public-network-enabled false` (or `--default-action Deny`).",
    source='table "Azure Container Registry"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, REGISTRY_TYPE),
)
def registry_vnet_secured(ctx: WorkspaceContext) -> Iterable[Finding]:
    if ctx.registry_id is None:
        return [_no_registry(ctx)]
    return vnet_secured_findings(ctx, ctx.registry_id, REGISTRY_TYPE, LABEL)


@rule(
    id="AML-CR-003",
    title="Registry allows trusted services",
    applies_when="the registry is VNet-secured",
    fails_when="`networkRuleBypassOptions` is `None`",
    severity=Severity.MEDIUM,
    family="registry",
    rationale="Azure Machine Learning reaches a firewalled registry as a trusted service.",
    remediation="Allow trusted services: `az acr update -n <acr> --allow-trusted-services true`.",
    source='"Allow trusted services"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, REGISTRY_TYPE),
)
def registry_trusted_services(ctx: WorkspaceContext) -> Iterable[Finding]:
    if ctx.registry_id is None:
        return [_no_registry(ctx)]
    return bypass_findings(ctx, ctx.registry_id, REGISTRY_TYPE, LABEL, ("networkRuleBypassOptions",))


@rule(
    id="AML-CR-004",
    title="Registry reachable from the workspace network",
    applies_when="WS references a registry and has workspace VNets",
    fails_when="no approved registry endpoint sits in a workspace VNet or a VNet peered with one",
    severity=Severity.HIGH,
    family="registry",
    rationale="The workspace and its computes pull images from the registry: its private endpoint should sit in "
    "the workspace VNet (recommended) or a VNet peered with it (allowed).",
    remediation="Create the registry's private endpoint (group `registry`) in a workspace VNet, or peer its VNet "
    "with the workspace VNet in both directions.",
    source='"Limits: ... Container Registry same VNet recommended, peered allowed"',
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, REGISTRY_TYPE, PRIVATE_ENDPOINT_TYPE, VNET_TYPE, PEERING_TYPE),
)
def registry_reachable(ctx: WorkspaceContext) -> Iterable[Finding]:
    registry_id = ctx.registry_id
    if registry_id is None:
        yield _no_registry(ctx)
        return
    present = ctx.workspace_vnets.present
    if present is False:
        yield ctx.finding(NOT_APPLICABLE, registry_id, f"{ctx.name} has no workspace VNet.")
    elif present is None:
        yield ctx.finding(
            UNKNOWN,
            registry_id,
            f"Workspace VNets of {ctx.name} are unknown: {'; '.join(ctx.workspace_vnets.gaps)}.",
            missing=ctx.workspace_vnets.gaps,
        )
    else:
        yield from workspace_network_reach_findings(ctx, registry_id, REGISTRY_TYPE, LABEL, service_endpoints=False)


@rule(
    id="AML-CR-005",
    title="Image builds work behind the VNet",
    applies_when="the registry is VNet-secured",
    fails_when="WS `imageBuildCompute` is empty or absent, or names (case-insensitively) no `AmlCompute` among "
    "WS's computes; a name given while the inventory holds no compute of WS at all: `unknown`",
    severity=Severity.MEDIUM,
    family="registry",
    rationale="ACR Tasks cannot build images for a registry behind a VNet; the workspace must name a compute "
    "cluster (`imageBuildCompute`) to build them.",
    remediation="Set a compute cluster for image builds: `az ml workspace update -n <ws> -g <rg> "
    "--image-build-compute <cluster>`.",
    source="related (secure workspace: ACR behind a VNet)",
    help_uri=DOC_WORKSPACE,
    reads=(WORKSPACE_TYPE, REGISTRY_TYPE, COMPUTE_TYPE),
)
def image_builds_behind_vnet(ctx: WorkspaceContext) -> Iterable[Finding]:
    registry_id = ctx.registry_id
    if registry_id is None:
        yield _no_registry(ctx)
        return
    secured, unknown = secured_or_unknown(ctx, registry_id, REGISTRY_TYPE, LABEL)
    if unknown:
        yield unknown
        return
    if not secured:
        yield ctx.finding(NOT_APPLICABLE, registry_id, f"The container registry of {ctx.name} is not VNet-secured.")
        return
    name = props(ctx.ws).get("imageBuildCompute")
    clusters = [c for c in ctx.computes if eq(props(c).get("computeType"), "AmlCompute")]
    evidence = {
        "properties.imageBuildCompute": name,
        "compute_clusters": sorted(str(c.get("name")) for c in clusters),
    }
    if not isinstance(name, str) or not name.strip():
        yield ctx.finding(
            FAIL,
            registry_id,
            f"{ctx.name} names no image build compute while its registry is behind the VNet.",
            **evidence,
        )
    elif any(eq(c.get("name"), name) for c in clusters):
        yield ctx.finding(PASS, registry_id, f"{ctx.name} builds images on compute cluster {name}.", **evidence)
    elif not ctx.computes:
        gap = ctx.topo.gap(COMPUTE_TYPE, ctx.id)
        reason = gap or f"the inventory holds no compute of {ctx.name}"
        yield ctx.finding(
            UNKNOWN,
            registry_id,
            f"Image build compute {name} of {ctx.name} cannot be checked: {reason}.",
            missing=reason,
            **evidence,
        )
    else:
        gap = ctx.topo.gap(COMPUTE_TYPE, ctx.id)
        if gap:
            yield ctx.finding(
                UNKNOWN,
                registry_id,
                f"Image build compute {name} of {ctx.name} cannot be checked: {gap}.",
                missing=gap,
                **evidence,
            )
        else:
            yield ctx.finding(
                FAIL,
                registry_id,
                f"Image build compute {name} of {ctx.name} is not a compute cluster of the workspace.",
                **evidence,
            )
