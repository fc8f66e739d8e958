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
from auditor.plan.model import ASSUMED_KEY, Patch, Plan, set_path
from auditor.plan.types import INLINE_CHILDREN, PEERING, PRIVATE_ENDPOINT, SECURITY_RULE, VNET

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
    """The resources by lower-cased id. A change costs a look-up, not a scan: each plan's removals
    and replaced child lists are settled in one pass over the resources."""

    def __init__(self, current: Inventory | None) -> None:
        self.resources: dict[str, Resource] = {lid(r["id"]): r for r in current.resources} if current else {}
        self.errors: list[dict[str, Any]] = list(current.errors) if current else []
        self.warnings: list[str] = []
        self.planned: set[str] = set()
        # Resources copied by the overlay, which it may change in place (the current state is shared).
        self.owned: set[str] = set()

    def apply(self, plan: Plan) -> None:
        for resource in plan.existing:
            self.resources.setdefault(lid(resource["id"]), resource)
        self._remove_all([c.resource_id for c in plan.changes if c.action in ("delete", "unknown")])
        puts = [c for c in plan.changes if c.action == "put" and c.body is not None]
        put_ids = {lid(c.resource_id) for c in puts}
        patches = list(plan.patches)
        relisted: set[tuple[str, str]] = set()
        for change in puts:
            assert change.body is not None
            if change.resource_type.lower() == SECURITY_RULE:
                patches.append(_rule_patch(change.body, plan.path))
                continue
            relisted |= self._put(lid(change.resource_id), change.body, change.partial)
        if relisted:
            # A body that lists every child of a kind: standalone children it does not list are gone.
            for key in [k for k in self.resources if k not in put_ids and _parent_and_segment(k) in relisted]:
                del self.resources[key]
        for patch in patches:
            self._patch(patch)
        self.errors.extend(plan.errors)

    def _put(self, key: str, body: Resource, partial: bool) -> set[tuple[str, str]]:
        """Store the planned body; returns the (parent, child segment) lists it gives in full."""
        # Copied two levels deep, the ones written here; what lies deeper is rebuilt, never changed.
        previous = self.resources.get(key)
        body = _merged(previous, body) if partial and previous is not None else dict(body)
        if isinstance(body.get("properties"), dict):
            body["properties"] = dict(body["properties"])
        relisted = set()
        for segment, path in INLINE_CHILDREN.get(str(body.get("type", "")).lower(), ()):
            if dig(body, *path) is not None:
                relisted.add((key, segment))
            elif previous is not None and dig(previous, *path) is not None:
                set_path(body, path, dig(previous, *path))
        self.resources[key] = body
        self.planned.add(key)
        self.owned.add(key)
        return relisted

    def _remove_all(self, resource_ids: Sequence[str]) -> None:
        """Remove resources with their children, their entries in a parent's inline list, and the
        target's record of a removed private endpoint (it goes with its endpoint)."""
        keys = {lid(r) for r in resource_ids}
        if not keys:
            return
        for key in [k for k in self.resources if k in keys or any(a in keys for a in _ancestors(k))]:
            del self.resources[key]
            self.planned.discard(key)
        for resource_id in resource_ids:
            parent = self._own(lid(parent_of(resource_id)))
            if parent is not None:
                _drop_inline_child(parent, resource_id)
        endpoints = {k for k in keys if "/providers/microsoft.network/privateendpoints/" in k}
        if not endpoints:
            return
        for key, other in list(self.resources.items()):
            records = props(other).get("privateEndpointConnections")
            if isinstance(records, list) and any(_named_endpoint(r) in endpoints for r in records):
                owned = self._own(key)
                assert owned is not None
                owned["properties"]["privateEndpointConnections"] = [
                    r for r in records if _named_endpoint(r) not in endpoints
                ]

    def _own(self, key: str) -> Resource | None:
        """The resource, copied first unless the overlay already owns it."""
        resource = self.resources.get(key)
        if resource is not None and key not in self.owned:
            resource = self.resources[key] = copy.deepcopy(resource)
            self.owned.add(key)
        return resource

    def _patch(self, patch: Patch) -> None:
        target = self._own(lid(patch.target_id))
        if target is None:
            self.warnings.append(
                f"{patch.source}: its target {patch.target_id} is in neither the current state nor the plan; ignored"
            )
            return
        if patch.mode == "set":
            set_path(target, patch.path, copy.deepcopy(patch.value))
        elif patch.mode == "merge" and isinstance(patch.value, dict):
            self.resources[lid(patch.target_id)] = _merged(target, patch.value)
        elif patch.mode == "remove":
            set_path(
                target, patch.path, [e for e in as_list(dig(target, *patch.path)) if not _same_name(e, patch.value)]
            )
        else:
            entries = [e for e in as_list(dig(target, *patch.path)) if not _same_name(e, patch.value)]
            set_path(target, patch.path, [*entries, copy.deepcopy(patch.value)])

    def assume_read_only(self) -> None:
        """Fill the read-only fields the rules need in planned resources (see the module's docstring)."""
        links = self._peering_links()
        for key in sorted(self.planned):
            resource = self.resources.get(key)
            if resource is None:
                continue
            rtype = str(resource.get("type", "")).lower()
            if rtype == PRIVATE_ENDPOINT:
                _assume_connections(resource)
            elif rtype == PEERING:
                self.resources[key] = _assume_peering(resource, lid(parent_of(key)), links)
            elif rtype == VNET and isinstance(props(resource).get("virtualNetworkPeerings"), list):
                resource["properties"]["virtualNetworkPeerings"] = [
                    _assume_peering(p, key, links) if isinstance(p, dict) else p
                    for p in resource["properties"]["virtualNetworkPeerings"]
                ]

    def _peering_links(self) -> set[tuple[str, str]]:
        """(local VNet, remote VNet) of every peering in the planned state, standalone or inline."""
        links = set()
        for key, resource in self.resources.items():
            rtype = str(resource.get("type", "")).lower()
            if rtype == PEERING:
                peerings = [(lid(parent_of(key)), resource)]
            elif rtype == VNET:
                peerings = [(key, p) for p in as_list(props(resource).get("virtualNetworkPeerings"))]
            else:
                continue
            for local, peering in peerings:
                remote = ref_id(dig(peering, "properties", "remoteVirtualNetwork"))
                if remote:
                    links.add((local, lid(remote)))
        return links


