"""Egress rules (catalogue §4, "Egress", the document's step 5 "Configure firewall settings").
Subject: each compute subnet of the workspace (EGR-002 also the managed network workspace itself)."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.egress import INTERNET, ComputeSubnet, SubnetPath, compute_subnets, required_outbound, subnet_path
from auditor.egress_topology import FIREWALL_POLICY_TYPE, FIREWALL_TYPE, IP_GROUP_TYPE, RULE_COLLECTION_GROUP_TYPE
from auditor.firewall import ALLOWED, BLOCKED
from auditor.model import DOC_FIREWALL, DOC_TRAINING
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import COMPUTE_TYPE, NSG_TYPE, ROUTE_TABLE_TYPE, SUBNET_TYPE, WORKSPACE_TYPE

PATH_TYPES = (
    COMPUTE_TYPE,
    SUBNET_TYPE,
    NSG_TYPE,
    ROUTE_TABLE_TYPE,
    FIREWALL_TYPE,
    FIREWALL_POLICY_TYPE,
    RULE_COLLECTION_GROUP_TYPE,
    IP_GROUP_TYPE,
)


def _no_subject(ctx: WorkspaceContext) -> Finding:
    """No compute subnet: `not_applicable`, or `unknown` when the computes themselves were hidden (§2)."""
    gap = ctx.topo.gap(COMPUTE_TYPE, ctx.id)
    if gap:
        return ctx.finding(UNKNOWN, ctx.id, f"The computes of {ctx.name} cannot be read: {gap}.", missing=gap)
    return ctx.finding(NOT_APPLICABLE, ctx.id, f"{ctx.name} has no compute subnet.")


def _subnet_evidence(subnet: ComputeSubnet, path: SubnetPath) -> dict[str, object]:
    return {
        "subnet": subnet.id,
        "computes": subnet.computes,
        "source_prefixes": path.prefixes,
        "network_security_group": path.nsg_id,
        "route_table": path.table_id,
    }


@rule(
    id="AML-EGR-001",
    title="Required outbound traffic reaches Azure Machine Learning's dependencies",
    applies_when="each compute subnet",
    fails_when="a required outbound (R1–R10) is **blocked**; `unknown` when none is blocked and one is undecided. "
    "Evidence: per requirement, its verdict and the NSG rule, route and firewall rule (policy, group, "
    "collection, rule name) that decided it",
    severity=Severity.HIGH,
    family="egress",
    rationale="Compute instances and clusters need Entra ID, the Azure ML service, Batch, Resource Manager, "
    "Storage, the Microsoft Container Registry and Front Door; an NSG, route or firewall that drops one of "
    "them leaves jobs hanging and compute creation failing.",
    remediation="Allow each blocked requirement on its path: an NSG outbound rule to the service tag, and an "
    "Azure Firewall network rule for the tag and port (az network firewall policy rule-collection-group collection "
    "add-filter-collection --rule-type NetworkRule ...) or an application rule for its host names.",
    source='"Configure firewall settings"; related (behind a firewall: required outbound)',
    help_uri=DOC_FIREWALL,
    reads=(WORKSPACE_TYPE, *PATH_TYPES),
)
def required_outbound_reaches(ctx: WorkspaceContext) -> Iterable[Finding]:
    subnets = compute_subnets(ctx)
    if not subnets:
        yield _no_subject(ctx)
        return
    for subnet in subnets:
        path = subnet_path(ctx.topo, subnet.id)
        flows = [path.evaluate(r) for r in required_outbound(ctx.region or "", ctx.cloud, subnet.has_instance)]
        evidence = {**_subnet_evidence(subnet, path), "requirements": [f.row() for f in flows]}
        if not ctx.region:
            evidence["missing"] = f"{ctx.name} has no location: regional service tags cannot be named"
        blocked = [f.requirement.id for f in flows if f.verdict == BLOCKED]
        undecided = [f.requirement.id for f in flows if f.verdict not in (ALLOWED, BLOCKED)]
        if blocked:
            yield ctx.finding(
                FAIL, subnet.id, f"Required outbound {', '.join(blocked)} from {subnet.label} is blocked.", **evidence
            )
        elif undecided or not ctx.region:
            yield ctx.finding(
                UNKNOWN,
                subnet.id,
                f"Required outbound {', '.join(undecided) or 'R4, R6, R7'} from {subnet.label} is undecided.",
                **evidence,
            )
        else:
            yield ctx.finding(
                PASS,
                subnet.id,
                f"Every required outbound (R1–R{len(flows)}) from {subnet.label} is allowed.",
                **evidence,
            )


@rule(
    id="AML-EGR-002",
    title="Internet egress is filtered",
    applies_when="each compute subnet; for a managed network workspace, the workspace itself",
    fails_when="compute subnet: traffic on TCP 443 to a public address outside Azure would be **allowed** by the "
    "path above (covered only by `*`, `0.0.0.0/0` and `Internet`; application rules: `targetFqdns` `*` with "
    "`Https`). Managed network workspace: isolation mode is `AllowInternetOutbound`",
    severity=Severity.MEDIUM,
    family="egress",
    rationale="Unfiltered internet egress lets code running on compute exfiltrate data anywhere; the document "
    "asks for a firewall between the workspace resources and the public internet.",
    remediation="Send 0.0.0.0/0 from the compute subnet to an Azure Firewall that allows only the required "
    "outbound (az network route-table route create ... --address-prefix 0.0.0.0/0 --next-hop-type "
    "VirtualAppliance --next-hop-ip-address <firewall IP>), or set the managed network to "
    "`AllowOnlyApprovedOutbound` (az ml workspace update --managed-network allow_only_approved_outbound).",
    source='"Configure your firewall to control traffic between your workspace resources and the public '
    'internet"; related (managed network: allow only approved outbound)',
    help_uri=DOC_FIREWALL,
    reads=(WORKSPACE_TYPE, *PATH_TYPES),
)
def internet_egress_filtered(ctx: WorkspaceContext) -> Iterable[Finding]:
    subnets = compute_subnets(ctx)
    if ctx.is_managed:
        evidence = {"properties.managedNetwork.isolationMode": ctx.isolation_mode}
        if ctx.isolation_mode.lower() == "allowinternetoutbound":
            yield ctx.finding(FAIL, ctx.id, f"The managed network of {ctx.name} allows internet outbound.", **evidence)
        else:
            yield ctx.finding(
                PASS, ctx.id, f"The managed network of {ctx.name} allows only approved outbound.", **evidence
            )
    elif not subnets:
        yield _no_subject(ctx)
    for subnet in subnets:
        path = subnet_path(ctx.topo, subnet.id)
        flow = path.evaluate(INTERNET)
        evidence = {**_subnet_evidence(subnet, path), "internet_tcp_443": flow.row()}
        if flow.verdict == ALLOWED:
            yield ctx.finding(
                FAIL, subnet.id, f"{subnet.label} can reach the internet on TCP 443 unfiltered.", **evidence
            )
        elif flow.verdict == BLOCKED:
            yield ctx.finding(PASS, subnet.id, f"Internet egress from {subnet.label} is filtered.", **evidence)
        else:
            yield ctx.finding(
                UNKNOWN,
                subnet.id,
                f"Whether {subnet.label} reaches the internet is undecided: {'; '.join(flow.reasons)}.",
                **evidence,
            )


@rule(
    id="AML-EGR-003",
    title="Compute without public IP has an outbound path",
    applies_when="each compute subnet holding a compute with `enableNodePublicIp` false (or serverless compute "
    "with `serverlessComputeNoPublicIP` true)",
    fails_when="the subnet has no outbound path: no route sending `0.0.0.0/0` to `VirtualAppliance`, "
    "`VirtualApplianceEcmp` or `VirtualNetworkGateway`, no `natGateway`, and `defaultOutboundAccess` false "
    "(absent = true)",
    severity=Severity.HIGH,
    family="egress",
    rationale="Compute without a public IP still needs outbound access to Azure services; without a NAT "
    "gateway, a firewall route or default outbound access (being retired) it cannot start.",
    remediation="Attach a NAT gateway to the subnet (`az network vnet subnet update ... --nat-gateway <nat>`) or "
    "route 0.0.0.0/0 to a firewall.",
    source="related (training without public IP: outbound through a NAT gateway or firewall)",
    help_uri=DOC_TRAINING,
    reads=(COMPUTE_TYPE, WORKSPACE_TYPE, SUBNET_TYPE, ROUTE_TABLE_TYPE),
)
def no_public_ip_has_outbound_path(ctx: WorkspaceContext) -> Iterable[Finding]:
    subnets = compute_subnets(ctx)
    if not subnets:
        yield _no_subject(ctx)
        return
    for subnet in subnets:
        path = subnet_path(ctx.topo, subnet.id)
        base = {"subnet": subnet.id, "computes": subnet.computes, "without_public_ip": subnet.no_public_ip}
        if not subnet.no_public_ip:
            yield ctx.finding(NOT_APPLICABLE, subnet.id, f"Every compute in {subnet.label} has a public IP.", **base)
            continue
        if path.absent:
            yield ctx.finding(UNKNOWN, subnet.id, f"Subnet {subnet.label} cannot be read: {path.absent}.", **base)
            continue
        has_path, evidence = path.outbound_path()
        evidence = {**base, **evidence}
        if has_path:
            yield ctx.finding(PASS, subnet.id, f"{subnet.label} has an outbound path.", **evidence)
        elif has_path is None:
            yield ctx.finding(
                UNKNOWN,
                subnet.id,
                f"The route table {path.table_id} of {subnet.label} is absent from the inventory.",
                **evidence,
            )
        else:
            yield ctx.finding(
                FAIL,
                subnet.id,
                f"{subnet.label} has no outbound path: no NAT gateway, no default route to a firewall, "
                "default outbound access disabled.",
                **evidence,
            )
