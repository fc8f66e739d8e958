"""Training compute rules (catalogue §4, "Training compute"): where the compute sits — in a VNet, the
workspace's VNet, region and subscription (AML-CMP-001..004). Subject: each compute
instance and compute cluster of the workspace."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.arm import props, region_key, subscription_of, vnet_of_subnet
from auditor.context import (
    compute_subnet,
)
from auditor.model import DOC_TRAINING
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import (
    COMPUTE_TYPE,
    PRIVATE_ENDPOINT_TYPE,
    VNET_TYPE,
)
from auditor.training import each_customer_vnet_compute


@rule(
    id="AML-CMP-001",
    title="Compute runs in a virtual network",
    applies_when="always (see managed network, §1)",
    fails_when="the compute has no `subnet.id`",
    severity=Severity.HIGH,
    family="compute",
    rationale="Compute instances and clusters outside the virtual network cannot reach the secured workspace "
    "resources privately.",
    remediation="Recreate the compute in a subnet of the workspace VNet (`az ml compute create ... --vnet-name "
    "<vnet> --subnet <subnet>`), or use a managed network workspace.",
    source='"Create a compute instance and cluster in the virtual network"',
    help_uri=DOC_TRAINING,
    reads=(COMPUTE_TYPE,),
)
def compute_in_vnet(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute, skipped in each_customer_vnet_compute(ctx):
        if skipped:
            yield skipped
            continue
        subnet = compute_subnet(compute)
        evidence = {"properties.properties.subnet.id": subnet}
        if subnet:
            yield ctx.finding(PASS, compute["id"], f"{compute.get('name')} runs in subnet {subnet}.", **evidence)
        else:
            yield ctx.finding(FAIL, compute["id"], f"{compute.get('name')} runs in no virtual network.", **evidence)


@rule(
    id="AML-CMP-002",
    title="Compute in the workspace's VNet",
    applies_when="the compute has a subnet and WS has workspace VNets",
    fails_when="the subnet's VNet is not a workspace VNet",
    severity=Severity.HIGH,
    family="compute",
    rationale="Compute must sit in the same virtual network as the workspace and its associated resources.",
    remediation="Recreate the compute in a subnet of a VNet that holds the workspace private endpoint.",
    source='"Limits: same virtual network ... as the workspace and associated resources"',
    help_uri=DOC_TRAINING,
    reads=(COMPUTE_TYPE, PRIVATE_ENDPOINT_TYPE),
)
def compute_in_workspace_vnet(ctx: WorkspaceContext) -> Iterable[Finding]:
    vnets = ctx.workspace_vnets
    for compute, skipped in each_customer_vnet_compute(ctx):
        if skipped:
            yield skipped
            continue
        subnet = compute_subnet(compute)
        vnet = vnet_of_subnet(subnet) if subnet else None
        evidence = {"subnet": subnet, "vnet": vnet, "workspace_vnets": sorted(vnets.names.values())}
        if not subnet or vnets.present is False:
            yield ctx.finding(
                NOT_APPLICABLE,
                compute["id"],
                f"{compute.get('name')} has no subnet, or {ctx.name} has no workspace VNet.",
                **evidence,
            )
        elif vnets.present is None:
            yield ctx.finding(
                UNKNOWN,
                compute["id"],
                f"Workspace VNets of {ctx.name} are unknown: {'; '.join(vnets.gaps)}.",
                missing=vnets.gaps,
                **evidence,
            )
        elif vnet and vnet in vnets:
            yield ctx.finding(PASS, compute["id"], f"{compute.get('name')} runs in workspace VNet {vnet}.", **evidence)
        else:
            yield ctx.finding(
                FAIL,
                compute["id"],
                f"{compute.get('name')} runs in VNet {vnet}, which holds no private endpoint of {ctx.name}.",
                **evidence,
            )


@rule(
    id="AML-CMP-003",
    title="Compute in the workspace's region",
    applies_when="always",
    fails_when="the compute's region (`properties.computeLocation`, else `location`) differs from WS "
    "`location`, or the VNet of its subnet is in another region (compare lower-cased, spaces "
    "removed); a subnet whose VNet is absent: `unknown` unless the compute's own region already "
    "fails",
    severity=Severity.HIGH,
    family="compute",
    rationale="Compute, its virtual network and the workspace must be in the same Azure region.",
    remediation="Recreate the compute in the workspace's region, in a VNet of that region.",
    source='"Limits: same region"',
    help_uri=DOC_TRAINING,
    reads=(COMPUTE_TYPE, VNET_TYPE),
)
def compute_in_workspace_region(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute in ctx.training_computes:
        own = props(compute).get("computeLocation") or compute.get("location")
        subnet = compute_subnet(compute)
        vnet_id = vnet_of_subnet(subnet) if subnet else None
        vnet = ctx.topo.vnet(vnet_id)
        evidence = {
            "workspace_location": ctx.location,
            "compute_location": own,
            "vnet": vnet_id,
            "vnet_location": vnet.get("location") if vnet else None,
        }
        ws_region, own_region = ctx.region, region_key(own)
        vnet_region = region_key(vnet.get("location")) if vnet else None
        name = compute.get("name")
        if ws_region and own_region and own_region != ws_region:
            yield ctx.finding(FAIL, compute["id"], f"{name} is in {own}, {ctx.name} in {ctx.location}.", **evidence)
        elif ws_region and vnet_region and vnet_region != ws_region:
            yield ctx.finding(
                FAIL,
                compute["id"],
                f"The VNet of {name} is in {vnet.get('location')}, {ctx.name} in "  # type: ignore[union-attr]
                f"{ctx.location}.",
                **evidence,
            )
        elif not ws_region or not own_region or (vnet_id and not vnet_region):
            missing = [
                what
                for what, value in (("workspace location", ws_region), ("compute location", own_region))
                if not value
            ]
            if vnet_id and not vnet_region:
                missing.append(ctx.topo.gap(VNET_TYPE, vnet_id) or f"VNet {vnet_id} is absent or has no location")
            yield ctx.finding(
                UNKNOWN,
                compute["id"],
                f"Region of {name} undecided: {'; '.join(missing)}.",
                missing=missing,
                **evidence,
            )
        else:
            yield ctx.finding(PASS, compute["id"], f"{name} is in the workspace's region.", **evidence)


@rule(
    id="AML-CMP-004",
    title="Compute in the workspace's subscription",
    applies_when="the compute has a subnet",
    fails_when="the subnet id names another subscription than WS",
    severity=Severity.HIGH,
    family="compute",
    rationale="The compute's virtual network must be in the workspace's subscription.",
    remediation="Recreate the compute in a VNet of the workspace's subscription.",
    source='"Limits: same subscription"',
    help_uri=DOC_TRAINING,
    reads=(COMPUTE_TYPE,),
)
def compute_in_workspace_subscription(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute, skipped in each_customer_vnet_compute(ctx):
        if skipped:
            yield skipped
            continue
        subnet = compute_subnet(compute)
        if not subnet:
            yield ctx.finding(NOT_APPLICABLE, compute["id"], f"{compute.get('name')} has no subnet.")
            continue
        theirs, ours = subscription_of(subnet), subscription_of(ctx.id)
        evidence = {"subnet": subnet, "subnet_subscription": theirs, "workspace_subscription": ours}
        if theirs and ours and theirs.lower() == ours.lower():
            yield ctx.finding(
                PASS, compute["id"], f"{compute.get('name')} is in the workspace's subscription.", **evidence
            )
        else:
            yield ctx.finding(
                FAIL,
                compute["id"],
                f"The subnet of {compute.get('name')} is in subscription {theirs}, {ctx.name} in {ours}.",
                **evidence,
            )
