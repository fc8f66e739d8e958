"""An inventory of raw ARM resources, answered the way ARM answers: by id, by scope list, by child list.

Child resources may be given standalone (`<vnet>/subnets/<name>`) or embedded; like ARM, a parent's
body embeds its standalone subnets, peerings, security rules, routes, agent pools and private
endpoint connections (the standalone form wins over an embedded entry of the same name), and a
child list answers both forms.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

# Columns a Resource Graph row has and an ARM body has not (inventories may hold such rows).
GRAPH_COLUMNS = ("subscriptionId", "resourceGroup", "tenantId")
# The child types Resource Graph's `resources` table holds, of those an audit reads (its table and
# resource type reference); it holds every top-level type. Other children (subnets, computes,
# datastores, labelling jobs, DNS zone groups...) are only in ARM.
GRAPH_CHILD_TYPES = frozenset(
    {
        "microsoft.network/privatednszones/virtualnetworklinks",
        "microsoft.machinelearningservices/workspaces/onlineendpoints",
        "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments",
    }
)


def _agent_pool_profile(pool: Json) -> Json:
    # ARM embeds agent pools flattened: the pool's properties beside its name.
    return {"name": pool.get("name"), **(pool.get("properties") or {})}


def _as_is(child: Json) -> Json:
    return child


@dataclass(frozen=True)
class _Embed:
    segment: str
    property: str
    shape: Any = _as_is


# Parent type (lower-case) → the child collections its GET embeds.
_EMBEDS: dict[str, tuple[_Embed, ...]] = {
    "microsoft.network/virtualnetworks": (
        _Embed("subnets", "subnets"),
        _Embed("virtualnetworkpeerings", "virtualNetworkPeerings"),
    ),
    "microsoft.network/networksecuritygroups": (
        _Embed("securityrules", "securityRules"),
        _Embed("defaultsecurityrules", "defaultSecurityRules"),
    ),
    "microsoft.network/routetables": (_Embed("routes", "routes"),),
    "microsoft.containerservice/managedclusters": (
        _Embed("agentpools", "agentPoolProfiles", _agent_pool_profile),
    ),
}
_CONNECTIONS = _Embed("privateendpointconnections", "privateEndpointConnections")


@dataclass(frozen=True)
class ParsedId:
    subscription: str | None
    resource_group: str | None
    # Provider namespace then alternating type and name segments, as written.
    provider_path: tuple[str, ...]

    @property
    def resource_type(self) -> str:
        """`Microsoft.Network/virtualNetworks/subnets`, lower-cased."""
        ns, *rest = self.provider_path
        return "/".join([ns, *rest[0::2]]).lower()

    @property
    def depth(self) -> int:
        """1 for a top-level resource, 2 for its child..."""
        return (len(self.provider_path) - 1) // 2


def parse(path: str) -> ParsedId | None:
    parts = [p for p in path.split("/") if p]
    lower = [p.lower() for p in parts]
    if "providers" not in lower:
        return None
    at = lower.index("providers")
    subscription = parts[1] if lower[:1] == ["subscriptions"] and len(parts) > 1 else None
    group = parts[3] if lower[2:3] == ["resourcegroups"] and len(parts) > 3 else None
    return ParsedId(subscription, group, tuple(parts[at + 1 :]))


def lid(resource_id: str) -> str:
    return resource_id.strip().rstrip("/").lower()


def parent_of(resource_id: str) -> tuple[str, str]:
    """`<parent>/<segment>/<name>` → (`<parent>` lower-cased, `<segment>` lower-cased)."""
    parent, segment, _ = lid(resource_id).rsplit("/", 2)
    return parent, segment


class Store:
    def __init__(self, resources: list[Json]) -> None:
        self._raw: dict[str, Json] = {}
        self._parsed: dict[str, ParsedId] = {}
        for resource in resources:
            body = {k: v for k, v in resource.items() if k not in GRAPH_COLUMNS}
            parsed = parse(body["id"])
            if parsed is None or parsed.depth < 1:
                raise ValueError(f"not an ARM resource id: {body['id']}")
            self._raw[lid(body["id"])] = body
            self._parsed[lid(body["id"])] = parsed
        self._children: dict[tuple[str, str], list[str]] = {}
        for key, parsed in self._parsed.items():
            if parsed.depth > 1:
                self._children.setdefault(parent_of(key), []).append(key)
        self._rendered = {key: self._render(key) for key in self._raw}

    def _standalone(self, parent: str, segment: str) -> list[Json]:
        return [self._raw[k] for k in self._children.get((parent, segment), [])]

    def _render(self, key: str) -> Json:
        body = copy.deepcopy(self._raw[key])
        embeds = (*_EMBEDS.get(self._parsed[key].resource_type, ()), _CONNECTIONS)
        for embed in embeds:
            standalone = self._standalone(key, embed.segment)
            if not standalone:
                continue
            properties = body.setdefault("properties", {})
            names = {str(c.get("name", "")).lower() for c in standalone}
            kept = [e for e in properties.get(embed.property) or [] if str(e.get("name", "")).lower() not in names]
            properties[embed.property] = kept + [embed.shape(copy.deepcopy(c)) for c in standalone]
        return body

    def get(self, resource_id: str) -> Json | None:
        return self._rendered.get(lid(resource_id))

    def exists(self, resource_id: str) -> bool:
        return lid(resource_id) in self._raw

    def subscriptions(self) -> list[str]:
        found = {p.subscription.lower(): p.subscription for p in self._parsed.values() if p.subscription}
        return sorted(found.values())

    def top_level(self, subscription: str | None = None) -> list[tuple[ParsedId, Json]]:
        wanted = subscription.lower() if subscription else None
        return [
            (parsed, self._rendered[key])
            for key, parsed in sorted(self._parsed.items())
            if parsed.depth == 1 and wanted in (None, (parsed.subscription or "").lower())
        ]

    def graph_resources(self) -> list[tuple[ParsedId, Json]]:
        """What Resource Graph's `resources` table holds: every top-level resource and some children."""
        return [
            (parsed, self._rendered[key])
            for key, parsed in sorted(self._parsed.items())
            if parsed.depth == 1 or parsed.resource_type in GRAPH_CHILD_TYPES
        ]

    def scope_list(self, subscription: str, group: str | None, resource_type: str) -> list[Json]:
        return [
            body
            for parsed, body in self.top_level(subscription)
            if parsed.resource_type == resource_type.lower()
            and (group is None or (parsed.resource_group or "").lower() == group.lower())
        ]

    def child_list(self, parent_id: str, segment: str) -> list[Json] | None:
        """The children under `<parent>/<segment>`, or None when the parent does not exist."""
        parent = lid(parent_id)
        if parent not in self._raw:
            return None
        segment = segment.lower()
        embeds = (*_EMBEDS.get(self._parsed[parent].resource_type, ()), _CONNECTIONS)
        embedded = next((e for e in embeds if e.segment == segment), None)
        if embedded is None:
            return [self._rendered[k] for k in sorted(self._children.get((parent, segment), []))]
        # Embedded entries are what the parent's GET shows; a standalone child answers as itself.
        standalone = {str(c.get("name", "")).lower(): self._rendered[lid(c["id"])]
                      for c in self._standalone(parent, segment)}
        listed = []
        for entry in (self._rendered[parent].get("properties") or {}).get(embedded.property) or []:
            name = str(entry.get("name", "")).lower()
            listed.append(standalone.pop(name, entry))
        return listed
