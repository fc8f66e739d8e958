"""Results put on the diagram: every result that names a node or an edge marks it.

A result names a node by its subject (`resource_id`) or by an id, or a private DNS zone name,
anywhere in its evidence (keys, values, or ids quoted inside a sentence). It names an edge by the
edge's own resources (a peering, a zone link, a route, an outbound rule), or by naming both of its
ends, where a VNet or subnet stands for what it holds: "the vault is reachable only from vnet-hub"
names the vault and vnet-hub, hence the endpoint in vnet-hub that serves the vault.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.arm import lid
from auditor.diagram.model import Diagram, Mark

_ID = re.compile(r"(?:managed-vnet:)?/subscriptions/[^\s,;'\"()\[\]{}]+", re.IGNORECASE)
_MESSAGE_CAP = 200
# Results that judge nothing draw nothing.
_DRAWN = frozenset({"fail", "unknown", "waived", "pass"})


def marked(diagram: Diagram, results: Iterable[Mapping[str, Any]]) -> Diagram:
    """A copy of `diagram` with the marks of the workspace's results (result dicts, as in reports)."""
    out = diagram.copy()
    index: dict[str, list[int]] = {}
    for position, node in enumerate(out.nodes):
        for key in (node.key, *node.aliases):
            index.setdefault(key, []).append(position)
    edge_ids: dict[str, list[int]] = {}
    for position, edge in enumerate(out.edges):
        for key in edge.ids:
            edge_ids.setdefault(lid(key), []).append(position)
    parents = {node.key: node.parent for node in out.nodes}
    ancestors = {node.key: _ancestors(parents, node.key) for node in out.nodes}
    workspace = lid(out.workspace_id)
    for result in results:
        status = str(result.get("status"))
        if status not in _DRAWN or lid(str(result.get("workspace_id", ""))) != workspace:
            continue
        subject = lid(str(result.get("resource_id", "")))
        evidence = _names(result.get("evidence")) - {subject}
        named: dict[int, str] = {}
        for key, role in [(subject, "subject"), *((key, "evidence") for key in sorted(evidence))]:
            for position in index.get(key, []):
                named.setdefault(position, role)
        marks = {role: _mark(result, role) for role in set(named.values())}
        for position, role in named.items():
            _add(out.nodes[position].marks, marks[role])
        named_keys = {out.nodes[p].key for p in named}
        touched: dict[int, str] = {}
        for key, role in [(subject, "subject"), *((key, "evidence") for key in evidence)]:
            for position in edge_ids.get(key, []):
                touched.setdefault(position, role)
        for position, edge in enumerate(out.edges if named_keys else ()):  # an edge needs a named end
            if position not in touched and _ends_named(edge.source, edge.target, named_keys, ancestors):
                touched[position] = "evidence"
        for position, role in touched.items():
            _add(out.edges[position].marks, marks.get(role) or marks.setdefault(role, _mark(result, role)))
    return out


def _ancestors(parents: Mapping[str, str | None], key: str) -> set[str]:
    found = {key}
    current = parents.get(key)
    while current and current not in found:
        found.add(current)
        current = parents.get(current)
    return found


def _ends_named(source: str, target: str, named: set[str], ancestors: Mapping[str, set[str]]) -> bool:
    """Both ends named, one of them possibly through the VNet or subnet that holds it."""
    source_named = source in named
    target_named = target in named
    if source_named and target_named:
        return True
    if source_named:
        return bool(ancestors.get(target, set()) & named)
    if target_named:
        return bool(ancestors.get(source, set()) & named)
    return False


def _names(value: Any) -> set[str]:
    """Lower-cased ids and zone names quoted anywhere in an evidence value (keys too)."""
    found: set[str] = set()
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            text = item.strip().lower()
            if text.startswith(("privatelink.", "/subscriptions/", "managed-vnet:")):
                found.add(lid(text))
            if "/subscriptions/" in text:  # what every match of _ID holds
                found.update(lid(match.group(0).rstrip(".:")) for match in _ID.finditer(item))
        elif isinstance(item, Mapping):
            pending += item.keys()
            pending += item.values()
        elif isinstance(item, list | tuple):
            pending += item
    return found


def _mark(result: Mapping[str, Any], role: str) -> Mark:
    message = " ".join(str(result.get("message", "")).split())
    if len(message) > _MESSAGE_CAP:
        message = message[: _MESSAGE_CAP - 1] + "…"
    return Mark(
        rule_id=str(result.get("rule_id", "")),
        status=str(result.get("status", "")),
        severity=str(result.get("severity", "")),
        role=role,
        message=message,
    )


def _add(marks: list[Mark], mark: Mark) -> None:
    """One mark per rule, status and role on a node: a rule judging five computes that all name
    the same subnet marks the subnet once."""
    for existing in marks:
        if (existing.rule_id, existing.status, existing.role) == (mark.rule_id, mark.status, mark.role):
            return
    marks.append(mark)