def _assume_peering(peering: Resource, local: str, links: set[tuple[str, str]]) -> Resource:
    """The peering with its assumed state, when it has none (a new object; the given one is unchanged)."""
    body = peering.get("properties")
    if not isinstance(body, dict) or body.get("peeringState"):
        return peering
    remote = ref_id(body.get("remoteVirtualNetwork"))
    back = remote is not None and (lid(remote), local) in links
    note = (
        "planned peering: assumed Connected, the planned state holds the reverse peering"
        if back
        else "planned peering: assumed Initiated, the planned state holds no reverse peering"
    )
    return {**peering, "properties": {**body, "peeringState": "Connected" if back else "Initiated", ASSUMED_KEY: note}}


def _assume_connections(pe: Resource) -> None:
    """Connection entries without a state get the assumed one (entries are rebuilt, not changed)."""
    body = pe.setdefault("properties", {})
    for field, status, note in (
        ("privateLinkServiceConnections", "Approved", AUTOMATIC_ASSUMED),
        ("manualPrivateLinkServiceConnections", "Pending", MANUAL_ASSUMED),
    ):
        entries = body.get(field)
        if isinstance(entries, list):
            body[field] = [_with_state(entry, status, note) for entry in entries]


def _with_state(entry: Any, status: str, note: str) -> Any:
    if not isinstance(entry, dict):
        return entry
    nested = isinstance(entry.get("properties"), dict)
    holder = entry["properties"] if nested else entry
    state = holder.get("privateLinkServiceConnectionState")
    if isinstance(state, dict) and state.get("status"):
        return entry
    assumed = {**(state if isinstance(state, dict) else {}), "status": status, ASSUMED_KEY: note}
    holder = {**holder, "privateLinkServiceConnectionState": assumed}
    return {**entry, "properties": holder} if nested else holder


def _rule_patch(body: Resource, source: str) -> Patch:
    entry = {k: v for k, v in body.items() if k in ("id", "name", "properties")}
    entry.setdefault("name", name_of(str(body["id"])))
    return Patch(parent_of(str(body["id"])), ("properties", "securityRules"), entry, "append", source)


def _drop_inline_child(parent: Resource, child_id: str) -> None:
    name = name_of(child_id).lower()
    segment = child_id.rstrip("/").rsplit("/", 2)[-2].lower()
    for inline_segment, path in INLINE_CHILDREN.get(str(parent.get("type", "")).lower(), ()):
        entries = dig(parent, *path)
        if inline_segment == segment and isinstance(entries, list):
            kept = [e for e in entries if not (isinstance(e, dict) and str(e.get("name", "")).lower() == name)]
            set_path(parent, path, kept)


def _ancestors(key: str) -> list[str]:
    """`a/b/c/d` → `a/b/c`, `a/b`, `a`: every prefix that ends a path segment."""
    found, end = [], key.rfind("/")
    while end > 0:
        found.append(key[:end])
        end = key.rfind("/", 0, end)
    return found


def _parent_and_segment(key: str) -> tuple[str, str]:
    """`<parent>/<segment>/<name>` → (parent, segment), lower-case as keys are."""
    parts = key.rsplit("/", 2)
    return (parts[0], parts[1]) if len(parts) == 3 else ("", "")


def _named_endpoint(record: Any) -> str:
    return lid(ref_id(dig(record, "properties", "privateEndpoint")) or "")


def _same_name(entry: Any, value: Any) -> bool:
    """Entries of a list match by name, or by id when unnamed (`publicIpAddresses`)."""
    if not isinstance(entry, dict) or not isinstance(value, dict):
        return False
    key = "name" if value.get("name") else "id"
    return str(entry.get(key) or "").lower() == str(value.get(key) or "").lower() != ""


def _merged(base: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """`value` over `base`, objects key by key, as a new object: neither input is changed."""
    out = dict(base)
    for key, item in value.items():
        current = out.get(key)
        out[key] = _merged(current, item) if isinstance(item, dict) and isinstance(current, dict) else item
    return out
