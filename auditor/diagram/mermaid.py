"""The diagram as a Mermaid `flowchart` (GitHub and Azure DevOps render it in Markdown).

Only a small, fixed part of the grammar is emitted (tests check every line against it):
`flowchart LR`, `subgraph ID["label"]` … `end` for VNets and subnets, `ID["label"]` nodes, edges
`-->`, `-.->` and `==>` with an optional `|"label"|`, `classDef`, `class` and `linkStyle`. Node ids
are generated (`n0`, `n1`, …); every label is entity-encoded so that no inventory string can close a
quote, open a bracket or inject markup: only letters, digits, spaces and `.-_/:,()` pass as they are.
"""

from __future__ import annotations

import re

from auditor.diagram.model import KIND_LABELS, Diagram, Edge, Node
from auditor.diagram.text import clean

_PLAIN = re.compile(r"[A-Za-z0-9 .\-_/:,()]")
CLASSES = {
    "fail": "fill:#ffebe9,stroke:#cf222e,stroke-width:3px,color:#1f2328",
    "failnear": "stroke:#cf222e,stroke-width:2px",
    "unknown": "stroke:#8250df,stroke-width:2px,stroke-dasharray:5 3",
    "absent": "fill:#f6f8fa,stroke:#6e7781,stroke-dasharray:2 3",
}
LINK_STYLES = {
    "fail": "stroke:#cf222e,stroke-width:3px",
    "unknown": "stroke:#8250df,stroke-width:2px",
}


def label(text: str) -> str:
    """Text for inside `"…"` in Mermaid: everything outside a plain set becomes `#<code>;`."""
    return "".join(ch if _PLAIN.fullmatch(ch) else f"#{ord(ch)};" for ch in clean(text))


def render_mermaid(diagram: Diagram) -> str:
    ids = {node.key: f"n{index}" for index, node in enumerate(diagram.nodes)}
    children: dict[str | None, list[Node]] = {}
    for node in diagram.nodes:
        children.setdefault(node.parent, []).append(node)
    lines = ["flowchart LR"]

    def emit(node: Node, depth: int) -> None:
        pad = "  " * depth
        text = "<br/>".join(label(line) for line in _lines(node))
        if node.container:
            lines.append(f'{pad}subgraph {ids[node.key]}["{text}"]')
            for child in children.get(node.key, []):
                emit(child, depth + 1)
            lines.append(f"{pad}end")
        else:
            lines.append(f'{pad}{ids[node.key]}["{text}"]')

    for node in children.get(None, []):
        emit(node, 1)
    styled: dict[str, list[int]] = {}
    count = 0
    for edge in diagram.edges:
        if edge.source not in ids or edge.target not in ids or _contained(edge, diagram):
            continue
        lines.append(f"  {ids[edge.source]} {_arrow(edge)}{_edge_label(edge)} {ids[edge.target]}")
        if edge.status in LINK_STYLES:
            styled.setdefault(edge.status or "", []).append(count)
        count += 1
    classes: dict[str, list[str]] = {}
    for node in diagram.nodes:
        name = _class(node)
        if name:
            classes.setdefault(name, []).append(ids[node.key])
    for name, members in classes.items():
        lines.append(f"  classDef {name} {CLASSES[name]}")
        lines.append(f"  class {','.join(members)} {name}")
    for status, indexes in styled.items():
        lines.append(f"  linkStyle {','.join(map(str, indexes))} {LINK_STYLES[status]}")
    return "\n".join(lines) + "\n"


def _lines(node: Node) -> list[str]:
    kind = KIND_LABELS.get(node.kind, node.kind) + (" (absent)" if node.absent else "")
    out = [f"{kind}: {node.label}"]
    if node.kind in ("vnet", "subnet") and node.details:
        out.append(node.details[0])
    own = [m for m in node.marks if m.role == "subject"]
    failing = list(dict.fromkeys(m.rule_id for m in own if m.status == "fail"))
    unknown = list(dict.fromkeys(m.rule_id for m in own if m.status == "unknown"))
    if failing:
        out.append("fails " + " ".join(failing))
    if unknown:
        out.append("unknown " + " ".join(unknown))
    return out


def _class(node: Node) -> str | None:
    if node.status == "fail":
        return "fail" if any(m.status == "fail" and m.role == "subject" for m in node.marks) else "failnear"
    if node.status == "unknown":
        return "unknown"
    return "absent" if node.absent else None


def _contained(edge: Edge, diagram: Diagram) -> bool:
    node = diagram.node(edge.source)
    return edge.kind == "in_subnet" and node is not None and node.parent == edge.target


def _arrow(edge: Edge) -> str:
    if edge.status == "fail":
        return "==>"
    if edge.status == "unknown" or edge.partial or edge.kind == "linked_zone":
        return "-.->"
    return "-->"


def _edge_label(edge: Edge) -> str:
    failing = list(dict.fromkeys(m.rule_id for m in edge.marks if m.status in ("fail", "unknown")))
    text = " ".join(failing) if failing else (edge.label if edge.kind != "linked_zone" else "")
    return f'|"{label(text)}"|' if text else ""
