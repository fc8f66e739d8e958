"""Terraform plans in JSON (`terraform show -json tfplan`, format 1.x), azurerm and azapi resources.

Each managed resource change becomes an ARM change: `create`, `update`, `no-op` and replacements
give the body built from `change.after`; `delete` removes it; `forget` leaves it. Data sources of
`prior_state` are existing resources. A value unknown at plan time is resolved through the
`configuration` references of its expression (`azurerm_subnet.training.id` → the id built from
that subnet's name, resource group and VNet); one that stays unknown is missing data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from auditor.arm import subscription_of
from auditor.errors import InputError
from auditor.plan.azurerm import BY_TYPE
from auditor.plan.build import Builder, placeholder
from auditor.plan.model import Change, Patch, Plan, missing_data
from auditor.plan.types import is_read
from auditor.plan.values import UNKNOWN, Values, parse_reference

_PUT_ACTIONS = ({"create"}, {"update"}, {"no-op"}, {"delete", "create"})
_AZURE_PROVIDERS = ("/azurerm", "/azapi")


def is_terraform_plan(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and "format_version" in document
        and ("resource_changes" in document or "planned_values" in document or "terraform_version" in document)
    )


def read_terraform_plan(document: dict[str, Any], path: str) -> Plan:
    version = document.get("format_version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise InputError(f"unsupported Terraform JSON format_version {version!r} (amlaudit reads 1.x)", path)
    changes = document.get("resource_changes") or []
    if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        raise InputError('"resource_changes" must be an array of objects', path)
    reader = _Reader(document, changes, path)
    if not reader.azure:
        raise InputError("no Azure resources (azurerm or azapi) in this Terraform plan", path)
    return reader.read()


class _Reader:
    def __init__(self, document: dict[str, Any], changes: list[dict[str, Any]], path: str) -> None:
        self.path = path
        self.plan = Plan(path=path, format="terraform")
        self.changes = [c for c in changes if c.get("mode", "managed") == "managed"]
        self.data = list(_state_resources(document.get("prior_state"), "data"))
        self.azure = [c for c in self.changes if _is_azure(c)] + [d for d in self.data if _is_azure(d)]
        self.modules = _modules(document.get("configuration"))
        self.by_name: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for change in self.changes:
            key = (str(change.get("module_address") or ""), str(change.get("type")), str(change.get("name")))
            self.by_name.setdefault(key, []).append(change)
        self.data_by_name = {
            (str(d.get("_module") or ""), str(d.get("type")), str(d.get("name"))): d for d in self.data
        }
        self.subscription = self._subscription(document)
        self.builder = Builder(self.subscription, self.plan)
        self._ids: dict[str, Any] = {}
        self._resolving: set[str] = set()

    def read(self) -> Plan:
        for data in self.data:
            self._existing(data)
        for change in self.changes:
            if _is_azure(change):
                self._change(change)
            else:
                self.plan.ignored[str(change.get("type"))] += 1
        if not self.plan.changes and not self.plan.patches and not self.plan.existing and not self.plan.ignored:
            raise InputError("no Azure resources (azurerm or azapi) in this Terraform plan", self.path)
        return self.plan

    # --- one resource change -------------------------------------------------------------

    def _change(self, change: dict[str, Any]) -> None:
        rtype, address = str(change.get("type")), str(change.get("address"))
        body = change.get("change")
        if not isinstance(body, dict):
            raise InputError(f'{address}: no "change" object', self.path)
        actions = set(body.get("actions") or [])
        if actions not in (*_PUT_ACTIONS, {"delete"}, {"read"}, {"forget"}):
            raise InputError(f"{address}: unknown actions {sorted(actions)}", self.path)
        if actions <= {"forget", "read"}:
            return
        if rtype in ("azapi_resource", "azapi_update_resource"):
            self._azapi(change, body, actions)
            return
        mapping = BY_TYPE.get(rtype)
        if mapping is None or not is_read(mapping.arm_type):
            self.plan.ignored[rtype] += 1
            return
        if actions == {"delete"}:
            values = Values(address, body.get("before"), None, None, str(change.get("module_address") or ""))
            self.builder.delete(mapping, values)
        else:
            self.builder.put(mapping, self._values(change), in_place=actions in ({"update"}, {"no-op"}))

    def _values(self, change: dict[str, Any]) -> Values:
        body = change["change"]
        module = str(change.get("module_address") or "")
        config = self.modules.get(module, {}).get("resources", {}).get(_config_address(change), {})
        return Values(
            str(change.get("address")),
            body.get("after"),
            body.get("after_unknown"),
            config.get("expressions") if isinstance(config, dict) else None,
            module,
            resolve=self._resolve,
        )

    def _existing(self, data: dict[str, Any]) -> None:
        mapping = BY_TYPE.get(str(data.get("type")))
        values = data.get("values")
        if mapping is None or mapping.patch or not isinstance(values, dict) or not isinstance(values.get("id"), str):
            return
        built = self.builder.body(mapping, Values(str(data.get("address")), values, None, None, ""), values["id"])
        if built is not None:
            self.plan.existing.append(built)

    # --- azapi -------------------------------------------------------------------------------

    def _azapi(self, change: dict[str, Any], body: dict[str, Any], actions: set[str]) -> None:
        address = str(change.get("address"))
        values = self._values(change) if actions != {"delete"} else None
        source = body.get("before") if actions == {"delete"} else body.get("after")
        if not isinstance(source, dict):
            raise InputError(f"{address}: no values in the change", self.path)
        raw_type = values.get(("type",)) if values else source.get("type")
        if not isinstance(raw_type, str) or "/" not in raw_type:
            raise InputError(f"{address}: no resource type (type = <resource type>@<api-version>)", self.path)
        arm_type = raw_type.split("@", 1)[0]
        if not is_read(arm_type):
            self.plan.ignored[arm_type] += 1
            return
        get = values.get if values else (lambda p: source.get(p[0]))
        resource_id = get(("resource_id",)) if change.get("type") == "azapi_update_resource" else None
        if resource_id in (None, UNKNOWN):
            resource_id = _azapi_id(arm_type, get(("parent_id",)), get(("name",)))
        if resource_id is UNKNOWN and values is not None and isinstance(source.get("id"), str):
            resource_id = source["id"]
        if resource_id is UNKNOWN or not isinstance(resource_id, str):
            self.builder.unknown(arm_type, address, "its id (name or parent_id) is known only after apply")
            return
        if actions == {"delete"}:
            self.plan.changes.append(Change(resource_id, arm_type, "delete"))
            return
        assert values is not None
        payload = _azapi_body(values, address, self.path)
        payload = self.builder.settle(payload, arm_type, address, resource_id)
        if change.get("type") == "azapi_update_resource":
            self.plan.patches.append(Patch(resource_id, (), payload, "merge", address))
            return
        resource = {"id": resource_id, "name": get(("name",)), "type": arm_type, **payload}
        location = get(("location",))
        if isinstance(location, str) and location:
            resource["location"] = location
        self.plan.changes.append(Change(resource_id, arm_type, "put", body=resource))

    # --- references --------------------------------------------------------------------------

    def _resolve(self, reference: str, values: Values) -> Any:
        if reference.startswith("var."):
            return self._variable(reference[4:].split(".")[0], values.module)
        parsed = parse_reference(reference)
        if parsed is None:
            return UNKNOWN
        key = (values.module, parsed.type, parsed.name)
        if parsed.mode == "data":
            data = self.data_by_name.get(key)
            value = _dig_path((data or {}).get("values"), parsed.attribute)
            return UNKNOWN if value is None else value
        candidates = self.by_name.get(key, [])
        if parsed.index is not None:
            candidates = [c for c in candidates if c.get("index") == parsed.index]
        if len(candidates) != 1 or reference in self._resolving:
            return UNKNOWN
        target = candidates[0]
        self._resolving.add(reference)
        try:
            if parsed.attribute == "id":
                return self._arm_id(target)
            return self._values(target).get(tuple(parsed.attribute.split(".")))
        finally:
            self._resolving.discard(reference)

    def _variable(self, name: str, module: str) -> Any:
        info = self.modules.get(module)
        if not module or info is None:
            return UNKNOWN
        expression = info.get("call", {}).get(name)
        stub = Values(f"{module}.var.{name}", None, True, expression, info.get("parent", ""), resolve=self._resolve)
        return stub.get(())

    def _arm_id(self, change: dict[str, Any]) -> Any:
        address = str(change.get("address"))
        if address not in self._ids:
            rtype = str(change.get("type"))
            values = self._values(change)
            if rtype == "azapi_resource":
                raw = values.get(("type",))
                arm_type = raw.split("@", 1)[0] if isinstance(raw, str) else ""
                known = values.get(("id",))
                self._ids[address] = (
                    known
                    if isinstance(known, str)
                    else _azapi_id(arm_type, values.get(("parent_id",)), values.get(("name",)))
                )
            else:
                mapping = BY_TYPE.get(rtype)
                self._ids[address] = self.builder.arm_id(mapping, values) if mapping else UNKNOWN
        return self._ids[address]

    def _subscription(self, document: dict[str, Any]) -> str | None:
        for data in self.data:
            if data.get("type") in ("azurerm_client_config", "azurerm_subscription"):
                value = (data.get("values") or {}).get("subscription_id")
                if isinstance(value, str) and value:
                    return value
        provider = (
            ((document.get("configuration") or {}).get("provider_config") or {})
            .get("azurerm", {})
            .get("expressions", {})
        )
        constant = (provider.get("subscription_id") or {}).get("constant_value") if isinstance(provider, dict) else None
        if isinstance(constant, str) and constant:
            return constant
        for change in self.changes:
            for side in ("before", "after"):
                value = (change.get("change") or {}).get(side)
                found = (
                    subscription_of(value["id"])
                    if isinstance(value, dict) and isinstance(value.get("id"), str)
                    else None
                )
                if found:
                    return found
        return None


def _is_azure(entry: dict[str, Any]) -> bool:
    provider = str(entry.get("provider_name") or "")
    return provider.endswith(_AZURE_PROVIDERS) or str(entry.get("type", "")).startswith(("azurerm_", "azapi_"))


def _config_address(change: dict[str, Any]) -> str:
    prefix = "data." if change.get("mode") == "data" else ""
    return f"{prefix}{change.get('type')}.{change.get('name')}"


def _modules(configuration: Any) -> dict[str, dict[str, Any]]:
    """Module address → its resources' configuration (by module-relative address), call expressions, parent."""
    found: dict[str, dict[str, Any]] = {}

    def walk(module: Any, address: str, parent: str, call: Any) -> None:
        if not isinstance(module, dict):
            return
        resources = {str(r.get("address")): r for r in module.get("resources") or [] if isinstance(r, dict)}
        found[address] = {"resources": resources, "call": call if isinstance(call, dict) else {}, "parent": parent}
        for name, module_call in (module.get("module_calls") or {}).items():
            if isinstance(module_call, dict):
                child = f"{address}.module.{name}" if address else f"module.{name}"
                walk(module_call.get("module"), child, address, module_call.get("expressions"))

    if isinstance(configuration, dict):
        walk(configuration.get("root_module"), "", "", None)
    return found


