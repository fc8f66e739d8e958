"""ARM bodies from Terraform values through the azurerm table; unknown values become missing data."""

from __future__ import annotations

import re
from typing import Any

from auditor.arm import name_of
from auditor.plan.mapping import CONVERSIONS, Block, F, Mapping
from auditor.plan.model import Change, Patch, Plan, missing_data, set_path
from auditor.plan.pending import KNOWN_AFTER_APPLY, PLACEHOLDER_PREFIX
from auditor.plan.values import UNKNOWN, Values

_TEMPLATE_KEY = re.compile(r"\{([a-z_]+)\}")
# Conversions applied entry by entry: an unknown entry stays in place, to be settled below.
_ELEMENTWISE = {"ref", "refs", "allow_ids", "values", "allow_values", "services", "zone_configs", "list"}
_ID_KEYS = {
    "id",
    "storageaccount",
    "keyvault",
    "containerregistry",
    "applicationinsights",
    "resourceid",
    "serviceresourceid",
    "privatelinkserviceid",
    "vnetsubnetid",
    "serverlesscomputecustomsubnet",
    "privatednszoneid",
}
UNKNOWN_SUBSCRIPTION = "unknown-subscription"


def placeholder(address: str, path: str) -> str:
    """Stands for an id known only after apply: names nothing, and is named by its missing-data entry."""
    return f"{PLACEHOLDER_PREFIX}{address}/{path}"


class Builder:
    def __init__(self, subscription: str | None, plan: Plan) -> None:
        self.subscription = subscription
        self.plan = plan

    def put(self, mapping: Mapping, values: Values, in_place: bool = False) -> None:
        """`in_place`: an update or no-op, whose body merges into the current resource."""
        rid = self.arm_id(mapping, values)
        if rid is UNKNOWN:
            self.unknown(mapping.arm_type, values.address, "its id is known only after apply")
            return
        if mapping.patch is None:
            body = self.body(mapping, values, rid)
            self.plan.changes.append(Change(rid, mapping.arm_type, "put", body=body, partial=in_place))
            return
        path, mode = mapping.patch
        value = self.settle(_fields(mapping.fields, values, ()), mapping.arm_type, values.address, rid)
        self.plan.patches.append(Patch(rid, tuple(path.split(".")), value, mode, values.address))  # type: ignore[arg-type]

    def delete(self, mapping: Mapping, values: Values) -> None:
        rid = self.arm_id(mapping, values)
        if rid is UNKNOWN:
            self.unknown(mapping.arm_type, values.address, "the id of the deleted resource is not in the plan")
            return
        if mapping.patch is None:
            self.plan.changes.append(Change(rid, mapping.arm_type, "delete"))
            return
        path, mode = mapping.patch
        value = _fields(mapping.fields, values, ())
        self.plan.patches.append(
            Patch(
                rid,
                tuple(path.split(".")),
                None if mode == "set" else value,
                "set" if mode == "set" else "remove",
                values.address,
            )
        )

    def body(self, mapping: Mapping, values: Values, rid: str) -> dict[str, Any]:
        resource: dict[str, Any] = {"id": rid, "name": name_of(rid), "type": mapping.arm_type}
        for path, value in mapping.const:
            set_path(resource, path.split("."), value)
        _merge(resource, _fields(mapping.fields, values, ()))
        settled: dict[str, Any] = self.settle(resource, mapping.arm_type, values.address, rid)
        return settled

    def arm_id(self, mapping: Mapping, values: Values) -> Any:
        if mapping.patch is None:
            known = values.get(("id",))
            if isinstance(known, str) and known.lower().startswith("/subscriptions/"):
                return known
        parts: dict[str, str] = {}
        for key in _TEMPLATE_KEY.findall(mapping.id):
            if key == "subscription":
                parts[key] = self._subscription()
                continue
            if key == "rg":
                group = values.get(("resource_group_name",))
                if not isinstance(group, str) or not group:
                    return UNKNOWN
                parts[key] = f"/subscriptions/{self._subscription()}/resourceGroups/{group}"
                continue
            value = values.get((key,))
            if key == "name" and value is UNKNOWN:
                value = f"<{values.address}>"
                self.plan.warnings.append(
                    f"{self.plan.path}: {values.address}: name known only after apply; named after its address"
                )
            if not isinstance(value, str) or not value:
                return UNKNOWN
            parts[key] = value.rstrip("/")
        return _TEMPLATE_KEY.sub(lambda m: parts[m.group(1)], mapping.id)

    def _subscription(self) -> str:
        if self.subscription is None:
            self.subscription = UNKNOWN_SUBSCRIPTION
            self.plan.warnings.append(
                f"{self.plan.path}: no subscription id in the plan (no data.azurerm_client_config, provider "
                f"subscription_id or known id); ids are built under /subscriptions/{UNKNOWN_SUBSCRIPTION}"
            )
        return self.subscription

    def unknown(self, arm_type: str, address: str, reason: str) -> None:
        message = f"{address} ({arm_type}): {reason}"
        scope = f"/subscriptions/{self.subscription}" if self.subscription else None
        self.plan.errors.append(missing_data(scope, [arm_type], KNOWN_AFTER_APPLY, message))
        self.plan.changes.append(Change(placeholder(address, "id"), arm_type, "unknown", reason=reason))

    def settle(self, payload: Any, arm_type: str, address: str, rid: str) -> Any:
        """Replace each unknown value: an id by a placeholder that names its own missing-data entry,
        anything else by its absence plus a missing-data entry on the resource."""
        if payload is UNKNOWN:
            self.plan.errors.append(
                missing_data(rid, [arm_type], KNOWN_AFTER_APPLY, f"{address}: body known only after apply")
            )
            return {}
        return self._settle(payload, (), arm_type, address, rid)

    def _settle(self, value: Any, path: tuple[str, ...], arm_type: str, address: str, rid: str) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if item is UNKNOWN and not _is_id(key):
                    dotted = ".".join((*path, key))
                    self.plan.errors.append(
                        missing_data(rid, [arm_type], KNOWN_AFTER_APPLY, f"{address}: {dotted} known only after apply")
                    )
                    continue
                out[key] = self._settle(item, (*path, key), arm_type, address, rid)
            return out
        if isinstance(value, list):
            return [self._settle(item, (*path, str(i)), arm_type, address, rid) for i, item in enumerate(value)]
        if value is UNKNOWN:
            dotted = ".".join(path)
            stand_in = placeholder(address, dotted)
            message = f"{address}: {dotted} known only after apply"
            # Named by the stand-in (rules that follow it) and by the resource (rules judging it).
            self.plan.errors.append(missing_data(stand_in, [], KNOWN_AFTER_APPLY, message))
            self.plan.errors.append(missing_data(rid, [arm_type], KNOWN_AFTER_APPLY, message))
            return stand_in
        return value


