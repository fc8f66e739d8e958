"""What the diagram builder accumulates: nodes and edges by key, in the order first met, and notes."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.arm import Resource, lid, name_of
from auditor.diagram.model import Diagram, Edge, Node
from auditor.topology import Topology


class Builder:
    def __init__(self, topo: Topology, ws: Resource) -> None:
        self.topo = topo
        self.ws = ws
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self.notes: list[str] = []

    def node(self, resource_id: str, kind: str, parent: str | None = None, label: str | None = None) -> Node:
        key = lid(resource_id)
        found = self.nodes.get(key)
        if found is None:
            found = self.nodes[key] = Node(
                key=key, id=resource_id, kind=kind, label=label or name_of(resource_id), parent=parent
            )
        return found

    def edge(self, source: str, target: str, kind: str, label: str = "", ids: Iterable[str] = ()) -> Edge:
        key = f"{kind}:{source}->{target}"
        found = self.edges.get(key)
        if found is None:
            found = self.edges[key] = Edge(key=key, source=source, target=target, kind=kind, label=label)
        found.ids.extend(i for i in ids if i not in found.ids)
        return found

    def diagram(self) -> Diagram:
        return Diagram(
            workspace_id=str(self.ws["id"]),
            workspace_name=str(self.ws.get("name") or name_of(self.ws["id"])),
            nodes=list(self.nodes.values()),
            edges=list(self.edges.values()),
            notes=self.notes,
        )