def _state_resources(state: Any, mode: str) -> Iterator[dict[str, Any]]:
    def walk(module: Any) -> Iterator[dict[str, Any]]:
        if not isinstance(module, dict):
            return
        for resource in module.get("resources") or []:
            if isinstance(resource, dict) and resource.get("mode") == mode:
                yield {**resource, "_module": module.get("address") or ""}
        for child in module.get("child_modules") or []:
            yield from walk(child)

    if isinstance(state, dict):
        yield from walk((state.get("values") or {}).get("root_module"))


def _azapi_id(arm_type: str, parent_id: Any, name: Any) -> Any:
    if not isinstance(parent_id, str) or not isinstance(name, str) or not arm_type:
        return UNKNOWN
    parts = arm_type.split("/")
    if len(parts) == 2:
        return f"{parent_id.rstrip('/')}/providers/{arm_type}/{name}"
    return f"{parent_id.rstrip('/')}/{parts[-1]}/{name}"


def _azapi_body(values: Values, address: str, path: str) -> Any:
    body = values.get(("body",))
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as err:
            raise InputError(f"{address}: malformed body string: {err}", path) from None
    if body is UNKNOWN:
        return UNKNOWN
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise InputError(f"{address}: body must be an object or a JSON string", path)
    return _with_unknowns(body, values.after_unknown.get("body") if isinstance(values.after_unknown, dict) else None)


def _with_unknowns(value: Any, unknown: Any) -> Any:
    if unknown is True:
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _with_unknowns(v, unknown.get(k) if isinstance(unknown, dict) else None) for k, v in value.items()}
    if isinstance(value, list):
        return [
            _with_unknowns(v, unknown[i] if isinstance(unknown, list) and i < len(unknown) else None)
            for i, v in enumerate(value)
        ]
    return value


def _dig_path(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if isinstance(data, list) and key.isdigit():
            data = data[int(key)] if int(key) < len(data) else None
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


__all__ = ["is_terraform_plan", "placeholder", "read_terraform_plan", "missing_data"]
