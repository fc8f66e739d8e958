"""Training compute rules (catalogue §4, "Training compute"): the management path to public-IP compute —
inbound NSG and forced-tunnel routes (AML-CMP-005, 006). Subject: each compute
instance and compute cluster of the workspace."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from auditor.arm import Resource, eq, props, ref_id
from auditor.context import (
    compute_subnet,
    has_public_ip,
    subnet_prefixes,
)
from auditor.model import DOC_FIREWALL
from auditor.nsg import inbound_tcp_verdict
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import (
    COMPUTE_TYPE,
    NSG_TYPE,
    ROUTE_TABLE_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
)
from auditor.training import each_customer_vnet_compute

MANAGEMENT_PORT = 44224
FORCED_TUNNEL_HOPS = ("virtualappliance", "virtualapplianceecmp", "virtualnetworkgateway")


def _public_ip_computes_and_subnets(
    ctx: WorkspaceContext, what: str
) -> Iterator[tuple[Resource, Resource, dict[str, Any], Finding | None]]:
    """Each customer-VNet compute with a public IP and a subnet, with that subnet and the evidence of
    its public IP; any other compute comes with the finding that ends its judgement (managed VNet:
    not applicable; no public IP or no subnet: not applicable; subnet absent: its `what` is unknown)."""
    for compute, skipped in each_customer_vnet_compute(ctx):
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
