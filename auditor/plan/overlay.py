"""The planned state: the current inventory with each plan applied in order, by ARM id.

Plans cannot tell read-only fields. Where a rule needs one, amlaudit assumes what the platform
does and says so in the resource (`amlauditAssumed`), which the evidence then shows:
- a private endpoint connection that is automatic (not manual) is `Approved`: ARM approves it at
  creation or the deployment fails, since the deployer must hold the approval right on the target;
  a manual connection is `Pending` until the target's owner approves it;
- a VNet peering is `Connected` when the planned state holds the reverse peering, else `Initiated`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from auditor.arm import as_list, dig, lid, name_of, parent_of, props, ref_id
from auditor.errors import InputError
from auditor.inventory import Inventory
from auditor.plan.model import ASSUMED_KEY, Patch, Plan
from auditor.plan.types import INLINE_CHILDREN, PEERING, PRIVATE_ENDPOINT, SECURITY_RULE

Resource = dict[str, Any]

AUTOMATIC_ASSUMED = (
    "automatic connection of a planned private endpoint: assumed Approved (ARM approves it or fails the deployment)"
)
MANUAL_ASSUMED = "manual connection of a planned private endpoint: assumed Pending until the target's owner approves it"


def apply_plans(current: Inventory | None, plans: Sequence[Plan]) -> Inventory:
    """The planned state; raises `InputError` when it holds no resource at all."""
    state = _State(current)
    for plan in plans:
        state.apply(plan)
    state.assume_read_only()
    if not state.resources:
        raise InputError("the planned state holds no resources", ", ".join(p.path for p in plans) or None)
    base = current or Inventory()
    warnings = list(base.warnings) + state.warnings
    for plan in plans:
        warnings.extend(plan.warnings)
        if plan.ignored:
            kinds = ", ".join(f"{name} ({count})" for name, count in sorted(plan.ignored.items()))
            warnings.append(
                f"{plan.path}: {sum(plan.ignored.values())} resources of types amlaudit does not read ignored: {kinds}"
            )
    return Inventory(
        resources=list(state.resources.values()),
        errors=state.errors,
        meta=dict(base.meta),
        warnings=warnings,
        inputs=list(base.inputs),
    )


class _State:
    def __init__(self, current: Inventory | None) -> None:
        self.resources: dict[str, Resource] = {lid(r["id"]): r for r in current.resources} if current else {}
        self.errors: list[dict[str, Any]] = list(current.errors) if current else []
        self.warnings: list[str] = []
        self.planned: set[str] = set()

    def apply(self, plan: Plan) -> None:
        for resource in plan.existing:
            self.resources.setdefault(lid(resource["id"]), resource)
        put_ids = {lid(c.resource_id) for c in plan.changes if c.action == "put"}
        patches = list(plan.patches)
        for change in plan.changes:
            key = lid(change.resource_id)
            if change.action == "put" and change.body is not None:
                if change.resource_type.lower() == SECURITY_RULE:
                    patches.append(_rule_patch(change.body, plan.path))
                    continue
                self._put(key, change.body, put_ids, change.partial)
            elif change.action in ("delete", "unknown"):
                self._remove(key, change.resource_id)
        for patch in patches:
            self._patch(patch)
        self.errors.extend(plan.errors)

    def _put(self, key: str, body: Resource, put_ids: set[str], partial: bool = False) -> None:
        body = copy.deepcopy(body)
        previous = self.resources.get(key)
        if partial and previous is not None:
            merged = copy.deepcopy(previous)
            _merge(merged, body)
            body = merged
        for segment, path in INLINE_CHILDREN.get(str(body.get("type", "")).lower(), ()):
            if dig(body, *path) is not None:
                # The new body lists every child of this kind: standalone ones it drops are gone.
                prefix = f"{key}/{segment}/"
                for child in [k for k in self.resources if k.startswith(prefix) and k not in put_ids]:
                    del self.resources[child]
            elif previous is not None and dig(previous, *path) is not None:
                _set(body, path, copy.deepcopy(dig(previous, *path)))
        self.resources[key] = body
        self.planned.add(key)

    def _remove(self, key: str, resource_id: str) -> None:
        self.resources.pop(key, None)
        self.planned.discard(key)
        for child in [k for k in self.resources if k.startswith(key + "/")]:
            del self.resources[child]
        parent_key = lid(parent_of(resource_id))
        parent = self.resources.get(parent_key)
        if parent is not None:
            self.resources[parent_key] = _without_inline_child(parent, resource_id)
        if "/providers/microsoft.network/privateendpoints/" in key:
            # The target's own connection record goes with its endpoint.
            for other_key, other in list(self.resources.items()):
                records = props(other).get("privateEndpointConnections")
                if isinstance(records, list) and any(_names_endpoint(r, key) for r in records):
                    other = copy.deepcopy(other)
                    other["properties"]["privateEndpointConnections"] = [
                        r for r in records if not _names_endpoint(r, key)
                    ]
                    self.resources[other_key] = other

    def _patch(self, patch: Patch) -> None:
        key = lid(patch.target_id)
        target = self.resources.get(key)
        if target is None:
            self.warnings.append(
                f"{patch.source}: its target {patch.target_id} is in neither the current state nor the plan; ignored"
            )
            return
        target = copy.deepcopy(target)
        if patch.mode == "set":
            _set(target, patch.path, copy.deepcopy(patch.value))
        elif patch.mode == "merge":
            _merge(target, copy.deepcopy(patch.value))
        elif patch.mode == "remove":
            _set(target, patch.path, [e for e in as_list(dig(target, *patch.path)) if not _same_name(e, patch.value)])
        else:
            entries = [e for e in as_list(dig(target, *patch.path)) if not _same_name(e, patch.value)]
            _set(target, patch.path, [*entries, copy.deepcopy(patch.value)])
        self.resources[key] = target

    def assume_read_only(self) -> None:
        """Fill the read-only fields the rules need in planned resources (see the module's docstring)."""
        for key in sorted(self.planned):
            resource = self.resources.get(key)
            if resource is None:
                continue
            rtype = str(resource.get("type", "")).lower()
            if rtype == PRIVATE_ENDPOINT:
                _assume_connections(resource)
            elif rtype == PEERING:
                self._assume_peering(resource)
            elif rtype == "microsoft.network/virtualnetworks":
                for peering in as_list(props(resource).get("virtualNetworkPeerings")):
                    if isinstance(peering, dict):
                        self._assume_peering(
                            {
                                **peering,
                                "id": peering.get("id")
                                or f"{resource['id']}/virtualNetworkPeerings/{peering.get('name')}",
                            },
                            peering,
                        )

    def _assume_peering(self, peering: Resource, target: Resource | None = None) -> None:
        body = props(target if target is not None else peering)
        if body.get("peeringState"):
            return
        remote = ref_id(body.get("remoteVirtualNetwork"))
        local = lid(parent_of(str(peering["id"])))
        back = remote is not None and any(
            lid(ref_id(dig(p, "properties", "remoteVirtualNetwork")) or "") == local
            for p in self._peerings_of(lid(remote))
        )
        body["peeringState"] = "Connected" if back else "Initiated"
        body[ASSUMED_KEY] = (
            "planned peering: assumed Connected, the planned state holds the reverse peering"
            if back
            else "planned peering: assumed Initiated, the planned state holds no reverse peering"
        )

    def _peerings_of(self, vnet_key: str) -> list[Resource]:
        found = [r for k, r in self.resources.items() if k.startswith(vnet_key + "/virtualnetworkpeerings/")]
        vnet = self.resources.get(vnet_key)
        found += [p for p in as_list(props(vnet).get("virtualNetworkPeerings")) if isinstance(p, dict)]
        return found


def _assume_connections(pe: Resource) -> None:
    body = pe.setdefault("properties", {})
    for field, status, note in (
        ("privateLinkServiceConnections", "Approved", AUTOMATIC_ASSUMED),
        ("manualPrivateLinkServiceConnections", "Pending", MANUAL_ASSUMED),
    ):
        for entry in as_list(body.get(field)):
            if not isinstance(entry, dict):
                continue
            holder = entry["properties"] if isinstance(entry.get("properties"), dict) else entry
            state = holder.get("privateLinkServiceConnectionState")
            if isinstance(state, dict) and state.get("status"):
                continue
            holder["privateLinkServiceConnectionState"] = {
                **(state if isinstance(state, dict) else {}),
                "status": status,
                ASSUMED_KEY: note,
            }


def _rule_patch(body: Resource, source: str) -> Patch:
    entry = {k: v for k, v in body.items() if k in ("id", "name", "properties")}
    entry.setdefault("name", name_of(str(body["id"])))
    return Patch(parent_of(str(body["id"])), ("properties", "securityRules"), entry, "append", source)


def _without_inline_child(parent: Resource, child_id: str) -> Resource:
    name = name_of(child_id).lower()
    segment = child_id.rstrip("/").rsplit("/", 2)[-2].lower()
    for inline_segment, path in INLINE_CHILDREN.get(str(parent.get("type", "")).lower(), ()):
        entries = dig(parent, *path)
        if inline_segment != segment or not isinstance(entries, list):
            continue
        kept = [e for e in entries if not (isinstance(e, dict) and str(e.get("name", "")).lower() == name)]
        if len(kept) != len(entries):
            parent = copy.deepcopy(parent)
            _set(parent, path, kept)
    return parent


def _names_endpoint(record: Any, endpoint_key: str) -> bool:
    return lid(ref_id(dig(record, "properties", "privateEndpoint")) or "") == endpoint_key


def _same_name(entry: Any, value: Any) -> bool:
    """Entries of a list match by name, or by id when unnamed (`publicIpAddresses`)."""
    if not isinstance(entry, dict) or not isinstance(value, dict):
        return False
    key = "name" if value.get("name") else "id"
    return str(entry.get(key) or "").lower() == str(value.get(key) or "").lower() != ""


def _set(data: dict[str, Any], path: Sequence[str], value: Any) -> None:
    for key in path[:-1]:
        child = data.get(key)
        if not isinstance(child, dict):
            child = data[key] = {}
        data = child
    data[path[-1]] = value


def _merge(target: dict[str, Any], value: Any) -> None:
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if isinstance(item, dict) and isinstance(target.get(key), dict):
            _merge(target[key], item)
        else:
            target[key] = item
