"""The facts about one workspace that many rules share (catalogue §1), computed once per workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from auditor.arm import Resource, as_list, dig, eq, lid, name_of, props, region_key
from auditor.findings import Finding, Status
from auditor.topology import (
    KEY_VAULT,
    STORAGE,
    Connection,
    Reach,
    Topology,
    is_managed_vnet,
    managed_vnet_key,
)

SERVICE_FOR_TYPE = {STORAGE: "Microsoft.Storage", KEY_VAULT: "Microsoft.KeyVault"}


@dataclass
class WorkspaceVnets:
    """The VNets of a workspace's approved private endpoints, plus its managed VNet."""

    names: dict[str, str] = field(default_factory=dict)  # key (lower) → id as written
    unknown: bool = False
    gaps: list[str] = field(default_factory=list)

    @property
    def present(self) -> bool | None:
        """ "WS has workspace VNets": None when that cannot be known."""
        if self.names:
            return True
        return None if self.unknown else False

    def __contains__(self, vnet_key: object) -> bool:
        return isinstance(vnet_key, str) and vnet_key.lower() in self.names


class WorkspaceContext:
    """One workspace under audit, with the topology and the facts its rules share."""

    def __init__(self, ws: Resource, topo: Topology, cloud: str = "AzureCloud") -> None:
        self.ws = ws
        self.topo = topo
        self.cloud = cloud

    # --- identity --------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return str(self.ws["id"])

    @property
    def name(self) -> str:
        return str(self.ws.get("name") or name_of(self.id))

    @property
    def location(self) -> str | None:
        loc = self.ws.get("location")
        return loc if isinstance(loc, str) else None

    @property
    def region(self) -> str | None:
        return region_key(self.location)

    @property
    def p(self) -> dict[str, Any]:
        return props(self.ws)

    def finding(self, status: Status, subject: str, message: str, **evidence: Any) -> Finding:
        return Finding(status=status, resource_id=subject, message=message, evidence=evidence)

    # --- associated resources --------------------------------------------------------------

    def _ref(self, key: str) -> str | None:
        value = self.p.get(key)
        return value if isinstance(value, str) and value.strip() else None

    @property
    def storage_id(self) -> str | None:
        return self._ref("storageAccount")

    @property
    def key_vault_id(self) -> str | None:
        return self._ref("keyVault")

    @property
    def registry_id(self) -> str | None:
        return self._ref("containerRegistry")

    @property
    def storage(self) -> Resource | None:
        return self.topo.get(self.storage_id)

    @property
    def key_vault(self) -> Resource | None:
        return self.topo.get(self.key_vault_id)

    @property
    def registry(self) -> Resource | None:
        return self.topo.get(self.registry_id)

    def absence(self, resource_id: str, resource_type: str) -> str:
        """Why a referenced resource is missing: a collection error, or simply not in the inventory."""
        gap = self.topo.gap(resource_type, resource_id)
        return gap or f"{resource_id} is referenced by {self.name} but absent from the inventory"

    # --- managed network -------------------------------------------------------------------

    @cached_property
    def is_managed(self) -> bool:
        return self.topo.is_managed_network(self.ws)

    @property
    def isolation_mode(self) -> str:
        return self.topo.isolation_mode(self.ws)

    # --- private endpoints of the workspace ------------------------------------------------

    @cached_property
    def connections(self) -> list[Connection]:
        return self.topo.connections_to(self.id)

    @cached_property
    def approved_endpoints(self) -> list[Connection]:
        return self.topo.approved_endpoints(self.id)

    @cached_property
    def endpoint_gap(self) -> str | None:
        return self.topo.endpoint_gap(self.id)

    @cached_property
    def has_private_endpoint(self) -> bool | None:
        """ "WS has an approved private endpoint": None when endpoints were hidden by an error."""
        if self.approved_endpoints:
            return True
        return None if self.endpoint_gap else False

    @cached_property
    def public_access(self) -> tuple[str | None, dict[str, Any]]:
        """Workspace public access (catalogue §1) with the evidence that decided it."""
        pna = self.p.get("publicNetworkAccess")
        if isinstance(pna, str):
            return self.public_access_if(True), {"properties.publicNetworkAccess": pna}
        has_pe = self.has_private_endpoint
        if has_pe is None:
            return None, {"properties.publicNetworkAccess": None, "private_endpoint": self.endpoint_gap}
        if has_pe:
            legacy = self.p.get("allowPublicAccessWhenBehindVnet")
            evidence: dict[str, Any] = {"properties.allowPublicAccessWhenBehindVnet": legacy}
            if legacy is None:
                evidence["defaulted"] = ["properties.allowPublicAccessWhenBehindVnet = false"]
            return self.public_access_if(True), evidence
        return self.public_access_if(False), {
            "properties.publicNetworkAccess": None,
            "defaulted": ["public access Enabled (no publicNetworkAccess, no private endpoint)"],
        }

    def public_access_if(self, has_private_endpoint: bool) -> str:
        """Workspace public access (catalogue §1) were it known whether WS has an approved private endpoint."""
        pna = self.p.get("publicNetworkAccess")
        if isinstance(pna, str):
            return "Disabled" if eq(pna, "Disabled") else "Enabled"
        if has_private_endpoint:
            return "Enabled" if self.p.get("allowPublicAccessWhenBehindVnet") is True else "Disabled"
        return "Enabled"

    @property
    def internet_reachable(self) -> bool | None:
        value, _ = self.public_access
        return None if value is None else value == "Enabled"

    @cached_property
    def workspace_vnets(self) -> WorkspaceVnets:
        vnets = WorkspaceVnets()
        approved_customer = [c for c in self.approved_endpoints if not c.managed]
        for conn in approved_customer:
            if conn.vnet_id:
                vnets.names.setdefault(lid(conn.vnet_id), conn.vnet_id)
        if self.is_managed:
            key = managed_vnet_key(self.id)
            vnets.names[key.lower()] = key
        if not vnets.names and approved_customer:
            vnets.unknown = True
            vnets.gaps = [f"endpoint resource {c.endpoint_id} is absent" for c in approved_customer]
        elif not vnets.names and self.endpoint_gap:
            vnets.unknown = True
            vnets.gaps = [self.endpoint_gap]
        return vnets

    # --- associated-resource network posture -----------------------------------------------

    def publicly_open(self, resource: Resource) -> tuple[bool, dict[str, Any]]:
        """Catalogue §1: `publicNetworkAccess` Enabled/absent and firewall default action Allow/absent."""
        p = props(resource)
        pna = p.get("publicNetworkAccess")
        if eq(str(resource.get("type", "")), "Microsoft.ContainerRegistry/registries"):
            action_path = "properties.networkRuleSet.defaultAction"
            action = dig(p, "networkRuleSet", "defaultAction")
        else:
            action_path = "properties.networkAcls.defaultAction"
            action = dig(p, "networkAcls", "defaultAction")
        defaulted = []
        if pna is None:
            defaulted.append("properties.publicNetworkAccess = Enabled")
        if action is None:
            defaulted.append(f"{action_path} = Allow")
        pna_open = pna is None or eq(pna, "Enabled")
        action_open = action is None or eq(action, "Allow")
        evidence: dict[str, Any] = {"properties.publicNetworkAccess": pna, action_path: action}
        if defaulted:
            evidence["defaulted"] = defaulted
        return pna_open and action_open, evidence

    def vnet_secured(self, resource_id: str | None, resource_type: str) -> tuple[bool | None, str | None]:
        """Whether a referenced resource is VNet-secured, or why that cannot be told."""
        if resource_id is None:
            return None, f"{self.name} references no {resource_type}"
        resource = self.topo.get(resource_id)
        if resource is None:
            return None, self.absence(resource_id, resource_type)
        is_open, _ = self.publicly_open(resource)
        return not is_open, None

    def reach(self, resource_id: str, groups: tuple[str, ...] | None = None) -> Reach:
        """VNets from which a resource is reachable (catalogue §1): approved endpoints (of the
        given groups) and, for storage and vault, service endpoints."""
        reach = Reach()
        for conn in self.topo.approved_endpoints(resource_id):
            if groups is not None and conn.group is None:
                reach.gaps.append(f"group of endpoint {conn.endpoint_id} is unknown (resource absent)")
                continue
            if groups is not None and not any(eq(conn.group, g) for g in groups):
                continue
            if conn.vnet_id is None:
                reach.gaps.append(f"VNet of endpoint {conn.endpoint_id} is unknown (resource absent)")
                continue
            reach.by_private_endpoint.setdefault(lid(conn.vnet_id), []).append(conn)
        gap = self.topo.endpoint_gap(resource_id, self.id)
        if gap:
            reach.gaps.append(gap)
        resource = self.topo.get(resource_id)
        service = SERVICE_FOR_TYPE.get(str(resource.get("type", "")).lower()) if resource else None
        if resource is not None and service:
            se, gaps = self.topo.service_endpoint_reach(resource, service)
            reach.by_service_endpoint = se
            reach.gaps.extend(gaps)
        return reach

    def reach_from_workspace_network(self, reach: Reach) -> tuple[bool | None, str | None, list[str]]:
        """Is a resource reachable from a workspace VNet, or from a VNet peered with one?

        Returns (answer, how: "same VNet <id>" / "peered VNet <id>", what was missing).
        """
        vnets = self.workspace_vnets
        shared = sorted(v for v in reach.vnets if v in vnets)
        if shared:
            return True, f"same VNet {self.vnet_display(shared[0])}", []
        missing = list(reach.gaps) + list(vnets.gaps)
        for vnet in sorted(reach.vnets):
            for ws_vnet in sorted(vnets.names):
                peered = self.topo.peered(vnet, ws_vnet)
                if peered:
                    return True, f"peered VNet {self.vnet_display(vnet)} (peered with {self.vnet_display(ws_vnet)})", []
                if peered is None:
                    missing.append(
                        f"peering between {self.vnet_display(vnet)} and {self.vnet_display(ws_vnet)} "
                        "cannot be confirmed (a VNet is absent)"
                    )
        return (None if missing else False), None, missing

    def vnet_display(self, key: str) -> str:
        """The VNet id as written somewhere in the inventory (or the managed VNet label)."""
        if is_managed_vnet(key):
            return key
        vnet = self.topo.vnet(key)
        if vnet is not None:
            return str(vnet["id"])
        return self.workspace_vnets.names.get(key.lower(), key)

    # --- computes --------------------------------------------------------------------------

    @cached_property
    def computes(self) -> list[Resource]:
        return self.topo.computes_of(self.id)

    @cached_property
    def training_computes(self) -> list[Resource]:
        return [c for c in self.computes if compute_type(c) in ("computeinstance", "amlcompute")]

    @cached_property
    def inference_computes(self) -> list[Resource]:
        return [c for c in self.computes if compute_type(c) in ("aks", "kubernetes")]

    @cached_property
    def managed_online_endpoints(self) -> list[Resource]:
        return [e for e in self.topo.online_endpoints_of(self.id) if not props(e).get("compute")]


