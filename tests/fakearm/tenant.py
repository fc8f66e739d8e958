"""Inventories to serve: the sample tenant, and tenants of many workspaces cloned from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.inventory import load_inventory
from benchmarks.generate_tenant import CloneWriter, tenant_chunks

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TENANT = ROOT / "fixtures" / "sample-tenant"
SAMPLE_SUBSCRIPTION = "3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d"

Json = dict[str, Any]


def sample_tenant() -> list[Json]:
    """The bundled sample tenant: one workspace and its whole topology, in one subscription."""
    return load_inventory([str(SAMPLE_TENANT)]).resources


def cloned_tenant(
    workspaces: int, subscriptions: tuple[str, ...] = (SAMPLE_SUBSCRIPTION,), per_hub: int = 1
) -> list[Json]:
    """`workspaces` clones of the sample tenant (resource group `rg-ml-<i>`), dealt round-robin over
    `subscriptions`: clone i lives in subscriptions[i % len(subscriptions)]; `per_hub` of them share
    an egress hub."""
    chunks = tenant_chunks(
        CloneWriter(sample_tenant()), workspaces, vary_every=0, subscriptions=subscriptions, per_hub=per_hub
    )
    resources: list[Json] = json.loads("[" + ",".join(text for text, _ in chunks) + "]")
    return resources


def workspace_id(index: int, subscription: str = SAMPLE_SUBSCRIPTION) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/rg-ml-{index:04d}"
        f"/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod-{index:04d}"
    )
