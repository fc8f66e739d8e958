"""Training compute rules (catalogue §4, "Training compute"). Subject: each compute instance and
compute cluster of the workspace."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from auditor.arm import Resource, dig, eq, props, ref_id, region_key, subscription_of, vnet_of_subnet
from auditor.context import (
    compute_block,
    compute_subnet,
    compute_type,
    has_public_ip,
    merged_evidence,
    subnet_prefixes,
)
from auditor.model import DOC_FIREWALL, DOC_OVERVIEW, DOC_TRAINING
from auditor.nsg import inbound_tcp_verdict
from auditor.posture import scenario_of
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import (
    COMPUTE_TYPE,
    NSG_TYPE,
    PRIVATE_ENDPOINT_TYPE,
    ROUTE_TABLE_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
    WORKSPACE_TYPE,
)

MANAGEMENT_PORT = 44224
FORCED_TUNNEL_HOPS = ("virtualappliance", "virtualapplianceecmp", "virtualnetworkgateway")


def _in_managed_vnet(ctx: WorkspaceContext, compute: Resource) -> bool:
    """Compute without a subnet in a managed network workspace runs in the managed VNet (§1)."""
    return ctx.is_managed and compute_subnet(compute) is None


def _each_customer_vnet_compute(ctx: WorkspaceContext) -> Iterator[tuple[Resource, Finding | None]]:
    """Each training compute, with the `not_applicable` finding for those in the managed VNet."""
    for compute in ctx.training_computes:
        if _in_managed_vnet(ctx, compute):
            yield (
                compute,
                ctx.finding(
                    NOT_APPLICABLE, compute["id"], f"{compute.get('name')} runs in the managed VNet of {ctx.name}."
                ),
            )
        else:
            yield compute, None


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
    for compute, skipped in _each_customer_vnet_compute(ctx):
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
    for compute, skipped in _each_customer_vnet_compute(ctx):
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
    for compute, skipped in _each_customer_vnet_compute(ctx):
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


def _public_ip_computes_and_subnets(
    ctx: WorkspaceContext, what: str
) -> Iterator[tuple[Resource, Resource, dict[str, Any], Finding | None]]:
    """Each customer-VNet compute with a public IP and a subnet, with that subnet and the evidence of
    its public IP; any other compute comes with the finding that ends its judgement (managed VNet:
    not applicable; no public IP or no subnet: not applicable; subnet absent: its `what` is unknown)."""
    for compute, skipped in _each_customer_vnet_compute(ctx):
        public, ip_evidence = has_public_ip(compute)
        subnet_id = compute_subnet(compute)
        name = compute.get("name")
        if skipped:
            yield compute, {}, ip_evidence, skipped
        elif not public or not subnet_id:
            ended = ctx.finding(NOT_APPLICABLE, compute["id"], f"{name} has no public IP or no subnet.", **ip_evidence)
            yield compute, {}, ip_evidence, ended
        elif (subnet := ctx.topo.subnet(subnet_id)) is None:
            gap = ctx.topo.gap(SUBNET_TYPE, subnet_id) or ctx.topo.gap(VNET_TYPE, subnet_id)
            reason = gap or f"subnet {subnet_id} is absent from the inventory"
            ended = ctx.finding(UNKNOWN, compute["id"], f"{what} of {name} unknown: {reason}.", missing=reason)
            yield compute, {}, ip_evidence, ended
        else:
            yield compute, subnet, ip_evidence, None


def _management_sources(ctx: WorkspaceContext, tag: str) -> set[str]:
    sources = {tag.lower(), "*", "internet"}
    if ctx.region:
        sources.add(f"{tag}.{ctx.region}".lower())
    return sources


@rule(
    id="AML-CMP-005",
    title="Inbound management traffic allowed for public-IP compute",
    applies_when="the compute has a public IP and a subnet",
    fails_when="the subnet's NSG, evaluated the Azure way (custom and default rules by ascending priority, "
    "first match wins), does not allow inbound TCP 44224 from `AzureMachineLearning`. A rule matches "
    "when: direction `Inbound`; protocol `Tcp` or `*`; a source is `AzureMachineLearning`, "
    "`AzureMachineLearning.<WS region>`, `*` or `Internet` and no source application security group "
    "is set; source ports `*`; a destination is `*`, `VirtualNetwork` or a prefix overlapping the "
    "subnet's and no destination application security group is set; a destination port range "
    "includes 44224 (singular and plural fields alike). No NSG on the subnet: pass, with a note; an "
    "NSG referenced but absent: `unknown`. NSGs on network interfaces are ignored (Azure manages "
    "them for compute). Legacy `BatchNodeManagement` 29876-29877 is evidence only",
    severity=Severity.HIGH,
    family="compute",
    rationale="Compute with a public IP receives job submissions from the Azure Machine Learning service on TCP "
    "44224; the subnet's NSG must let that traffic in.",
    remediation="Add an inbound NSG rule: `az network nsg rule create -g <rg> --nsg-name <nsg> -n AllowAML "
    "--priority 100 --direction Inbound --access Allow --protocol Tcp --source-address-prefixes "
    "AzureMachineLearning --source-port-ranges '*' --destination-address-prefixes VirtualNetwork "
    "--destination-port-ranges 44224`.",
    source='"allow inbound communication so management services can submit jobs"',
    help_uri=DOC_FIREWALL,
    reads=(COMPUTE_TYPE, SUBNET_TYPE, NSG_TYPE),
)
def inbound_management_allowed(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute, subnet, ip_evidence, ended in _public_ip_computes_and_subnets(ctx, "NSG"):
        if ended:
            yield ended
            continue
        subnet_id, name = subnet["id"], compute.get("name")
        nsg_id = ref_id(props(subnet).get("networkSecurityGroup"))
        if not nsg_id:
            yield ctx.finding(
                PASS,
                compute["id"],
                f"Subnet of {name} has no NSG, so nothing blocks TCP "
                f"{MANAGEMENT_PORT} (note: consider an NSG that allows only what is needed).",
                subnet=subnet_id,
                network_security_group=None,
            )
            continue
        nsg = ctx.topo.get(nsg_id)
        if nsg is None:
            reason = ctx.topo.gap(NSG_TYPE, nsg_id) or f"NSG {nsg_id} is absent from the inventory"
            yield ctx.finding(
                UNKNOWN, compute["id"], f"NSG of {name} unknown: {reason}.", missing=reason, subnet=subnet_id
            )
            continue
        prefixes = subnet_prefixes(subnet)
        verdict = inbound_tcp_verdict(nsg, MANAGEMENT_PORT, _management_sources(ctx, "AzureMachineLearning"), prefixes)
        legacy = inbound_tcp_verdict(nsg, 29876, _management_sources(ctx, "BatchNodeManagement"), prefixes)
        evidence = {
            "subnet": subnet_id,
            "network_security_group": nsg_id,
            "inbound_tcp_44224_from_AzureMachineLearning": verdict.evidence(),
            "legacy_BatchNodeManagement_29876_29877": legacy.evidence(),
            **ip_evidence,
        }
        if verdict.access == "Allow":
            yield ctx.finding(
                PASS,
                compute["id"],
                f"NSG {nsg.get('name')} allows inbound TCP {MANAGEMENT_PORT} from "
                f"AzureMachineLearning to {name} (rule {verdict.rule}).",
                **evidence,
            )
        elif verdict.access is None:
            yield ctx.finding(
                UNKNOWN,
                compute["id"],
                f"NSG {nsg.get('name')} cannot be evaluated for {name}: {verdict.reason} (rule {verdict.rule}).",
                **evidence,
            )
        else:
            yield ctx.finding(
                FAIL,
                compute["id"],
                f"NSG {nsg.get('name')} blocks inbound TCP {MANAGEMENT_PORT} from "
                f"AzureMachineLearning to {name} ({verdict.rule or 'no allow rule'}).",
                **evidence,
            )


def _routes(ctx: WorkspaceContext, table: Resource) -> list[dict[str, object]]:
    return [props(r) for r in ctx.topo.children(table["id"], "Microsoft.Network/routeTables/routes")]


@rule(
    id="AML-CMP-006",
    title="Forced tunnelling keeps management routes",
    applies_when="the compute has a public IP and its subnet's route table sends `0.0.0.0/0` to "
    "`VirtualAppliance`, `VirtualApplianceEcmp` or `VirtualNetworkGateway` (a route table referenced "
    "but absent: `unknown`)",
    fails_when="no route with `addressPrefix` `AzureMachineLearning` or `AzureMachineLearning.<WS region>` and "
    "`nextHopType` `Internet`",
    severity=Severity.HIGH,
    family="compute",
    rationale="With a default route to a firewall or gateway, replies to the management service leave through "
    "the firewall and are dropped; public-IP compute needs a route for `AzureMachineLearning` to the internet.",
    remediation="Add a user-defined route: `az network route-table route create -g <rg> --route-table-name <rt> "
    "-n AzureML --address-prefix AzureMachineLearning --next-hop-type Internet`.",
    source='"configure user-defined routing (UDR) if you use a firewall"',
    help_uri=DOC_FIREWALL,
    reads=(COMPUTE_TYPE, SUBNET_TYPE, ROUTE_TABLE_TYPE),
)
def forced_tunnel_keeps_management_routes(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute, subnet, ip_evidence, ended in _public_ip_computes_and_subnets(ctx, "Route table"):
        if ended:
            yield ended
            continue
        subnet_id, name = subnet["id"], compute.get("name")
        table_id = ref_id(props(subnet).get("routeTable"))
        table = ctx.topo.get(table_id)
        if table_id and table is None:
            reason = ctx.topo.gap(ROUTE_TABLE_TYPE, table_id) or f"route table {table_id} is absent from the inventory"
            yield ctx.finding(UNKNOWN, compute["id"], f"Route table of {name} unknown: {reason}.", missing=reason)
            continue
        routes = _routes(ctx, table) if table else []
        tunnel = [
            r
            for r in routes
            if r.get("addressPrefix") == "0.0.0.0/0" and str(r.get("nextHopType", "")).lower() in FORCED_TUNNEL_HOPS
        ]
        evidence = {"subnet": subnet_id, "route_table": table_id, "default_routes": tunnel, **ip_evidence}
        if not tunnel:
            yield ctx.finding(
                NOT_APPLICABLE, compute["id"], f"The subnet of {name} does not force-tunnel 0.0.0.0/0.", **evidence
            )
            continue
        tags = {"azuremachinelearning", f"azuremachinelearning.{ctx.region}"}
        keep = [
            r
            for r in routes
            if str(r.get("addressPrefix", "")).lower() in tags and eq(r.get("nextHopType"), "Internet")
        ]
        evidence["management_routes"] = keep
        if keep:
            yield ctx.finding(
                PASS, compute["id"], f"Route table of {name} sends AzureMachineLearning to the internet.", **evidence
            )
        else:
            yield ctx.finding(
                FAIL,
                compute["id"],
                f"Route table of {name} force-tunnels 0.0.0.0/0 without an AzureMachineLearning route to the internet.",
                **evidence,
            )


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
    for compute, skipped in _each_customer_vnet_compute(ctx):
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
    scenario = scenario_of(ctx)
    for compute in ctx.training_computes:
        public, evidence = has_public_ip(compute)
        name = compute.get("name")
        if scenario == "unknown":
            yield ctx.finding(
                UNKNOWN, compute["id"], f"Scenario of {ctx.name} is unknown.", scenario=scenario, **evidence
            )
        elif scenario != "private-workspace":
            yield ctx.finding(
                NOT_APPLICABLE, compute["id"], f"{ctx.name} is not a private workspace ({scenario}).", scenario=scenario
            )
        elif public:
            yield ctx.finding(
                FAIL,
                compute["id"],
                f"{name} has a public IP in private workspace {ctx.name}.",
                scenario=scenario,
                **evidence,
            )
        else:
            yield ctx.finding(PASS, compute["id"], f"{name} runs on private IPs.", scenario=scenario, **evidence)
