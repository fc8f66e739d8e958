"""The diagram of one workspace's network: nodes nested in containers, edges, and result marks.

A `Diagram` is what every renderer draws and what the JSON report carries; it holds no layout.
Keys are lower-cased ARM ids (or synthetic keys such as `managed-vnet:<workspace id>`), so that a
result naming a resource in any casing finds its node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# Kinds that hold other nodes; renderers draw them as boxes.
CONTAINER_KINDS = frozenset({"vnet", "subnet", "managed_vnet"})

# What each kind reads as in a label or legend.
KIND_LABELS: dict[str, str] = {
    "workspace": "workspace",
    "hub_workspace": "hub workspace",
    "storage": "storage",
    "key_vault": "key vault",
    "registry": "registry",
    "app_insights": "App Insights",
    "online_endpoint": "online endpoint",
    "private_endpoint": "private endpoint",
    "vnet": "VNet",
    "managed_vnet": "managed VNet",
    "subnet": "subnet",
    "compute": "compute",
    "aks": "AKS",
    "bastion": "Bastion",
    "gateway": "VNet gateway",
    "firewall": "Azure Firewall",
    "appliance": "next hop",
    "dns_zone": "private DNS zone",
}

EDGE_LABELS: dict[str, str] = {
    "endpoint_of": "endpoint of",
    "in_subnet": "in subnet",
    "peered_with": "peered with",
    "routes_to": "routes to",
    "linked_zone": "linked zone",
    "outbound_rule": "outbound rule",
    "hub_of": "hub of",
}

# Worst first: a node with a failing and a passing result reads as failing.
MARK_ORDER = ("fail", "unknown", "waived", "pass")


@dataclass(frozen=True)
class Mark:
    """One result on a node or edge. `role` says whether the result is about it (`subject`) or
    names it in its evidence (`evidence`)."""

    rule_id: str
    status: str
    severity: str
    role: str
    message: str

    def line(self) -> str:
        return f"{self.rule_id} {self.status}: {self.message}"


def worst(marks: Iterable[Mark]) -> str | None:
    """The status a node or edge is drawn with: fail, unknown, waived, pass, or None."""
    statuses = {mark.status for mark in marks}
    return next((status for status in MARK_ORDER if status in statuses), None)


@dataclass
class Node:
    key: str
    id: str
    kind: str
    label: str
    parent: str | None = None
    details: list[str] = field(default_factory=list)
    absent: bool = False
    # Other keys this node stands for (an AML compute and the AKS cluster it attaches).
    aliases: list[str] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    @property
    def container(self) -> bool:
        return self.kind in CONTAINER_KINDS

    @property
    def status(self) -> str | None:
        return worst(self.marks)


@dataclass
class Edge:
    key: str
    source: str
    target: str
    kind: str
    label: str = ""
    # Resource ids the edge stands for: peerings, zone links, routes, outbound rules.
    ids: list[str] = field(default_factory=list)
    # Drawn dashed whatever its marks: a one-sided peering, a pending connection.
    partial: bool = False
    marks: list[Mark] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return worst(self.marks)


@dataclass
class Diagram:
    workspace_id: str
    workspace_name: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    # What the picture cannot show for this workspace (absent resources, collection gaps).
    notes: list[str] = field(default_factory=list)

    def node(self, key: str) -> Node | None:
        return next((n for n in self.nodes if n.key == key), None)

    def copy(self) -> Diagram:
        """A copy that shares nothing mutable with this diagram (marks are immutable)."""
        nodes = [replace(n, details=list(n.details), aliases=list(n.aliases), marks=list(n.marks)) for n in self.nodes]
        edges = [replace(e, ids=list(e.ids), marks=list(e.marks)) for e in self.edges]
        return replace(self, nodes=nodes, edges=edges, notes=list(self.notes))

    def children(self, key: str | None) -> list[Node]:
        return [n for n in self.nodes if n.parent == key]

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace_id": self.workspace_id,
            "workspace_name": self.workspace_name,
            "nodes": [_node_dict(n) for n in self.nodes],
            "edges": [_edge_dict(e) for e in self.edges],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Diagram:
        return cls(
            workspace_id=str(data["workspace_id"]),
            workspace_name=str(data["workspace_name"]),
            nodes=[
                Node(
                    key=n["key"],
                    id=n["id"],
                    kind=n["kind"],
                    label=n["label"],
                    parent=n.get("parent"),
                    details=list(n.get("details", [])),
                    absent=bool(n.get("absent", False)),
                    aliases=list(n.get("aliases", [])),
                    marks=[Mark(**m) for m in n.get("marks", [])],
                )
                for n in data.get("nodes", [])
            ],
            edges=[
                Edge(
                    key=e["key"],
                    source=e["source"],
                    target=e["target"],
                    kind=e["kind"],
                    label=e.get("label", ""),
                    ids=list(e.get("ids", [])),
                    partial=bool(e.get("partial", False)),
                    marks=[Mark(**m) for m in e.get("marks", [])],
                )
                for e in data.get("edges", [])
            ],
            notes=list(data.get("notes", [])),
        )


def _mark_dicts(marks: Iterable[Mark]) -> list[dict[str, str]]:
    return [
        {"rule_id": m.rule_id, "status": m.status, "severity": m.severity, "role": m.role, "message": m.message}
        for m in marks
    ]


def _node_dict(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"key": node.key, "id": node.id, "kind": node.kind, "label": node.label}
    out["parent"] = node.parent
    out["details"] = list(node.details)
    if node.absent:
        out["absent"] = True
    if node.aliases:
        out["aliases"] = list(node.aliases)
    if node.marks:
        out["marks"] = _mark_dicts(node.marks)
    return out


def _edge_dict(edge: Edge) -> dict[str, Any]:
    out: dict[str, Any] = {"key": edge.key, "source": edge.source, "target": edge.target, "kind": edge.kind}
    out["label"] = edge.label
    if edge.ids:
        out["ids"] = list(edge.ids)
    if edge.partial:
        out["partial"] = True
    if edge.marks:
        out["marks"] = _mark_dicts(edge.marks)
    return out
