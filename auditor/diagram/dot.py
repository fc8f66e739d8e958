"""The diagram in Graphviz DOT: VNets and subnets as clusters, failing edges red and bold.

For people who lay it out with their own Graphviz; amlaudit itself never runs `dot`. Strings are
quoted with backslashes and quotes escaped, so that a name cannot end its string or start a DOT
escape sequence (`\\n`, `\\l`) of its own.
"""

from __future__ import annotations

from auditor.diagram.model import KIND_LABELS, Diagram, Edge, Node
from auditor.diagram.text import clean

_COLOURS = {"fail": "#cf222e", "unknown": "#8250df"}


def quoted(text: str) -> str:
    return '"' + clean(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(diagram: Diagram) -> str:
    ids = {node.key: f"n{index}" for index, node in enumerate(diagram.nodes)}
    children: dict[str | None, list[Node]] = {}
    for node in diagram.nodes:
        children.setdefault(node.parent, []).append(node)
    lines = [
        f"digraph {quoted('network of ' + diagram.workspace_name)} {{",
        "  rankdir=LR; compound=true;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9, color="#6e7781"];',
    ]

    def emit(node: Node, depth: int) -> None:
        pad = "  " * depth
        text = "\\n".join(quoted(line)[1:-1] for line in _lines(node))
        colour = _COLOURS.get(node.status or "", "#8c959f")
        style = "dashed" if node.status == "unknown" or node.absent else "solid"
        if node.container:
            lines.append(f"{pad}subgraph cluster_{ids[node.key]} {{")
            lines.append(f'{pad}  label="{text}"; color="{colour}"; style="rounded,{style}";')
            if node.status == "fail":
                lines.append(f"{pad}  penwidth=2.5;")
            for child in children.get(node.key, []):
                emit(child, depth + 1)
            lines.append(f"{pad}}}")
        else:
            width = ", penwidth=2.5" if node.status == "fail" else ""
            lines.append(
                f'{pad}{ids[node.key]} [label="{text}", color="{colour}", style="rounded,filled,{style}"{width}];'
            )

    for node in children.get(None, []):
        emit(node, 1)
    for edge in diagram.edges:
        if edge.source not in ids or edge.target not in ids:
            continue
        source = diagram.node(edge.source)
        if edge.kind == "in_subnet" and source is not None and source.parent == edge.target:
            continue
        attrs = [f"label={quoted(_edge_text(edge))}"]
        if edge.status in _COLOURS:
            attrs += [f'color="{_COLOURS[edge.status or ""]}"', f'fontcolor="{_COLOURS[edge.status or ""]}"']
            attrs.append("penwidth=3" if edge.status == "fail" else "style=dashed")
        elif edge.partial or edge.kind == "linked_zone":
            attrs.append("style=dashed")
        lines.append(f"  {ids[edge.source]} -> {ids[edge.target]} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _lines(node: Node) -> list[str]:
    kind = KIND_LABELS.get(node.kind, node.kind) + (" (absent)" if node.absent else "")
    out = [kind, node.label, *node.details[:2]]
    own = [m for m in node.marks if m.role == "subject" and m.status in _COLOURS]
    return out + list(dict.fromkeys(f"{m.rule_id} {m.status}" for m in own))


def _edge_text(edge: Edge) -> str:
    rules = list(dict.fromkeys(m.rule_id for m in edge.marks if m.status in _COLOURS))
    return " ".join(rules) if rules else edge.label
