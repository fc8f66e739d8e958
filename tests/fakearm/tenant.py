"""Inventories to serve: the sample tenant, and tenants of many workspaces cloned from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.inventory import load_inventory
from benchmarks.generate_tenant import CloneWriter

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TENANT = ROOT / "fixtures" / "sample-tenant"
SAMPLE_SUBSCRIPTION = "3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d"

Json = dict[str, Any]


def sample_tenant() -> list[Json]:
    """The bundled sample tenant: one workspace and its whole topology, in one subscription."""
    return load_inventory([str(SAMPLE_TENANT)]).resources


def cloned_tenant(workspaces: int, subscriptions: tuple[str, ...] = (SAMPLE_SUBSCRIPTION,)) -> list[Json]:
    """`workspaces` clones of the sample tenant (resource group `rg-ml-<i>`), dealt round-robin over
    `subscriptions`: clone i lives in subscriptions[i % len(subscriptions)]."""
    writer = CloneWriter(sample_tenant())
    resources: list[Json] = []
    for index in range(workspaces):
        text = writer.clone_text(index)
        target = subscriptions[index % len(subscriptions)]
        resources.extend(json.loads(text.replace(SAMPLE_SUBSCRIPTION, target)))
    return resources


def workspace_id(index: int, subscription: str = SAMPLE_SUBSCRIPTION) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/rg-ml-{index:04d}"
        f"/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod-{index:04d}"
    )
