"""The outbound path of a compute subnet (catalogue §4, Egress): NSG → route → Azure Firewall.

Pure functions over the topology. `subnet_path` evaluates the required outbound table R1..R10 (or
any other flow) step by step and says, per flow, which NSG rule, route and firewall rule decided it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from auditor.arm import Resource, eq, lid, name_of, props, ref_id, vnet_of_subnet
from auditor.context import WorkspaceContext, compute_block, compute_subnet, compute_type, subnet_prefixes
from auditor.egress_match import Destination, route_rank
from auditor.egress_topology import EgressIndex, egress_index
from auditor.firewall import ALLOWED, BLOCKED, UNDECIDED, Flow, firewall_decision
from auditor.nsg_outbound import nsg_outbound
from auditor.topology import NSG_TYPE, ROUTE_TABLE_TYPE, ROUTE_TYPE, SUBNET_TYPE, Topology

PUBLIC_CLOUD = "azurecloud"
FORCED_TUNNEL_HOPS = ("virtualappliance", "virtualapplianceecmp", "virtualnetworkgateway")


@dataclass(frozen=True)
class Requirement:
    id: str
    flow: Flow


# (id, protocol, port, tag, regional, host names) — catalogue §4, "Required outbound".
_TABLE: tuple[tuple[str, str, int, str, bool, tuple[str, ...]], ...] = (
    ("R1", "TCP", 443, "AzureActiveDirectory", False, ("login.microsoftonline.com",)),
    ("R2", "TCP", 443, "AzureMachineLearning", False, ("*.azureml.ms", "*.azureml.net")),
    ("R3", "UDP", 5831, "AzureMachineLearning", False, ()),
    ("R4", "TCP", 443, "BatchNodeManagement", True, ("*.{g}.batch.azure.com", "*.{g}.service.batch.azure.com")),
    ("R5", "TCP", 443, "AzureResourceManager", False, ("management.azure.com",)),
    (
        "R6",
        "TCP",
        443,
        "Storage",
        True,
        ("*.blob.core.windows.net", "*.file.core.windows.net", "*.table.core.windows.net", "*.queue.core.windows.net"),
    ),
    ("R7", "TCP", 443, "MicrosoftContainerRegistry", True, ("mcr.microsoft.com", "*.data.mcr.microsoft.com")),
    ("R8", "TCP", 443, "AzureFrontDoor.FirstParty", False, ("*.data.mcr.microsoft.com",)),
    ("R9", "TCP", 443, "AzureFrontDoor.Frontend", False, ("ml.azure.com",)),
    ("R10", "TCP", 18881, "AzureMachineLearning", False, ()),
)

# EGR-002's probe: TCP 443 to a public address outside Azure; only `*` covers it in an application rule.
INTERNET = Requirement("internet", Flow("TCP", 443, Destination(None), ("*",)))


@functools.lru_cache(maxsize=256)
def required_outbound(region: str, cloud: str, with_instance: bool) -> tuple[Requirement, ...]:
    """R1..R10 for a compute subnet in region `region` (lower-cased, no spaces) of `cloud`.

    R9 does not exist in AzureChinaCloud, R10 only when the subnet holds a compute instance; host
    names are the public cloud's, so other clouds are judged on service tags only. Built once per
    region and cloud: every subnet of a region shares the same (immutable) requirements.
    """
    out = []
    public = cloud.lower() == PUBLIC_CLOUD
    for rid, protocol, port, tag, regional, hosts in _TABLE:
        if rid == "R9" and cloud.lower() == "azurechinacloud":
            continue
        if rid == "R10" and not with_instance:
            continue
        names = tuple(h.format(g=region) for h in hosts) if public else ()
        out.append(Requirement(rid, Flow(protocol, port, Destination(tag, region, regional), names)))
    return tuple(out)


@dataclass
class FlowVerdict:
    """One flow through the path: its verdict and what decided each step."""

    requirement: Requirement
    verdict: str = ALLOWED
    nsg: str = "—"
    route: str = "—"
    firewall: str = "—"
    reasons: list[str] = field(default_factory=list)

    def step(self, verdict: str, reason: str) -> None:
        if verdict == BLOCKED or (verdict == UNDECIDED and self.verdict == ALLOWED):
            self.verdict = verdict
        if verdict != ALLOWED:
            self.reasons.append(reason)

    def row(self) -> dict[str, Any]:
        flow = self.requirement.flow
        return {
            "requirement": self.requirement.id,
            "flow": f"{flow.protocol} {flow.port} → {flow.destination.label()}",
            "verdict": self.verdict,
            "nsg_rule": self.nsg,
            "route": self.route,
            "firewall_rule": self.firewall,
            **({"reason": "; ".join(self.reasons)} if self.reasons else {}),
        }


@dataclass
class ComputeSubnet:
    """A subnet holding training compute of the workspace, or its serverless compute subnet."""

    id: str
    computes: list[str] = field(default_factory=list)
    no_public_ip: list[str] = field(default_factory=list)
    has_instance: bool = False

    @property
    def label(self) -> str:
        """`<vnet>/<subnet>` for messages; evidence keeps the full id."""
        vnet = vnet_of_subnet(self.id)
        return f"{name_of(vnet)}/{name_of(self.id)}" if vnet else self.id


def compute_subnets(ctx: WorkspaceContext) -> list[ComputeSubnet]:
    """The compute subnets of a workspace (catalogue §4, Egress), by id, case-insensitively."""
    found: dict[str, ComputeSubnet] = {}
    for compute in ctx.training_computes:
        subnet_id = compute_subnet(compute)
        if not subnet_id:
            continue
        subnet = ctx.topo.subnet(subnet_id)
        entry = found.setdefault(lid(subnet_id), ComputeSubnet(subnet["id"] if subnet else subnet_id))
        name = str(compute.get("name") or compute["id"])
        entry.computes.append(name)
        if compute_block(compute).get("enableNodePublicIp") is False:
            entry.no_public_ip.append(name)
        entry.has_instance = entry.has_instance or compute_type(compute) == "computeinstance"
    settings = ctx.p.get("serverlessComputeSettings")
    serverless = ref_id(settings.get("serverlessComputeCustomSubnet")) if isinstance(settings, dict) else None
    if isinstance(settings, dict) and serverless:
        subnet = ctx.topo.subnet(serverless)
        entry = found.setdefault(lid(serverless), ComputeSubnet(subnet["id"] if subnet else serverless))
        entry.computes.append("serverless compute")
        if settings.get("serverlessComputeNoPublicIP") is True:
            entry.no_public_ip.append("serverless compute")
    return [found[k] for k in sorted(found)]


def subnet_path(topo: Topology, subnet_id: str) -> SubnetPath:
    """The subnet's path, built once per topology: AML-EGR-001, 002 and 003 all walk it."""
    return egress_index(topo).memo(("subnet path", subnet_id), lambda: SubnetPath(topo, subnet_id))