def merged_evidence(*parts: dict[str, Any]) -> dict[str, Any]:
    """Evidence objects combined; their lists of defaulted values are concatenated."""
    out: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "defaulted" and key in out:
                out[key] = [*out[key], *value]
            else:
                out[key] = value
    return out


def compute_type(compute: Resource) -> str:
    value = props(compute).get("computeType")
    return value.lower() if isinstance(value, str) else ""


def compute_block(compute: Resource) -> dict[str, Any]:
    """The compute-specific block `properties.properties` (catalogue §1)."""
    inner = props(compute).get("properties")
    return inner if isinstance(inner, dict) else {}


def compute_subnet(compute: Resource) -> str | None:
    subnet = compute_block(compute).get("subnet")
    if isinstance(subnet, dict):
        value = subnet.get("id")
        return value if isinstance(value, str) and value else None
    return subnet if isinstance(subnet, str) and subnet else None


def has_public_ip(compute: Resource) -> tuple[bool, dict[str, Any]]:
    """Public-IP compute: `enableNodePublicIp` not false (absent = true)."""
    value = compute_block(compute).get("enableNodePublicIp")
    evidence: dict[str, Any] = {"properties.properties.enableNodePublicIp": value}
    if value is None:
        evidence["defaulted"] = ["properties.properties.enableNodePublicIp = true"]
    return value is not False, evidence


def subnet_prefixes(subnet: Resource | None) -> list[str]:
    p = props(subnet)
    values = [p.get("addressPrefix"), *as_list(p.get("addressPrefixes"))]
    return [v for v in values if isinstance(v, str) and v]
