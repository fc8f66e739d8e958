"""Values of one Terraform resource instance: known from `after`, or resolved through the references
of its `configuration` expression, or unknown (missing data: never a default that could pass)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()

# `[data.]TYPE.NAME[index].ATTR...` as Terraform lists them in `references`.
_REFERENCE = re.compile(r'^(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(\[[^\]]*\])?\.([A-Za-z0-9_.\[\]"]+)$')


@dataclass
class Reference:
    mode: str
    type: str
    name: str
    index: Any
    attribute: str


def parse_reference(text: str) -> Reference | None:
    if text.startswith(("var.", "local.", "module.", "each.", "count.", "path.", "self.")):
        return None
    match = _REFERENCE.match(text)
    if not match:
        return None
    data, rtype, name, index, attribute = match.groups()
    if "[" in attribute:
        return None
    key: Any = None
    if index:
        inner = index[1:-1]
        key = inner.strip('"') if inner.startswith('"') else int(inner) if inner.isdigit() else None
    return Reference("data" if data else "managed", rtype, name, key, attribute)


def attribute_references(expression: Any) -> list[str]:
    """The references of an expression that name an attribute, in order, without their prefixes."""
    refs = expression.get("references") if isinstance(expression, dict) else None
    if not isinstance(refs, list):
        return []
    found: list[str] = []
    for ref in refs:
        parsed = parse_reference(ref) if isinstance(ref, str) else None
        if (parsed or isinstance(ref, str) and ref.startswith("var.")) and ref not in found:
            found.append(ref)
    return found


Resolver = Callable[[str, "Values"], Any]


@dataclass
class Values:
    """`after`, `after_unknown` and the configuration expressions of one resource instance."""

    address: str
    after: Any
    after_unknown: Any
    expressions: Any
    module: str
    resolve: Resolver | None = None
    notes: list[str] = field(default_factory=list)

    def get(self, path: tuple[str | int, ...]) -> Any:
        """The value at `path` (block lists are walked by index), None when null or absent."""
        value, unknown, expression = self.after, self.after_unknown, self.expressions
        for step in path:
            if unknown is True:
                break
            value = _step(value, step)
            unknown = _step(unknown, step)
            expression = _expression_step(expression, step)
        if unknown is True:
            return self._resolved(expression, value)
        if isinstance(value, list) and isinstance(unknown, list) and any(u is True for u in unknown):
            return self._resolved_list(value, unknown, expression)
        return value

    def _resolved(self, expression: Any, value: Any) -> Any:
        if isinstance(expression, dict) and "constant_value" in expression:
            return expression["constant_value"]
        refs = attribute_references(expression)
        if len(refs) == 1 and self.resolve is not None:
            return self.resolve(refs[0], self)
        return UNKNOWN

    def _resolved_list(self, value: list[Any], unknown: list[Any], expression: Any) -> Any:
        refs = attribute_references(expression)
        out = []
        for index, item in enumerate(value):
            if index < len(unknown) and unknown[index] is True:
                if len(refs) != len(value) or self.resolve is None:
                    out.append(UNKNOWN)
                else:
                    out.append(self.resolve(refs[index], self))
            else:
                out.append(item)
        return out


def _step(data: Any, step: str | int) -> Any:
    if isinstance(step, int):
        if isinstance(data, dict) and step == 0:
            return data  # a nested object where a block list was expected
        return data[step] if isinstance(data, list) and step < len(data) else None
    return data.get(step) if isinstance(data, dict) else None


def _expression_step(expression: Any, step: str | int) -> Any:
    # Blocks are expressions as a list of objects (or one object); attributes are plain objects.
    if isinstance(step, int):
        if isinstance(expression, list):
            return expression[step] if step < len(expression) else None
        return expression
    if isinstance(expression, list):
        expression = expression[0] if len(expression) == 1 else None
    return expression.get(step) if isinstance(expression, dict) else None
