"""The shape of the azurerm → ARM mapping table, and the conversions it names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditor.arm import name_of


@dataclass(frozen=True)
class F:
    """ARM `arm` path (dotted) ← Terraform `tf` path (dotted; a block is its first element)."""

    arm: str
    tf: str
    conv: str = ""


@dataclass(frozen=True)
class Block:
    """Each element of the Terraform block list `tf` becomes one entry of the ARM list `arm`."""

    arm: str
    tf: str
    item: tuple[F | Block, ...]
    where: tuple[str, Any] | None = None
    const: tuple[tuple[str, Any], ...] = ()
    # Unknown at plan time means "whatever the separate child resources make it" (Optional+Computed
    # inline lists such as a VNet's `subnet`): left out, so the children decide.
    children_elsewhere: bool = False


@dataclass(frozen=True)
class Mapping:
    """One Terraform resource type: the ARM resource it is, or the part of another one it sets.

    `id` is a template of `{tf attribute}`s; `{rg}` stands for the resource group's id. A mapping
    with `patch` writes its fields into the resource whose id is `id` at that path, instead.
    """

    tf_type: str
    arm_type: str
    id: str
    fields: tuple[F | Block, ...] = ()
    const: tuple[tuple[str, Any], ...] = ()
    patch: tuple[str, str] | None = None  # (dotted ARM path, "set" | "append")
    about: str = ""


def _enabled(value: Any) -> Any:
    return ("Enabled" if value else "Disabled") if isinstance(value, bool) else value


def _negated(value: Any) -> Any:
    return (not value) if isinstance(value, bool) else value


def _ref(value: Any) -> Any:
    return {"id": value}


def _refs(value: Any) -> Any:
    return [{"id": v} for v in value] if isinstance(value, list) else value


def _csv(value: Any) -> Any:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else value


def _allow_values(value: Any) -> Any:
    return [{"value": v, "action": "Allow"} for v in value] if isinstance(value, list) else value


def _values(value: Any) -> Any:
    return [{"value": v} for v in value] if isinstance(value, list) else value


def _allow_ids(value: Any) -> Any:
    return [{"id": v, "action": "Allow"} for v in value] if isinstance(value, list) else value


def _services(value: Any) -> Any:
    return [{"service": v} for v in value] if isinstance(value, list) else value


def _zone_configs(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [
        {"name": name_of(v).replace(".", "-") if isinstance(v, str) else None, "properties": {"privateDnsZoneId": v}}
        for v in value
    ]


def _single(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


def _account(value: Any) -> Any:
    # .../storageAccounts/<account>/blobServices/default/containers/<name> → <account>
    if not isinstance(value, str):
        return value
    parts = value.split("/")
    lower = [p.lower() for p in parts]
    return parts[lower.index("storageaccounts") + 1] if "storageaccounts" in lower[:-1] else None


def _present(value: Any) -> Any:
    return ("Enabled" if value else "Disabled") if isinstance(value, list) else value


def _protocols(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [{"protocolType": p.get("type"), "port": p.get("port")} for p in value if isinstance(p, dict)]


CONVERSIONS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "enabled": (_enabled, "true → `Enabled`, false → `Disabled`"),
    "not": (_negated, "negated"),
    "ref": (_ref, "`{id}`"),
    "refs": (_refs, "`[{id}]`"),
    "csv": (_csv, "joined with `, `"),
    "allow_values": (_allow_values, "`[{value, action: Allow}]`"),
    "values": (_values, "`[{value}]`"),
    "allow_ids": (_allow_ids, "`[{id, action: Allow}]`"),
    "services": (_services, "`[{service}]`"),
    "zone_configs": (_zone_configs, "`[{name, properties.privateDnsZoneId}]`"),
    "list": (_single, "as a list"),
    "account": (_account, "the storage account's name in that id"),
    "present": (_present, "a block → `Enabled`, none → `Disabled`"),
    "protocols": (_protocols, "`[{protocolType, port}]`"),
}
