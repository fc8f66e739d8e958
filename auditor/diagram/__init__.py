"""A picture of each workspace's network with the results drawn on it.

`build_diagram` is the pure function: topology + workspace + results → `Diagram`. Renderers
(`svg`, `mermaid`, `dot`, and `Diagram.to_dict` for JSON) only draw a diagram.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from auditor.arm import Resource
from auditor.diagram.build import build_structure
from auditor.diagram.marks import marked
from auditor.diagram.model import Diagram, Edge, Mark, Node
from auditor.topology import Topology

__all__ = ["Diagram", "Edge", "Mark", "Node", "build_diagram", "build_structure", "marked"]


def build_diagram(topo: Topology, ws: Resource, results: Iterable[Mapping[str, Any]]) -> Diagram:
    """The diagram of one workspace, marked with its results (result dicts as in reports)."""
    return marked(build_structure(topo, ws), results)