def _is_id(key: str) -> bool:
    lower = key.lower()
    return lower in _ID_KEYS or lower.endswith("id") or lower.endswith("ids")


def _tf_path(dotted: str) -> tuple[str | int, ...]:
    """`a.b.c` → ("a", 0, "b", 0, "c"): every step but the last is a block, read at its first element."""
    steps = dotted.split(".")
    out: list[str | int] = []
    for step in steps[:-1]:
        out += [step, 0]
    return (*out, steps[-1])


def _fields(fields: tuple[F | Block, ...], values: Values, prefix: tuple[str | int, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields:
        path = field.arm.split(".")
        if isinstance(field, F):
            value = values.get((*prefix, *_tf_path(field.tf)))
            if value is None:
                continue
            if field.conv:
                value = (
                    UNKNOWN if field.conv not in _ELEMENTWISE and _has_unknown(value) else _convert(field.conv, value)
                )
            set_path(out, path, value)
            continue
        block_path = (*prefix, *_tf_path(field.tf))
        items = values.get(block_path)
        if items is None or (items is UNKNOWN and field.children_elsewhere):
            continue
        if items is UNKNOWN or not isinstance(items, list):
            set_path(out, path, UNKNOWN if items is UNKNOWN else [])
            continue
        entries = list(_get(out, path) or [])
        for index in range(len(items)):
            if field.where is not None:
                flag = values.get((*block_path, index, field.where[0]))
                if flag is UNKNOWN or bool(flag) != field.where[1]:
                    continue
            entry: dict[str, Any] = {}
            for const_path, const in field.const:
                set_path(entry, const_path.split("."), const)
            _merge(entry, _fields(field.item, values, (*block_path, index)))
            entries.append(entry)
        set_path(out, path, entries)
    return out


def _convert(name: str, value: Any) -> Any:
    if value is UNKNOWN:
        # An unknown reference is still a reference: `{id: <unknown>}` keeps its place for a placeholder.
        return {"id": UNKNOWN} if name == "ref" else UNKNOWN
    return CONVERSIONS[name][0](value)


def _has_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    return False


def _get(data: dict[str, Any], path: list[str]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)  # type: ignore[assignment]
    return data


def _merge(target: dict[str, Any], value: dict[str, Any]) -> None:
    for key, item in value.items():
        if isinstance(item, dict) and isinstance(target.get(key), dict):
            _merge(target[key], item)
        else:
            target[key] = item
