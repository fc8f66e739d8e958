"""Scenario and posture of a workspace: the source document's comparison table (catalogue §3)."""

from __future__ import annotations

from typing import Any

from auditor.arm import dig, eq, props
from auditor.context import SERVICE_FOR_TYPE, WorkspaceContext, compute_block, compute_type, has_public_ip
from auditor.topology import KEY_VAULT, REGISTRY, STORAGE

STORAGE_GROUPS = ("blob", "file")


def scenario_of(ctx: WorkspaceContext) -> str:
    has_pe = ctx.has_private_endpoint
    access, _ = ctx.public_access
    if has_pe is None or access is None:
        return "unknown"
    if has_pe:
        return "private-workspace" if access == "Disabled" else "private-workspace-public-access"
    if access == "Disabled":
        return "unreachable"
    secured = [associated_secured(ctx, rid) for rid in associated_ids(ctx)]
    if any(s is True for s in secured):
        return "public-workspace-secured-resources"
    if any(s is None for s in secured):
        return "unknown"
    return "no-vnet"


def possible_scenarios(ctx: WorkspaceContext) -> set[str]:
    """Every scenario the workspace could be in, given the data present: one when it is known.

    An unknown scenario still rules some out (catalogue §2): with no approved workspace endpoint no
    private scenario is possible, and with public access `Enabled` `private-workspace` is not.
    """
    scenario = scenario_of(ctx)
    if scenario != "unknown":
        return {scenario}
    known = ctx.has_private_endpoint
    found: set[str] = set()
    for has_pe in (True, False) if known is None else (known,):
        access = ctx.public_access_if(has_pe)
        if has_pe:
            found.add("private-workspace" if access == "Disabled" else "private-workspace-public-access")
        elif access == "Disabled":
            found.add("unreachable")
        else:
            secured = [associated_secured(ctx, rid) for rid in associated_ids(ctx)]
            if any(s is not False for s in secured):
                found.add("public-workspace-secured-resources")
            if not any(s is True for s in secured):
                found.add("no-vnet")
    return found


def scenario_in(ctx: WorkspaceContext, *names: str) -> bool | None:
    """"Scenario is one of `names`", three-valued (catalogue §2): None only when the missing data
    could make it one of them, and could also make it another."""
    possible = possible_scenarios(ctx)
    if not possible & set(names):
        return False
    return True if possible <= set(names) else None


def scenario_note(ctx: WorkspaceContext) -> str:
    """The scenario for a message; when it is unknown, what the data present already settles."""
    scenario = scenario_of(ctx)
    if scenario != "unknown":
        return scenario
    if ctx.has_private_endpoint is False:
        return "scenario unknown, but no approved workspace private endpoint"
    if ctx.public_access_if(True) == "Enabled":
        return "scenario unknown, but public access Enabled"
    return "scenario unknown"


def scenario_evidence(ctx: WorkspaceContext) -> dict[str, Any]:
    """`scenario`, and the scenarios still possible when it is unknown."""
    scenario = scenario_of(ctx)
    if scenario != "unknown":
        return {"scenario": scenario}
    return {"scenario": scenario, "possible_scenarios": sorted(possible_scenarios(ctx))}


def associated_ids(ctx: WorkspaceContext) -> list[str]:
    """Storage, vault and registry (Application Insights plays no part in the scenario)."""
    return [rid for rid in (ctx.storage_id, ctx.key_vault_id, ctx.registry_id) if rid]


def associated_secured(ctx: WorkspaceContext, resource_id: str) -> bool | None:
    """VNet-secured = not publicly open; None when the resource is absent."""
    resource = ctx.topo.get(resource_id)
    if resource is None:
        return None
    is_open, _ = ctx.publicly_open(resource)
    return not is_open


def workspace_posture(ctx: WorkspaceContext) -> str:
    has_pe = ctx.has_private_endpoint
    access, _ = ctx.public_access
    if has_pe is None or access is None:
        return "unknown"
    if has_pe:
        return "private" if access == "Disabled" else "private+public"
    return "public" if access == "Enabled" else "none"


def resource_posture(ctx: WorkspaceContext, resource_id: str | None, kind: str) -> str:
    """public / private-endpoint / service-endpoint / both / firewall-only / absent / unknown."""
    if resource_id is None:
        return "unknown"
    resource = ctx.topo.get(resource_id)
    if resource is None:
        return "absent"
    is_open, _ = ctx.publicly_open(resource)
    if is_open:
        return "public"
    groups = STORAGE_GROUPS if kind == STORAGE else None
    approved = ctx.topo.approved_endpoints(resource_id)
    private = any(groups is None or any(eq(c.group, g) for g in groups) for c in approved)
    undecided = groups is not None and any(c.group is None for c in approved)
    service = False
    if kind in SERVICE_FOR_TYPE:
        by_vnet, subnet_gaps = ctx.topo.service_endpoint_reach(resource, SERVICE_FOR_TYPE[kind])
        service = bool(by_vnet)
        undecided = undecided or bool(subnet_gaps)
    if private and service:
        return "private-endpoint+service-endpoint"
    if private:
        return "private-endpoint"
    if service:
        return "service-endpoint"
    if undecided or ctx.topo.endpoint_gap(resource_id, ctx.id):
        return "unknown"
    return "firewall-only"


def _mix(flags: list[bool]) -> str:
    """Over a set of computes flagged public (True) or private (False)."""
    if not flags:
        return "none"
    if all(flags):
        return "public-ip"
    if not any(flags):
        return "private-ip"
    return "mixed"


def training_posture(ctx: WorkspaceContext) -> str:
    return _mix([has_public_ip(c)[0] for c in ctx.training_computes])


def inference_posture(ctx: WorkspaceContext) -> str:
    flags = [
        not eq(compute_block(c).get("loadBalancerType") or "PublicIp", "InternalLoadBalancer")
        for c in ctx.inference_computes
        if compute_type(c) == "aks"
    ]
    flags += [
        not eq(props(e).get("publicNetworkAccess") or "Enabled", "Disabled") for e in ctx.managed_online_endpoints
    ]
    return _mix(flags)


def posture_of(ctx: WorkspaceContext) -> dict[str, Any]:
    return {
        "workspace": workspace_posture(ctx),
        "storage": resource_posture(ctx, ctx.storage_id, STORAGE),
        "key_vault": resource_posture(ctx, ctx.key_vault_id, KEY_VAULT),
        "container_registry": resource_posture(ctx, ctx.registry_id, REGISTRY) if ctx.registry_id else None,
        "training_compute": training_posture(ctx),
        "inference_compute": inference_posture(ctx),
        "application_insights": dig(ctx.p, "applicationInsights"),
    }
