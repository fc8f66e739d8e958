"""The diagram as one self-contained SVG: no script, no external font, style, image or link.

Colours are presentation attributes (no `<style>`), so the SVG reads the same inline in the HTML
report, opened alone, or pasted into a design document. Failing edges are drawn last, thick and red
on a white halo, with their rule ids at the midpoint, so that they are found first. Every node and
edge has a `<title>` (the tooltip) listing the results that mark it.
"""

from __future__ import annotations

from auditor.diagram.layout import LEAF_W, LINE, MARGIN, PAD, TITLE_H, Layout, Rect, fit, header_lines, layout
from auditor.diagram.model import KIND_LABELS, Diagram, Edge, Mark, Node
from auditor.diagram.text import clean

FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
RED = "#cf222e"
PURPLE = "#8250df"
AMBER = "#9a6700"
GREY = "#6e7781"
INK = "#1f2328"

# Fill and stroke of boxes by kind, before marks.
_BOX = {
    "vnet": ("#eef5ff", "#0969da"),
    "managed_vnet": ("#f5f0ff", "#8250df"),
    "subnet": ("#ffffff", "#54aeff"),
}
_LEAF = ("#ffffff", "#8c959f")
_ZONE = ("#f6f8fa", "#8c959f")
_EDGE = {
    "linked_zone": ("#afb8c1", 1.0, "2 3"),
    "peered_with": ("#0969da", 2.0, ""),
    "routes_to": ("#1b7c83", 1.5, ""),
    "service_endpoint": ("#6e7781", 1.2, "6 3"),
}


def render_svg(diagram: Diagram) -> str:
    lay = layout(diagram)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{lay.width:.0f}" height="{lay.height:.0f}" '
        f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" font-family="{_attr(FONT)}" font-size="11">',
        f"<title>{_text('Network of ' + diagram.workspace_name)}</title>",
        f'<rect x="0" y="0" width="{lay.width:.0f}" height="{lay.height:.0f}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 14}" font-size="15" font-weight="600" fill="{INK}">'
        f"{_text(fit('Network of ' + diagram.workspace_name, lay.width - 2 * MARGIN, 15))}</text>",
        *_legend(MARGIN + TITLE_H),
    ]
    nodes = {node.key: node for node in diagram.nodes}
    # Parents before children, so that inner boxes paint over outer ones.
    for node in sorted(diagram.nodes, key=lambda n: _depth(n, nodes)):
        rect = lay.rects.get(node.key)
        if rect is not None:
            out.append(_box(node, rect, lay) if node.container else _leaf(node, rect))
    # Quiet edges first, then unknown, then failing ones on top.
    drawn = [e for e in diagram.edges if _visible(e, nodes)]
    order = {"fail": 3, "unknown": 2}
    for edge in sorted(drawn, key=lambda e: order.get(e.status or "", 0)):
        source, target = lay.rects.get(edge.source), lay.rects.get(edge.target)
        if source is not None and target is not None:
            out.append(_edge(edge, source, target, lay, nodes))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _visible(edge: Edge, nodes: dict[str, Node]) -> bool:
    """Containment is drawn by nesting: an `in subnet` edge to the box already holding it is not drawn."""
    node = nodes.get(edge.source)
    return not (edge.kind == "in_subnet" and node is not None and node.parent == edge.target)


def _depth(node: Node, nodes: dict[str, Node]) -> int:
    depth, current = 0, node.parent
    while current and depth < 8:
        depth, current = depth + 1, nodes[current].parent if current in nodes else None
    return depth


def _legend(y: float) -> list[str]:
    items = [
        ("fail: red, rule id shown", RED, "2.5", "", "#ffebe9"),
        ("unknown: dashed", PURPLE, "2", "5 3", "#ffffff"),
        ("waived", AMBER, "1.5", "", "#ffffff"),
        ("pass or no result", "#8c959f", "1", "", "#ffffff"),
        ("absent from the inventory", GREY, "1", "2 3", "#f6f8fa"),
    ]
    out: list[str] = []
    x: float = MARGIN
    for label, stroke, width, dash, fill in items:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<rect x="{x}" y="{y + 4}" width="22" height="14" rx="3" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{width}"{dashes}/>'
        )
        out.append(f'<text x="{x + 28}" y="{y + 15}" fill="{INK}">{_text(label)}</text>')
        x += 40 + len(label) * 6.2
    return out


def _style(node: Node, fill: str, stroke: str) -> tuple[str, str, str, str]:
    """Fill, stroke, stroke width and dash pattern of a node, after its marks. A failing box keeps
    its fill: a pink VNet would hide the red of what fails inside it."""
    subject = [m for m in node.marks if m.role == "subject"]
    status = node.status
    if status == "fail" and any(m.status == "fail" for m in subject):
        return (fill if node.container else "#ffebe9"), RED, "2.5", ""
    if status == "fail":
        return fill, RED, "1.2", ""
    if status == "unknown":
        return fill, PURPLE, "2", "5 3"
    if status == "waived":
        return fill, AMBER, "1.5", ""
    if node.absent:
        return "#f6f8fa", GREY, "1", "2 3"
    return fill, stroke, "1", ""


