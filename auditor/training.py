"""Questions the training compute rules share (catalogue §4, "Training compute")."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.arm import Resource
from auditor.context import WorkspaceContext, compute_subnet
from auditor.findings import Finding, Status


def in_managed_vnet(ctx: WorkspaceContext, compute: Resource) -> bool:
    """Compute without a subnet in a managed network workspace runs in the managed VNet (§1)."""
    return ctx.is_managed and compute_subnet(compute) is None


def each_customer_vnet_compute(ctx: WorkspaceContext) -> Iterator[tuple[Resource, Finding | None]]:
    """Each training compute, with the `not_applicable` finding for those in the managed VNet."""
    for compute in ctx.training_computes:
        if in_managed_vnet(ctx, compute):
            message = f"{compute.get('name')} runs in the managed VNet of {ctx.name}."
            yield compute, ctx.finding(Status.NOT_APPLICABLE, compute["id"], message)
        else:
            yield compute, None
