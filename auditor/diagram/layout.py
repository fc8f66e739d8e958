"""A structural layout: nested boxes, placed by rule rather than by force.

The network is a containment tree (VNet ⊃ subnet ⊃ endpoint / compute) plus a few cross links, so
the layout is a tree packing: leaves in a two-column grid inside their subnet, subnets stacked in
their VNet, VNets side by side (the workspace's own first, its peers after), the workspace and its
PaaS resources in a column on the left, private DNS zones in rows below. The same diagram always
gives the same coordinates, and boxes nest by construction: a child is placed inside its parent's
padding and siblings never share space. Text widths are estimated (no font is measured), so labels
are cut to the width their box allows, and the full name stays in the tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.diagram.model import KIND_LABELS, Diagram, Node

LEAF_W = 176
ZONE_W = 270
LEAF_H = 46
GAP = 10
PAD = 10
LINE = 14
MARGIN = 20
LEGEND_H = 34
TITLE_H = 26
COLUMN_GAP = 90  # between the PaaS column and the VNets: room for the endpoint edges
VNET_GAP = 170  # between VNets side by side: room for the peering edge and its label
ROW_GAP = 56  # between the VNets and the DNS zones
MAX_W = 1440  # a laptop screen: VNets that would overflow it start a new row
SUBNET_MIN_W = 2 * LEAF_W + GAP + 2 * PAD
CHAR_W = 0.6  # average glyph width of a sans-serif face, in ems
MAX_HEADER_LINES = 12


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def contains(self, other: Rect) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.x + other.w <= self.x + self.w
            and other.y + other.h <= self.y + self.h
        )

    def overlaps(self, other: Rect) -> bool:
        return not (
            other.x >= self.x + self.w
            or self.x >= other.x + other.w
            or other.y >= self.y + self.h
            or self.y >= other.y + other.h
        )


@dataclass
class Layout:
    width: float
    height: float
    rects: dict[str, Rect] = field(default_factory=dict)
    headers: dict[str, float] = field(default_factory=dict)  # container key → header height


def fit(text: str, width: float, size: float) -> str:
    """`text` cut with an ellipsis to what fits in `width` pixels at font `size`."""
    room = max(1, int(width / (size * CHAR_W)))
    return text if len(text) <= room else text[: max(0, room - 1)] + "…"


def header_lines(node: Node) -> list[str]:
    """The lines a container box shows above its children: name, then its details."""
    details = list(node.details)
    title = f"{KIND_LABELS.get(node.kind, node.kind)} {node.label}{' (absent)' if node.absent else ''}"
    # The address space or prefix rides on the title line: a hub-and-spoke fits a laptop's height.
    if node.kind in ("vnet", "subnet") and details:
        title = f"{title} · {details.pop(0)}"
    if node.kind == "subnet" and len(details) == 3:
        details = [" · ".join(details)]
    if len(details) > MAX_HEADER_LINES:
        details = [*details[: MAX_HEADER_LINES - 1], f"… {len(details) - MAX_HEADER_LINES + 1} more"]
    return [title, *details]


def layout(diagram: Diagram) -> Layout:
    children: dict[str | None, list[Node]] = {}
    for node in diagram.nodes:
        children.setdefault(node.parent, []).append(node)
    roots = children.get(None, [])
    out = Layout(width=0, height=0)
    sizes: dict[str, tuple[float, float]] = {}

    def size(node: Node) -> tuple[float, float]:
        found: tuple[float, float]
        if not node.container:
            found = (ZONE_W if node.kind == "dns_zone" else LEAF_W, LEAF_H)
        else:
            header = PAD + LINE * (len(header_lines(node)) + (1 if node.status in ("fail", "unknown") else 0))
            out.headers[node.key] = header
            boxes = [c for c in children.get(node.key, []) if c.container]
            leaves = [c for c in children.get(node.key, []) if not c.container]
            for leaf in leaves:
                size(leaf)
            inner_w = max([size(c)[0] for c in boxes] + [SUBNET_MIN_W - 2 * PAD if node.kind != "subnet" else 0])
            cols = 2 if len(leaves) > 1 else 1
            grid_w = cols * LEAF_W + (cols - 1) * GAP
            rows = -(-len(leaves) // cols)
            inner_w = max(inner_w, grid_w, LEAF_W)
            height = header + sum(size(c)[1] + GAP for c in boxes) + rows * (LEAF_H + GAP) + PAD
            found = (inner_w + 2 * PAD, max(height, header + PAD))
        sizes[node.key] = found
        return found

    def place(node: Node, x: float, y: float) -> None:
        w, h = sizes[node.key]
        out.rects[node.key] = Rect(x, y, w, h)
        if not node.container:
            return
        cursor = y + out.headers[node.key]
        for child in (c for c in children.get(node.key, []) if c.container):
            place(child, x + PAD, cursor)
            # Sub-boxes take the parent's full inner width, so a VNet reads as one column.
            inner = out.rects[child.key]
            out.rects[child.key] = Rect(inner.x, inner.y, w - 2 * PAD, inner.h)
            cursor += sizes[child.key][1] + GAP
        leaves = [c for c in children.get(node.key, []) if not c.container]
        for index, leaf in enumerate(leaves):
            place(leaf, x + PAD + (index % 2) * (LEAF_W + GAP), cursor + (index // 2) * (LEAF_H + GAP))

    for node in roots:
        size(node)
    top = MARGIN + TITLE_H + LEGEND_H
    column = [n for n in roots if not n.container and n.kind != "dns_zone"]
    boxes = [n for n in roots if n.container]
    zones = [n for n in roots if n.kind == "dns_zone"]
    y = top
    for node in column:
        place(node, MARGIN, y)
        y += LEAF_H + GAP
    column_bottom = y
    x: float = MARGIN + (LEAF_W + COLUMN_GAP if column else 0)
    row_left = x
    row_bottom: float = top
    row_top: float = top
    widest: float = row_left
    for node in boxes:
        if x > row_left and x + sizes[node.key][0] > MAX_W - MARGIN:
            x, row_top = row_left, row_bottom + ROW_GAP
        place(node, x, row_top)
        x += sizes[node.key][0] + VNET_GAP
        widest = max(widest, x - VNET_GAP)
        row_bottom = max(row_bottom, row_top + sizes[node.key][1])
    row_right = max(widest, row_left + 2 * ZONE_W + GAP)
    per_row = max(1, int((row_right - row_left + GAP) // (ZONE_W + GAP)))
    zone_top = row_bottom + ROW_GAP if boxes else top
    for index, node in enumerate(zones):
        place(node, row_left + (index % per_row) * (ZONE_W + GAP), zone_top + (index // per_row) * (LEAF_H + GAP))
    zone_bottom = zone_top + -(-len(zones) // per_row) * (LEAF_H + GAP) if zones else row_bottom
    out.width = max(row_right, MARGIN + LEAF_W, 560) + MARGIN
    out.height = max(column_bottom, zone_bottom, row_bottom) + MARGIN
    return out
