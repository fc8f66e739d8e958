"""A picture of each workspace's network with the results drawn on it.

`build_diagram` is the pure function: topology + workspace + results → `Diagram`. Renderers
(`svg`, `mermaid`, `dot`, and `Diagram.to_dict` for JSON) only draw a diagram.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from auditor.arm import Resource
from auditor.diagram.build import build_structure
from auditor.diagram.marks import marked
from auditor.diagram.model import Diagram, Edge, Mark, Node
from auditor.topology import Topology

__all__ = ["Diagram", "Edge", "Mark", "Node", "build_diagram", "build_structure", "diagram_source", "marked"]


def build_diagram(topo: Topology, ws: Resource, results: Iterable[Mapping[str, Any]]) -> Diagram:
    """The diagram of one workspace, marked with its results (result dicts as in reports)."""
    return marked(build_structure(topo, ws), results)


def diagram_source(topo: Topology) -> Callable[[str], Diagram | None]:
    """Unmarked diagrams by workspace id, each built when first asked for (reports over large
    tenants draw only some of them)."""

    def source(workspace_id: str) -> Diagram | None:
        ws = topo.get(workspace_id)
        return build_structure(topo, ws) if ws is not None else None

    return source
