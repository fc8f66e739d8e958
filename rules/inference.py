"""Inference rules (catalogue §4, "Inference"): managed online endpoints and deployments, AKS and
Kubernetes computes."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.arm import Resource, dig, eq, lid, props, provider_type_of, vnet_of_subnet
from auditor.context import compute_block, compute_type
from auditor.judgement import all_of
from auditor.model import DOC_INFERENCE, DOC_OVERVIEW
from auditor.posture import scenario_evidence, scenario_in, scenario_note
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import (
    AGENT_POOL,
    AKS,
    AKS_TYPE,
    ARC_CLUSTER,
    COMPUTE_TYPE,
    DEPLOYMENT_TYPE,
    KEY_VAULT_TYPE,
    ONLINE_ENDPOINT_TYPE,
    PRIVATE_ENDPOINT_TYPE,
    REGISTRY_TYPE,
    STORAGE_TYPE,
)


def cluster_kind(compute: Resource) -> str | None:
    """`managed` (AKS `managedClusters`), `arc`, `other`, or None when `resourceId` is missing."""
    cluster_id = props(compute).get("resourceId")
    if not isinstance(cluster_id, str) or not cluster_id:
        return None
    kind = (provider_type_of(cluster_id) or "").lower()
    return {AKS: "managed", ARC_CLUSTER: "arc"}.get(kind, "other")


def _cluster_or_finding(ctx: WorkspaceContext, compute: Resource) -> tuple[Resource | None, Finding | None]:
    """The AKS cluster of an inference compute, or the finding that ends its judgement."""
    kind = cluster_kind(compute)
    name = compute.get("name")
    cluster_id = props(compute).get("resourceId")
    if kind is None:
        return None, ctx.finding(UNKNOWN, compute["id"], f"{name} names no cluster (properties.resourceId).")
    if kind != "managed":
        return None, ctx.finding(
            NOT_APPLICABLE,
            compute["id"],
            f"The cluster of {name} is not an AKS managed cluster ({cluster_id}).",
            **{"properties.resourceId": cluster_id},
        )
    cluster = ctx.topo.get(cluster_id)
    if cluster is None:
        reason = ctx.topo.gap(AKS_TYPE, cluster_id) or f"AKS cluster {cluster_id} is absent from the inventory"
        return None, ctx.finding(UNKNOWN, compute["id"], f"Cluster of {name} unknown: {reason}.", missing=reason)
    return cluster, None


def agent_pools(ctx: WorkspaceContext, cluster: Resource) -> list[Resource]:
    return ctx.topo.children(cluster["id"], AGENT_POOL)


@rule(
    id="AML-INF-001",
    title="Online endpoints accept scoring only privately",
    applies_when="each managed online endpoint, when the scenario is `private-workspace` or "
    "`private-workspace-public-access`",
    fails_when="its `publicNetworkAccess` is `Enabled`",
    severity=Severity.HIGH,
    family="inference",
    rationale="In a private workspace, managed online endpoints should take scoring requests through the "
    "workspace private endpoint only.",
    remediation="Disable public scoring: `az ml online-endpoint update -n <endpoint> --set "
    "public_network_access=disabled`.",
    source='"network isolation for managed online endpoints: inbound scoring requests"',
    help_uri=DOC_INFERENCE,
    reads=(ONLINE_ENDPOINT_TYPE, PRIVATE_ENDPOINT_TYPE),
)
def endpoints_score_privately(ctx: WorkspaceContext) -> Iterable[Finding]:
    if not ctx.managed_online_endpoints:
        return
    applies = scenario_in(ctx, "private-workspace", "private-workspace-public-access")
    for endpoint in ctx.managed_online_endpoints:
        value = props(endpoint).get("publicNetworkAccess")
        evidence: dict[str, object] = {"properties.publicNetworkAccess": value, **scenario_evidence(ctx)}
        if value is None:
            evidence["defaulted"] = ["properties.publicNetworkAccess = Enabled"]
        name = endpoint.get("name")
        if applies is None:
            yield ctx.finding(UNKNOWN, endpoint["id"], f"Scenario of {ctx.name} is unknown.", **evidence)
        elif not applies:
            message = f"{ctx.name} has no private endpoint ({scenario_note(ctx)})."
            yield ctx.finding(NOT_APPLICABLE, endpoint["id"], message, **evidence)
        elif value is None or eq(value, "Enabled"):
            yield ctx.finding(
                FAIL, endpoint["id"], f"Online endpoint {name} accepts public scoring requests.", **evidence
            )
        else:
            yield ctx.finding(
                PASS, endpoint["id"], f"Online endpoint {name} accepts scoring only privately.", **evidence
            )


def _deployment_candidates(ctx: WorkspaceContext) -> list[Resource]:
    """Deployments that are, or may be, managed: `endpointComputeType` Managed or missing."""
    found = []
    for endpoint in ctx.topo.online_endpoints_of(ctx.id):
        for deployment in ctx.topo.deployments_of(endpoint["id"]):
            kind = props(deployment).get("endpointComputeType")
            if kind is None or eq(kind, "Managed"):
                found.append(deployment)
    return found


@rule(
    id="AML-INF-002",
    title="Online deployments egress privately",
    applies_when="each managed deployment, when WS is not a managed network workspace",
    fails_when="its `egressPublicNetworkAccess` is `Enabled`",
    severity=Severity.MEDIUM,
    family="inference",
    rationale="Without a managed network, a managed deployment reaches the workspace, registry and storage "
    "through the internet unless its egress is private.",
    remediation="Recreate the deployment with `egress_public_network_access: disabled`, or move the workspace to "
    "a managed network.",
    source='"outbound communication with the workspace, ACR and Blob storage"',
    help_uri=DOC_INFERENCE,
    reads=(ONLINE_ENDPOINT_TYPE, DEPLOYMENT_TYPE),
)
def deployments_egress_privately(ctx: WorkspaceContext) -> Iterable[Finding]:
    for deployment in _deployment_candidates(ctx):
        value = props(deployment).get("egressPublicNetworkAccess")
        kind = props(deployment).get("endpointComputeType")
        evidence: dict[str, object] = {
            "properties.endpointComputeType": kind,
            "properties.egressPublicNetworkAccess": value,
            "isolation_mode": ctx.isolation_mode,
        }
        if value is None:
            evidence["defaulted"] = ["properties.egressPublicNetworkAccess = Enabled"]
        name = deployment.get("name")
        if ctx.is_managed:
            yield ctx.finding(NOT_APPLICABLE, deployment["id"], f"{ctx.name} uses a managed network.", **evidence)
        elif kind is None:
            yield ctx.finding(
                UNKNOWN, deployment["id"], f"Deployment {name} does not say its endpointComputeType.", **evidence
            )
        elif value is None or eq(value, "Enabled"):
            yield ctx.finding(
                FAIL, deployment["id"], f"Deployment {name} egresses through the public internet.", **evidence
            )
        else:
            yield ctx.finding(PASS, deployment["id"], f"Deployment {name} egresses privately.", **evidence)


@rule(
    id="AML-INF-003",
    title="AKS inference cluster in a virtual network",
    applies_when="each `AKS` or `Kubernetes` compute whose cluster is a `managedClusters` resource (Arc: not "
    "applicable; cluster absent: `unknown` for INF-003 and INF-006, and its VNets are unknown to "
    "INF-004)",
    fails_when="an agent pool of the cluster has no `vnetSubnetID`",
    severity=Severity.HIGH,
    family="inference",
    rationale="An AKS cluster used for inference must run its nodes in the virtual network to reach the secured "
    "workspace resources.",
    remediation="Create the AKS cluster with Azure CNI in a subnet of the workspace VNet (`az aks create ... "
    "--vnet-subnet-id <subnet id>`) and attach it.",
    source='"Deploy or attach a default AKS cluster to your VNet"',
    help_uri=DOC_INFERENCE,
    reads=(COMPUTE_TYPE, AKS_TYPE),
)
def aks_in_vnet(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute in ctx.inference_computes:
        cluster, ended = _cluster_or_finding(ctx, compute)
        if ended:
            yield ended
            continue
        assert cluster is not None
        pools = agent_pools(ctx, cluster)
        evidence = {
            "cluster": cluster["id"],
            "agent_pools": {str(p.get("name")): props(p).get("vnetSubnetID") for p in pools},
        }
        outside = [str(p.get("name")) for p in pools if not props(p).get("vnetSubnetID")]
        if not pools:
            yield ctx.finding(UNKNOWN, compute["id"], f"Cluster {cluster.get('name')} lists no agent pool.", **evidence)
        elif outside:
            yield ctx.finding(
                FAIL,
                compute["id"],
                f"Agent pools {', '.join(outside)} of {cluster.get('name')} are in no virtual network.",
                **evidence,
            )
        else:
            yield ctx.finding(
                PASS, compute["id"], f"Every agent pool of {cluster.get('name')} is in a VNet.", **evidence
            )


def _reach_from(
    ctx: WorkspaceContext,
    vnet_key: str,
    resource_id: str | None,
    resource_type: str,
    groups: tuple[str, ...] | None,
    service_endpoints: bool,
) -> tuple[bool | None, list[str]]:
    """Whether a resource is reachable from that very VNet (peering does not count)."""
    if resource_id is None:
        return None, [f"{ctx.name} references no {resource_type}"]
    reach = ctx.reach(resource_id, groups)
    if not service_endpoints:
        reach.by_service_endpoint = {}
    if vnet_key in reach.vnets:
        return True, []
    gaps = list(reach.gaps)
    if ctx.topo.get(resource_id) is None:
        gaps.append(ctx.absence(resource_id, resource_type))
    return (None if gaps else False), gaps


@rule(
    id="AML-INF-004",
    title="Workspace resources reachable from the AKS VNet",
    applies_when="each VNet holding agent pools of WS's AKS clusters (none named: no subject)",
    fails_when="the workspace (approved private endpoint in that VNet) or its storage, vault or registry "
    "(reachable, §1) is not reachable from **that same** VNet — peering does not count here; "
    "evidence names the missing ones",
    severity=Severity.HIGH,
    family="inference",
    rationale="The workspace and its associated resources must have private or service endpoints in the same VNet "
    "as the AKS cluster; peering does not count here.",
    remediation="Create private endpoints (workspace `amlworkspace`, storage `blob`/`file`, vault `vault`, registry "
    "`registry`) or service endpoints in the AKS VNet.",
    source='"your workspace and its associated resources must have private or service endpoints in the same VNet '
    'as the AKS cluster"',
    help_uri=DOC_INFERENCE,
    reads=(COMPUTE_TYPE, AKS_TYPE, PRIVATE_ENDPOINT_TYPE, STORAGE_TYPE, KEY_VAULT_TYPE, REGISTRY_TYPE),
)
def workspace_reachable_from_aks_vnet(ctx: WorkspaceContext) -> Iterable[Finding]:
    vnets: dict[str, str] = {}
    for compute in ctx.inference_computes:
        cluster, ended = _cluster_or_finding(ctx, compute)
        if ended:
            if ended.status == UNKNOWN:
                yield ended
            continue
        assert cluster is not None
        pools = agent_pools(ctx, cluster)
        if not pools:
            # Catalogue §1: a cluster with no agent pool at all hides its VNets, as an absent cluster does.
            reason = f"AKS cluster {cluster.get('name')} lists no agent pool, so the VNets of its nodes are unknown"
            yield ctx.finding(UNKNOWN, compute["id"], f"{reason}.", missing=reason)
        for pool in pools:
            subnet = props(pool).get("vnetSubnetID")
            vnet = vnet_of_subnet(subnet) if isinstance(subnet, str) else None
            if vnet:
                vnets.setdefault(lid(vnet), vnet)
    for key, vnet_id in sorted(vnets.items()):
        ws_in = any(c.vnet_id and lid(c.vnet_id) == key for c in ctx.approved_endpoints)
        ws_gaps = (
            []
            if ws_in
            else [f"VNet of endpoint {c.endpoint_id} is unknown" for c in ctx.approved_endpoints if c.vnet_id is None]
            + ([ctx.endpoint_gap] if ctx.endpoint_gap else [])
        )
        checks = {
            "workspace": (True if ws_in else (None if ws_gaps else False), ws_gaps),
            "storage": _reach_from(ctx, key, ctx.storage_id, STORAGE_TYPE, ("blob", "file"), True),
            "key vault": _reach_from(ctx, key, ctx.key_vault_id, KEY_VAULT_TYPE, None, True),
        }
        if ctx.registry_id:
            checks["container registry"] = _reach_from(ctx, key, ctx.registry_id, REGISTRY_TYPE, None, False)
        missing = [name for name, (ok, _) in checks.items() if ok is False]
        undecided = {name: gaps for name, (ok, gaps) in checks.items() if ok is None}
        evidence = {
            "reachable": {name: ok for name, (ok, _) in checks.items()},
            "missing": missing,
            "undecided": undecided,
        }
        verdict = all_of(*(ok for ok, _ in checks.values()))
        if verdict is False:
            yield ctx.finding(
                FAIL,
                vnet_id,
                f"From AKS VNet {vnet_id}, {', '.join(missing)} of {ctx.name} "
                f"{'is' if len(missing) == 1 else 'are'} not reachable.",
                **evidence,
            )
        elif verdict is None:
            yield ctx.finding(
                UNKNOWN, vnet_id, f"Reach from AKS VNet {vnet_id} is undecided for {', '.join(undecided)}.", **evidence
            )
        else:
            yield ctx.finding(
                PASS, vnet_id, f"{ctx.name} and its resources are reachable from AKS VNet {vnet_id}.", **evidence
            )


@rule(
    id="AML-INF-005",
    title="AKS scoring on a private IP",
    applies_when="each `AKS` compute (`Kubernetes` computes: not applicable)",
    fails_when="`loadBalancerType` is not `InternalLoadBalancer`",
    severity=Severity.MEDIUM,
    family="inference",
    rationale="In the secured scenario, AKS scoring is served on a private IP by an internal load balancer.",
    remediation="Update the AKS compute to an internal load balancer (`load_balancer_type: InternalLoadBalancer`).",
    source='table: inference compute "private IP"',
    help_uri=DOC_INFERENCE,
    reads=(COMPUTE_TYPE,),
)
def aks_scoring_private(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute in ctx.inference_computes:
        name = compute.get("name")
        if compute_type(compute) != "aks":
            yield ctx.finding(NOT_APPLICABLE, compute["id"], f"{name} is a Kubernetes compute.")
            continue
        value = compute_block(compute).get("loadBalancerType")
        evidence: dict[str, object] = {"properties.properties.loadBalancerType": value}
        if value is None:
            evidence["defaulted"] = ["properties.properties.loadBalancerType = PublicIp"]
        if eq(value, "InternalLoadBalancer"):
            yield ctx.finding(PASS, compute["id"], f"{name} scores behind an internal load balancer.", **evidence)
        else:
            yield ctx.finding(FAIL, compute["id"], f"{name} scores on a public IP ({value or 'PublicIp'}).", **evidence)


@rule(
    id="AML-INF-006",
    title="Private AKS control plane",
    applies_when="each `AKS` or `Kubernetes` compute whose cluster is a `managedClusters` resource",
    fails_when="`apiServerAccessProfile.enablePrivateCluster` is not true",
    severity=Severity.LOW,
    family="inference",
    rationale="Default AKS clusters have a control plane with public IP addresses.",
    remediation="Use a private AKS cluster (`az aks create ... --enable-private-cluster`) or API server VNet "
    "integration.",
    source='"Default AKS clusters have a control plane with public IP addresses"',
    help_uri=DOC_OVERVIEW,
    reads=(COMPUTE_TYPE, AKS_TYPE),
)
def aks_private_control_plane(ctx: WorkspaceContext) -> Iterable[Finding]:
    for compute in ctx.inference_computes:
        cluster, ended = _cluster_or_finding(ctx, compute)
        if ended:
            yield ended
            continue
        assert cluster is not None
        value = dig(props(cluster), "apiServerAccessProfile", "enablePrivateCluster")
        evidence = {"cluster": cluster["id"], "properties.apiServerAccessProfile.enablePrivateCluster": value}
        if value is True:
            yield ctx.finding(
                PASS, compute["id"], f"Cluster {cluster.get('name')} has a private control plane.", **evidence
            )
        else:
            yield ctx.finding(
                FAIL, compute["id"], f"Cluster {cluster.get('name')} has a public control plane.", **evidence
            )
