"""Helpers for raw ARM JSON: case-insensitive ids and types, property paths, ARM id parsing."""

from __future__ import annotations

from typing import Any

Resource = dict[str, Any]


def lid(resource_id: str) -> str:
    """The comparison key of an ARM id: ARM ids are case-insensitive (catalogue §1)."""
    return resource_id.strip().rstrip("/").lower()


def ltype(resource: Resource) -> str:
    return str(resource.get("type", "")).lower()


def props(resource: Resource | None) -> dict[str, Any]:
    """`properties` of a resource, `{}` when absent or not an object."""
    if not resource:
        return {}
    value = resource.get("properties")
    return value if isinstance(value, dict) else {}


def dig(data: Any, *path: str) -> Any:
    """Walk nested objects; None as soon as a step is missing or not an object."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def as_dict(value: Any) -> dict[str, Any]:
    """An object, or `{}` for anything else (malformed input must not crash a rule)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """Absent arrays are empty (catalogue §1); a lone object counts as a one-element list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def eq(a: Any, b: Any) -> bool:
    """Case-insensitive comparison of enum-like strings."""
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def ref_id(value: Any) -> str | None:
    """An id reference given either as a string or as `{"id": ...}`."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str) and value["id"]:
        return str(value["id"])
    return None


def segments(resource_id: str) -> list[str]:
    return [s for s in resource_id.strip().split("/") if s]


def subscription_of(resource_id: str) -> str | None:
    parts = segments(resource_id)
    if len(parts) >= 2 and parts[0].lower() == "subscriptions":
        return parts[1]
    return None


def resource_group_of(resource_id: str) -> str | None:
    parts = segments(resource_id)
    if len(parts) >= 4 and parts[2].lower() == "resourcegroups":
        return parts[3]
    return None


def name_of(resource_id: str) -> str:
    parts = segments(resource_id)
    return parts[-1] if parts else resource_id


def parent_of(resource_id: str) -> str:
    """`<parent>/<childType>/<name>` → `<parent>`."""
    parts = resource_id.rstrip("/").rsplit("/", 2)
    return parts[0]


def vnet_of_subnet(subnet_id: str) -> str | None:
    """A subnet id names its VNet (catalogue §2): `<vnet id>/subnets/<name>` → `<vnet id>`."""
    parts = subnet_id.rstrip("/").split("/")
    if len(parts) >= 3 and parts[-2].lower() == "subnets":
        return "/".join(parts[:-2])
    return None


def provider_type_of(resource_id: str) -> str | None:
    """`Microsoft.Network/virtualNetworks/subnets` from a full ARM id, or None."""
    parts = segments(resource_id)
    lower = [p.lower() for p in parts]
    if "providers" not in lower:
        return None
    i = len(lower) - 1 - lower[::-1].index("providers")
    rest = parts[i + 1 :]
    if len(rest) < 3:
        return None
    namespace, pairs = rest[0], rest[1:]
    types = [pairs[k] for k in range(0, len(pairs), 2)]
    return "/".join([namespace, *types])


def region_key(location: Any) -> str | None:
    """Regions compare lower-cased with spaces removed (catalogue AML-CMP-003)."""
    if not isinstance(location, str) or not location.strip():
        return None
    return location.replace(" ", "").lower()


def wildcard_match(pattern: str, value: str) -> bool:
    """Case-insensitive whole-string match where `*` stands for any run of characters, `/` included."""
    parts = pattern.lower().split("*")
    target = value.lower()
    if len(parts) == 1:
        return parts[0] == target
    head, tail = parts[0], parts[-1]
    if len(target) < len(head) + len(tail) or not target.startswith(head) or not target.endswith(tail):
        return False
    position, end = len(head), len(target) - len(tail)
    for middle in parts[1:-1]:
        found = target.find(middle, position, end)
        if found < 0:
            return False
        position = found + len(middle)
    return True
