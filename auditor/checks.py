"""Judgements shared by the storage, vault and registry rules, which ask the same question of
different associated resources."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.arm import dig, eq, props
from auditor.context import WorkspaceContext
from auditor.model import Finding, Status


def subject_of(ctx: WorkspaceContext, resource_id: str | None) -> str:
    """The referenced resource, or the workspace itself when it references none (catalogue §2)."""
    return resource_id or ctx.id


def secured_or_unknown(
    ctx: WorkspaceContext, resource_id: str | None, resource_type: str, label: str
) -> tuple[bool | None, Finding | None]:
    """VNet-secured state of a referenced resource, or the `unknown` finding when it cannot be read."""
    secured, gap = ctx.vnet_secured(resource_id, resource_type)
    if secured is None:
        return None, ctx.finding(
            Status.UNKNOWN,
            subject_of(ctx, resource_id),
            f"The {label} of {ctx.name} cannot be read: {gap}.",
            missing=gap,
        )
    return secured, None


def vnet_secured_findings(
    ctx: WorkspaceContext, resource_id: str | None, resource_type: str, label: str
) -> Iterable[Finding]:
    """Pass when the resource is VNet-secured, fail when publicly open (ST-001, KV-001, CR-002)."""
    secured, unknown = secured_or_unknown(ctx, resource_id, resource_type, label)
    if unknown:
        yield unknown
        return
    resource = ctx.topo.get(resource_id)
    assert resource is not None and resource_id is not None  # secured_or_unknown checked both
    _, evidence = ctx.publicly_open(resource)
    if secured:
        yield ctx.finding(Status.PASS, resource_id, f"The {label} of {ctx.name} is VNet-secured.", **evidence)
    else:
        yield ctx.finding(Status.FAIL, resource_id, f"The {label} of {ctx.name} is publicly open.", **evidence)


def bypass_findings(
    ctx: WorkspaceContext,
    resource_id: str | None,
    resource_type: str,
    label: str,
    path: tuple[str, ...],
) -> Iterable[Finding]:
    """Applies when VNet-secured; fails when the trusted-services bypass at `path` is `None`
    (absent = `AzureServices`, catalogue §1) (KV-003, CR-003)."""
    secured, unknown = secured_or_unknown(ctx, resource_id, resource_type, label)
    if unknown:
        yield unknown
        return
    assert resource_id is not None
    if not secured:
        yield ctx.finding(Status.NOT_APPLICABLE, resource_id, f"The {label} of {ctx.name} is not VNet-secured.")
        return
    value = dig(props(ctx.topo.get(resource_id)), *path)
    key = "properties." + ".".join(path)
    evidence: dict[str, object] = {key: value}
    if value is None:
        evidence["defaulted"] = [f"{key} = AzureServices"]
    if eq(value, "None"):
        yield ctx.finding(
            Status.FAIL,
            resource_id,
            f"The {label} of {ctx.name} does not let trusted Microsoft services through its firewall.",
            **evidence,
        )
    else:
        yield ctx.finding(
            Status.PASS,
            resource_id,
            f"The {label} of {ctx.name} lets trusted Microsoft services through its firewall.",
            **evidence,
        )


def workspace_network_reach_findings(
    ctx: WorkspaceContext, resource_id: str, resource_type: str, label: str, service_endpoints: bool
) -> Iterable[Finding]:
    """Pass when reachable from a workspace VNet or a VNet peered with one (KV-002, CR-004).

    The caller has already judged the applies-when clause.
    """
    reach = ctx.reach(resource_id)
    if not service_endpoints:
        reach.by_service_endpoint = {}
    answer, how, missing = ctx.reach_from_workspace_network(reach)
    if ctx.topo.get(resource_id) is None:  # an absent resource never passes its own rules (catalogue §2)
        missing.append(ctx.absence(resource_id, resource_type))
        answer = None
    evidence = {
        "workspace_vnets": sorted(ctx.workspace_vnets.names.values()),
        "reachable_from": sorted(ctx.vnet_display(v) for v in reach.vnets),
    }
    if answer:
        note = "" if how and how.startswith("same") else " (the same VNet is recommended)"
        yield ctx.finding(
            Status.PASS,
            resource_id,
            f"The {label} of {ctx.name} is reachable through the {how}{note}.",
            reached_via=how,
            **evidence,
        )
    elif answer is None:
        yield ctx.finding(
            Status.UNKNOWN,
            resource_id,
            f"Whether the {label} of {ctx.name} is reachable from the "
            f"workspace network is undecided: {'; '.join(missing)}.",
            missing=missing,
            **evidence,
        )
    else:
        yield ctx.finding(
            Status.FAIL,
            resource_id,
            f"The {label} of {ctx.name} is reachable neither from a workspace VNet nor from a VNet peered with one.",
            **evidence,
        )
