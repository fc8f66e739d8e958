"""Training compute rules (catalogue §4, "Training compute"): what public-IP compute exposes — private link
for no-public-IP compute, public SSH, private IPs in a private workspace (AML-CMP-007..009). Subject: each compute
instance and compute cluster of the workspace."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.arm import Resource, dig, eq
from auditor.context import (
    compute_block,
    compute_subnet,
    compute_type,
    has_public_ip,
    merged_evidence,
)
from auditor.model import DOC_OVERVIEW, DOC_TRAINING
from auditor.posture import scenario_evidence, scenario_in, scenario_note
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import (
    COMPUTE_TYPE,
    PRIVATE_ENDPOINT_TYPE,
    WORKSPACE_TYPE,
)
from auditor.training import each_customer_vnet_compute


@rule(
    id="AML-CMP-007",
    title="No-public-IP compute has private link",
    applies_when="the compute has `enableNodePublicIp` false",
    fails_when="WS has no approved private endpoint",
    severity=Severity.HIGH,
    family="compute",
    rationale="Compute created without a public IP is managed through a private link service; it needs the "
    "workspace's private endpoint.",
    remediation="Create a private endpoint for the workspace in the compute's VNet.",
    source='"created without a public IP, you get a private link service"; related (secure training)',
    help_uri=DOC_TRAINING,
    reads=(COMPUTE_TYPE, WORKSPACE_TYPE, PRIVATE_ENDPOINT_TYPE),
)
def no_public_ip_has_private_link(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute, skipped in each_customer_vnet_compute(ctx):
        if skipped:
            yield skipped
            continue
        name = compute.get("name")
        value = compute_block(compute).get("enableNodePublicIp")
        evidence = {
            "properties.properties.enableNodePublicIp": value,
            "has_approved_private_endpoint": ctx.has_private_endpoint,
        }
        if value is not False:
            yield ctx.finding(NOT_APPLICABLE, compute["id"], f"{name} has a public IP.", **evidence)
        elif ctx.has_private_endpoint:
            yield ctx.finding(
                PASS, compute["id"], f"{ctx.name} has a private endpoint for no-public-IP {name}.", **evidence
            )
        elif ctx.has_private_endpoint is None:
            yield ctx.finding(
                UNKNOWN,
                compute["id"],
                f"Private endpoints of {ctx.name} are unknown: {ctx.endpoint_gap}.",
                missing=ctx.endpoint_gap,
                **evidence,
            )
        else:
            yield ctx.finding(
                FAIL,
                compute["id"],
                f"No-public-IP {name} needs a private endpoint of {ctx.name}, which has none.",
                **evidence,
            )


def _public_ssh(ctx: WorkspaceContext, compute: Resource) -> tuple[bool, dict[str, object]]:
    block = compute_block(compute)
    if compute_type(compute) == "computeinstance":
        value = dig(block, "sshSettings", "sshPublicAccess")
        evidence: dict[str, object] = {"properties.properties.sshSettings.sshPublicAccess": value}
        if value is None:
            evidence["defaulted"] = ["sshPublicAccess = Disabled"]
        return eq(value, "Enabled"), evidence
    access = block.get("remoteLoginPortPublicAccess")
    admin = dig(block, "userAccountCredentials", "adminUserName")
    in_no_vnet = compute_subnet(compute) is None and not ctx.is_managed
    evidence = {
        "properties.properties.remoteLoginPortPublicAccess": access,
        "admin_user_set": bool(admin),
        "in_no_vnet": in_no_vnet,
    }
    if access is None:
        evidence["defaulted"] = ["remoteLoginPortPublicAccess = NotSpecified"]
    effective = access or "NotSpecified"
    opened = eq(effective, "Enabled") or (eq(effective, "NotSpecified") and in_no_vnet and bool(admin))
    return opened, evidence


@rule(
    id="AML-CMP-008",
    title="No public SSH on compute",
    applies_when="the compute has a public IP",
    fails_when="cluster: `remoteLoginPortPublicAccess` `Enabled`, or `NotSpecified` when the cluster is in no "
    "VNet (no subnet, and WS is not a managed network workspace) and "
    "`userAccountCredentials.adminUserName` is set (the API opens SSH on public nodes outside a VNet "
    "in that case); instance: `sshSettings.sshPublicAccess` `Enabled` (absent = `Disabled`)",
    severity=Severity.MEDIUM,
    family="compute",
    rationale="SSH open to the internet on public-IP nodes is an entry point that bypasses the VNet.",
    remediation="Disable public SSH: clusters `remoteLoginPortPublicAccess: Disabled` (recreate the cluster), "
    "instances `sshSettings.sshPublicAccess: Disabled`.",
    source="related",
    help_uri=DOC_TRAINING,
    reads=(COMPUTE_TYPE,),
)
def no_public_ssh(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute in ctx.training_computes:
        public, ip_evidence = has_public_ip(compute)
        name = compute.get("name")
        if not public:
            yield ctx.finding(NOT_APPLICABLE, compute["id"], f"{name} has no public IP.", **ip_evidence)
            continue
        opened, evidence = _public_ssh(ctx, compute)
        if opened:
            yield ctx.finding(
                FAIL, compute["id"], f"{name} accepts SSH from the internet.", **merged_evidence(evidence, ip_evidence)
            )
        else:
            yield ctx.finding(
                PASS, compute["id"], f"{name} does not accept public SSH.", **merged_evidence(evidence, ip_evidence)
            )


@rule(
    id="AML-CMP-009",
    title="Training compute on private IPs in a private workspace",
    applies_when="scenario is `private-workspace`",
    fails_when="the compute has a public IP (the document's table: secured scenario, training compute on private IP)",
    severity=Severity.LOW,
    family="compute",
    rationale="In the document's secured scenario, training compute runs on private IP addresses only.",
    remediation="Recreate the compute with `enableNodePublicIp: false` (`az ml compute create ... "
    "--enable-node-public-ip false`).",
    source="comparison table",
    help_uri=DOC_OVERVIEW,
    reads=(COMPUTE_TYPE, WORKSPACE_TYPE, PRIVATE_ENDPOINT_TYPE),
)
def training_on_private_ips(ctx: WorkspaceContext) -> Iterable[Finding]:
    applies = scenario_in(ctx, "private-workspace")
    about = scenario_evidence(ctx)
    for compute in ctx.training_computes:
        public, evidence = has_public_ip(compute)
        name = compute.get("name")
        if applies is None:
            yield ctx.finding(UNKNOWN, compute["id"], f"Scenario of {ctx.name} is unknown.", **about, **evidence)
        elif not applies:
            yield ctx.finding(
                NOT_APPLICABLE, compute["id"], f"{ctx.name} is not a private workspace ({scenario_note(ctx)}).", **about
            )
        elif public:
            yield ctx.finding(
                FAIL, compute["id"], f"{name} has a public IP in private workspace {ctx.name}.", **about, **evidence
            )
        else:
            yield ctx.finding(PASS, compute["id"], f"{name} runs on private IPs.", **about, **evidence)