class SubnetPath:
    """The outbound path of one compute subnet: its NSG, its route table, the firewalls routes point at."""

    def __init__(self, topo: Topology, subnet_id: str) -> None:
        self.topo = topo
        self.index: EgressIndex = egress_index(topo)
        self.subnet_id = subnet_id
        self.subnet: Resource | None = topo.subnet(subnet_id)
        self.prefixes = subnet_prefixes(self.subnet)
        p = props(self.subnet)
        self.nsg_id = ref_id(p.get("networkSecurityGroup"))
        self.table_id = ref_id(p.get("routeTable"))
        self.nsg = topo.get(self.nsg_id)
        self.table = topo.get(self.table_id)

    @property
    def absent(self) -> str | None:
        """Why the subnet itself cannot be read (its VNet absent, or hidden by an error), else None."""
        if self.subnet is not None:
            return None
        vnet = vnet_of_subnet(self.subnet_id) or self.subnet_id
        gap = self.topo.gap(SUBNET_TYPE, self.subnet_id) or self.topo.gap("Microsoft.Network/virtualNetworks", vnet)
        return gap or f"subnet {self.subnet_id} is absent from the inventory"

    def routes(self) -> list[Resource]:
        return self.topo.children(self.table["id"], ROUTE_TYPE) if self.table else []

    def evaluate(self, requirement: Requirement) -> FlowVerdict:
        verdict = FlowVerdict(requirement)
        if self.absent:
            verdict.step(UNDECIDED, self.absent)
            return verdict
        self._nsg_step(verdict)
        if verdict.verdict != BLOCKED:
            self._route_step(verdict)
        return verdict

    def _nsg_step(self, verdict: FlowVerdict) -> None:
        if self.nsg_id is None:
            verdict.nsg = "no NSG on the subnet"
            return
        if self.nsg is None:
            reason = self.topo.gap(NSG_TYPE, self.nsg_id) or f"NSG {self.nsg_id} is absent from the inventory"
            verdict.nsg = "NSG absent"
            verdict.step(UNDECIDED, reason)
            return
        outcome, label = nsg_outbound(self.index, self.nsg, verdict.requirement.flow, self.prefixes)
        verdict.nsg = f"{self.nsg.get('name')}/{label}"
        verdict.step(outcome, f"NSG {self.nsg.get('name')} rule {label}")

    def _route_step(self, verdict: FlowVerdict) -> None:
        if self.table_id is None:
            verdict.route = "system route (no route table)"
            return
        if self.table is None:
            reason = self.topo.gap(ROUTE_TABLE_TYPE, self.table_id) or (
                f"route table {self.table_id} is absent from the inventory"
            )
            verdict.route = "route table absent"
            verdict.step(UNDECIDED, reason)
            return
        flow = verdict.requirement.flow
        ranked = [(route_rank(str(props(r).get("addressPrefix", "")), flow.destination), r) for r in self.routes()]
        covering = sorted(((rank, str(r.get("name", ""))), r) for rank, r in ranked if rank is not None)
        if not covering:
            verdict.route = f"{self.table.get('name')}: no covering route (system route)"
            return
        route = covering[0][1]
        rp = props(route)
        hop = str(rp.get("nextHopType", ""))
        ip = rp.get("nextHopIpAddress")
        verdict.route = f"{self.table.get('name')}/{route.get('name')} ({rp.get('addressPrefix')} → {hop}" + (
            f" {ip})" if ip else ")"
        )
        if eq(hop, "Internet"):
            return
        if hop.lower() in ("none", "vnetlocal"):
            verdict.step(BLOCKED, f"route {route.get('name')} drops the traffic ({hop})")
        elif hop.lower() in ("virtualappliance", "virtualapplianceecmp") and isinstance(ip, str):
            self._firewall_step(verdict, ip)
        elif eq(hop, "VirtualNetworkGateway"):
            verdict.step(UNDECIDED, f"route {route.get('name')} sends the traffic on-premises (VirtualNetworkGateway)")
        else:
            verdict.step(UNDECIDED, f"route {route.get('name')} has next hop {hop or 'none given'}")

    def _firewall_step(self, verdict: FlowVerdict, ip: str) -> None:
        firewalls = self.firewalls_at(ip)
        if not firewalls:
            verdict.firewall = f"appliance {ip} (not an Azure Firewall in the inventory)"
            verdict.step(UNDECIDED, f"next hop {ip} is an appliance the tool cannot read")
            return
        decisions = [firewall_decision(self.index, fw, verdict.requirement.flow, self.prefixes) for fw in firewalls]
        verdicts = {d.verdict for d in decisions}
        first = decisions[0]
        verdict.firewall = first.by
        if len(verdicts) > 1:
            verdict.step(UNDECIDED, f"firewalls at {ip} disagree: " + ", ".join(sorted(d.by for d in decisions)))
        else:
            verdict.step(first.verdict, first.reason)

    def firewalls_at(self, ip: str) -> list[Resource]:
        """Azure Firewalls with this private IP, those in the subnet's VNet or a VNet peered with it first."""
        return self.index.firewalls_at(ip, self._near)

    @cached_property
    def _near(self) -> set[str]:
        vnet = vnet_of_subnet(self.subnet_id)
        return {lid(vnet)} | set(self.topo.peering_partners(vnet)) if vnet else set()

    # --- EGR-003 ---------------------------------------------------------------------------

    def outbound_path(self) -> tuple[bool | None, dict[str, Any]]:
        """Whether the subnet has an outbound path: 0.0.0.0/0 to an appliance or gateway, a NAT gateway, or
        default outbound access (absent = true); None when a route table it references is absent."""
        p = props(self.subnet)
        nat = ref_id(p.get("natGateway"))
        default_access = p.get("defaultOutboundAccess")
        evidence: dict[str, Any] = {
            "properties.natGateway.id": nat,
            "properties.defaultOutboundAccess": default_access,
            "properties.routeTable.id": self.table_id,
        }
        if default_access is None:
            evidence["defaulted"] = [
                "properties.defaultOutboundAccess = true (ARM's default for existing subnets; Azure is retiring "
                "default outbound access)"
            ]
        tunnel = [
            str(r.get("name"))
            for r in self.routes()
            if props(r).get("addressPrefix") == "0.0.0.0/0"
            and str(props(r).get("nextHopType", "")).lower() in FORCED_TUNNEL_HOPS
        ]
        evidence["default_route_to_appliance_or_gateway"] = tunnel
        if tunnel or nat or default_access is not False:
            return True, evidence
        if self.table_id and self.table is None:
            return None, evidence
        return False, evidence