def _rule_line(node: Node) -> tuple[str, str] | None:
    """The ids of the failing (red) or unknown (purple) rules about this node; rules that only name
    it in their evidence are in its tooltip, so that one rule naming ten nodes does not paint ten."""
    for status, colour, sign in (("fail", RED, "✗"), ("unknown", PURPLE, "?"), ("waived", AMBER, "waived")):
        ids = _ids(m for m in node.marks if m.status == status and m.role == "subject")
        if ids:
            return f"{sign} {' '.join(ids)}", colour
    return None


def _ids(marks: object) -> list[str]:
    return list(dict.fromkeys(m.rule_id for m in marks))  # type: ignore[attr-defined]


def _tooltip(title: str, details: list[str], marks: list[Mark]) -> str:
    lines = [title, *details]
    lines += [f"{m.line()}{' (named in evidence)' if m.role == 'evidence' else ''}" for m in marks]
    return f"<title>{chr(10).join(_text(line) for line in lines)}</title>"


def _box(node: Node, rect: Rect, lay: Layout) -> str:
    fill, stroke = _BOX.get(node.kind, _LEAF)
    fill, stroke, width, dash = _style(node, fill, stroke)
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    lines = header_lines(node)
    parts = [
        f'<g data-key="{_attr(node.key)}" data-kind="{node.kind}">',
        _tooltip(f"{KIND_LABELS.get(node.kind, node.kind)} {node.id}", node.details, node.marks),
        f'<rect x="{rect.x:.0f}" y="{rect.y:.0f}" width="{rect.w:.0f}" height="{rect.h:.0f}" rx="6" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dashes}/>',
    ]
    y = rect.y + PAD + 2
    for index, line in enumerate(lines):
        weight = ' font-weight="600"' if index == 0 else ""
        colour = INK if index == 0 else GREY
        parts.append(
            f'<text x="{rect.x + PAD:.0f}" y="{y + 8:.0f}" fill="{colour}"{weight}>'
            f"{_text(fit(line, rect.w - 2 * PAD, 11))}</text>"
        )
        y += LINE
    rules = _rule_line(node)
    if rules is not None:
        parts.append(
            f'<text x="{rect.x + PAD:.0f}" y="{y + 8:.0f}" fill="{rules[1]}" font-weight="700">'
            f"{_text(fit(rules[0], rect.w - 2 * PAD, 11))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _leaf(node: Node, rect: Rect) -> str:
    fill, stroke = _ZONE if node.kind == "dns_zone" else _LEAF
    fill, stroke, width, dash = _style(node, fill, stroke)
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    kind = KIND_LABELS.get(node.kind, node.kind) + (" (absent)" if node.absent else "")
    first = node.details[0].split(": ", 1)[-1] if node.details else ""
    sub = f"{kind} · {first}" if first and node.kind in ("private_endpoint", "compute", "aks") else kind
    parts = [
        f'<g data-key="{_attr(node.key)}" data-kind="{node.kind}">',
        _tooltip(f"{KIND_LABELS.get(node.kind, node.kind)} {node.id}", node.details, node.marks),
        f'<rect x="{rect.x:.0f}" y="{rect.y:.0f}" width="{rect.w:.0f}" height="{rect.h:.0f}" rx="4" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dashes}/>',
        f'<text x="{rect.x + 8:.0f}" y="{rect.y + 14:.0f}" fill="{GREY}" font-size="10">'
        f"{_text(fit(sub, rect.w - 16, 10))}</text>",
        f'<text x="{rect.x + 8:.0f}" y="{rect.y + 28:.0f}" fill="{INK}" font-size="12" font-weight="600">'
        f"{_text(fit(node.label, rect.w - 16, 12))}</text>",
    ]
    rules = _rule_line(node)
    if rules is not None:
        parts.append(
            f'<text x="{rect.x + 8:.0f}" y="{rect.y + 41:.0f}" fill="{rules[1]}" font-size="10" font-weight="700">'
            f"{_text(fit(rules[0], rect.w - 16, 10))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _anchors(source: Rect, target: Rect, lay: Layout, edge: Edge) -> tuple[float, float, float, float, bool]:
    """Where an edge leaves and enters: the facing sides, left and right unless one box is
    straight above the other (or the edge comes up from the DNS zones below).

    Entering a box from above or below, the edge aims at the point of the box nearest the other
    end, so that several edges into one VNet fan out instead of meeting at one point; a container
    is entered sideways at its header, where its name is.
    """
    hgap = max(target.x - (source.x + source.w), source.x - (target.x + target.w))
    vgap = max(target.y - (source.y + source.h), source.y - (target.y + target.h))
    if vgap > 0 and (hgap <= 0 or edge.kind == "linked_zone"):
        x1 = _clamp(target.cx, source.x + 12, source.x + source.w - 12)
        x2 = _clamp(source.cx, target.x + 12, target.x + target.w - 12)
        if target.y >= source.y + source.h:
            return x1, source.y + source.h, x2, target.y, False
        return x1, source.y, x2, target.y + target.h, False
    sy = source.y + lay.headers[edge.source] / 2 if edge.source in lay.headers else source.cy
    ty = target.y + lay.headers[edge.target] / 2 if edge.target in lay.headers else target.cy
    if target.x >= source.x + source.w:
        return source.x + source.w, sy, target.x, ty, True
    if source.x >= target.x + target.w:
        return source.x, sy, target.x + target.w, ty, True
    # One box inside the other (a subnet routing to a firewall in the same VNet): side to side.
    return source.x + source.w, sy, target.x + target.w, ty, True


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(value, high)) if low <= high else (low + high) / 2


def _edge(edge: Edge, source: Rect, target: Rect, lay: Layout, nodes: dict[str, Node]) -> str:
    x1, y1, x2, y2, horizontal = _anchors(source, target, lay, edge)
    if horizontal:
        bend = max(40.0, abs(x2 - x1) / 2)
        same_side = (x1 == source.x + source.w) == (x2 == target.x + target.w)
        c1 = x1 + (bend if x1 >= source.cx else -bend)
        c2 = (x2 + bend) if same_side else (x2 - bend if x2 <= target.cx else x2 + bend)
        path = f"M{x1:.0f},{y1:.0f} C{c1:.0f},{y1:.0f} {c2:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    else:
        bend = max(30.0, abs(y2 - y1) / 2)
        c1 = y1 + (bend if y2 > y1 else -bend)
        c2 = y2 - (bend if y2 > y1 else -bend)
        path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{c1:.0f} {x2:.0f},{c2:.0f} {x2:.0f},{y2:.0f}"
    colour, width, dash = _EDGE.get(edge.kind, ("#8c959f", 1.2, ""))
    status = edge.status
    if status == "fail":
        colour, width = RED, 3.0
    elif status == "unknown":
        colour, width, dash = PURPLE, 2.0, "6 4"
    if edge.partial:
        dash = "7 4"
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    label = edge.label or edge.kind.replace("_", " ")
    parts = [
        f'<g data-edge="{_attr(edge.kind)}" data-status="{status or "none"}">',
        _tooltip(f"{label}: {_name(nodes, edge.source)} → {_name(nodes, edge.target)}", [], edge.marks),
    ]
    if status == "fail":
        parts.append(f'<path d="{path}" fill="none" stroke="#ffffff" stroke-width="7" stroke-opacity="0.9"/>')
    parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"{dashes}/>')
    parts.append(f'<circle cx="{x2:.0f}" cy="{y2:.0f}" r="{2.5 + width / 2:.1f}" fill="{colour}"/>')
    text = _edge_text(edge)
    if text:
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        size = 10
        w = min(len(text) * size * 0.62 + 8, LEAF_W * 1.6)
        if horizontal and abs(x2 - x1) < w + 20:
            # A short link (VNets side by side): the label sits above it, not over it.
            my -= 16
        elif horizontal and nodes.get(edge.target) is not None and nodes[edge.target].parent is None:
            # Into the column on the left: the label sits in the gap beside that column, where it
            # covers no box's header, just above the line's end.
            mx, my = x2 + w / 2 + 6, y2 - 12
        parts.append(
            f'<rect x="{mx - w / 2:.0f}" y="{my - 8:.0f}" width="{w:.0f}" height="15" rx="3" fill="#ffffff" '
            f'stroke="{colour}" stroke-width="0.8"/>'
        )
        parts.append(
            f'<text x="{mx:.0f}" y="{my + 3:.0f}" text-anchor="middle" font-size="{size}" fill="{colour}"'
            f"{' font-weight=' + chr(34) + '700' + chr(34) if status == 'fail' else ''}>"
            f"{_text(fit(text, w - 4, size))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _edge_text(edge: Edge) -> str:
    """Failing and unknown edges say which rules; peerings say their state when it is not whole."""
    for status, sign in (("fail", "✗"), ("unknown", "?")):
        ids = _ids(m for m in edge.marks if m.status == status)
        if ids:
            return f"{sign} {' '.join(ids)}"
    if edge.kind in ("peered_with", "routes_to") or edge.partial:
        return edge.label
    return ""


def _name(nodes: dict[str, Node], key: str) -> str:
    node = nodes.get(key)
    return node.label if node else key


def _escape(text: str, entities: dict[str, str] | None = None) -> str:
    # What xml.sax.saxutils.escape does, without importing urllib and email along with it.
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for character, entity in (entities or {}).items():
        text = text.replace(character, entity)
    return text


def _text(value: str) -> str:
    return _escape(clean(value))


def _attr(value: str) -> str:
    return _escape(clean(value), {'"': "&quot;", "'": "&apos;"})
