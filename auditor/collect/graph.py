"""Tenant-scale reads: the subscriptions in scope, and top-level resources in bulk from Resource Graph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.arm import subscription_of
from auditor.collect import resource_types as rt
from auditor.collect.clients import Clients
from auditor.collect.index import Index
from auditor.collect.policies import RESOURCE_GRAPH_PATH

Json = dict[str, Any]

# Every type the collector reads that Resource Graph's `resources` table holds, per its table and
# resource type reference (learn.microsoft.com/azure/governance/resource-graph/reference/
# supported-tables-resources): the top-level types listed per subscription, plus VNet gateways
# (which ARM lists per resource group only), private DNS zone VNet links, and online endpoints with
# their deployments. Not there, hence read through ARM: computes, datastores, labelling jobs, data
# versions, outbound rules, managed networks, endpoints' DNS zone groups, firewall policies' rule
# collection groups, and subnets or peerings outside their VNet. Workspaces are found here but read
# again through ARM, see crawl.
GRAPH_TYPES: tuple[str, ...] = (
    *rt.SCOPE_LISTS,
    rt.NETWORK_GATEWAYS,
    rt.ZONE_LINKS,
    rt.ONLINE_ENDPOINTS,
    rt.DEPLOYMENTS,
)

_PAGE_SIZE = 1000  # the most Resource Graph returns per page
_SUBSCRIPTIONS_PER_QUERY = 1000  # the most subscriptions one query may name
_INACTIVE_STATES = {"disabled", "deleted"}
# Columns Resource Graph adds to the ARM body; a snapshot holds ARM bodies.
_GRAPH_COLUMNS = {"subscriptionId", "resourceGroup", "tenantId"}


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    tenant_id: str | None


def _active(subscription_id: Any, tenant_id: Any, state: Any) -> Subscription | None:
    if not isinstance(subscription_id, str) or str(state or "").lower() in _INACTIVE_STATES:
        return None
    return Subscription(subscription_id, tenant_id if isinstance(tenant_id, str) else None)


def tenant_subscriptions(clients: Clients) -> list[Subscription]:
    """The enabled subscriptions the identity can read (`GET /subscriptions`)."""
    items = clients.rest.list("/subscriptions", rt.SUBSCRIPTIONS_API_VERSION)
    found = (_active(i.get("subscriptionId"), i.get("tenantId"), i.get("state")) for i in items)
    return [s for s in found if s]


def management_group_subscriptions(clients: Clients, management_group: str) -> list[Subscription]:
    """The enabled subscriptions under a management group, at any depth."""
    rows = _query(
        clients,
        "resourcecontainers | where type =~ 'microsoft.resources/subscriptions'",
        management_groups=[management_group],
    )
    found = (
        _active(r.get("subscriptionId"), r.get("tenantId"), (r.get("properties") or {}).get("state")) for r in rows
    )
    return [s for s in found if s]


def resources(clients: Clients, subscriptions: list[str], types: tuple[str, ...] = GRAPH_TYPES) -> list[Json]:
    """Every resource of `types` (GRAPH_TYPES by default) in the subscriptions, as ARM bodies."""
    listed = ", ".join(f"'{t.lower()}'" for t in types)
    query = f"resources | where type in~ ({listed})"
    rows: list[Json] = []
    for start in range(0, len(subscriptions), _SUBSCRIPTIONS_PER_QUERY):
        chunk = subscriptions[start : start + _SUBSCRIPTIONS_PER_QUERY]
        rows.extend(_query(clients, query, subscriptions=chunk))
    return [_as_arm_body(row) for row in rows]


def indexed(resources: list[Json]) -> dict[tuple[str, str], Index]:
    """Resources by (subscription in lower case, type) and, within, by id, parent and target."""
    grouped: dict[tuple[str, str], list[Json]] = {}
    for resource in resources:
        subscription = subscription_of(str(resource.get("id", "")))
        if subscription and isinstance(resource.get("type"), str):
            grouped.setdefault((subscription.lower(), resource["type"]), []).append(resource)
    return {key: Index(members) for key, members in grouped.items()}


def _query(
    clients: Clients,
    query: str,
    *,
    subscriptions: list[str] | None = None,
    management_groups: list[str] | None = None,
) -> list[Json]:
    """All rows of a query, page after page; Resource Graph has no pager, only `$skipToken`.

    Sent raw rather than through ResourceGraphClient: its models deserialise every cell of every
    row, half a second of CPU per page of 1,000, to hand back the same dicts.
    """
    rows: list[Json] = []
    skip_token: str | None = None
    while True:
        options: Json = {"$top": _PAGE_SIZE, "resultFormat": "objectArray"}
        if skip_token:
            options["$skipToken"] = skip_token
        request: Json = {"query": query, "options": options}
        if subscriptions is not None:
            request["subscriptions"] = subscriptions
        if management_groups is not None:
            request["managementGroups"] = management_groups
        answer = clients.rest.post(RESOURCE_GRAPH_PATH, rt.RESOURCE_GRAPH_API_VERSION, request)
        data = answer.get("data")  # objectArray: a list of row objects
        rows.extend(row for row in data or [] if isinstance(row, dict))
        skip_token = answer.get("$skipToken")
        if not skip_token:
            return rows


def _as_arm_body(row: Json) -> Json:
    """A Resource Graph row as the ARM GET body: no extra columns, no empty ones, the type's casing."""
    body = {
        key: value
        for key, value in row.items()
        if key not in _GRAPH_COLUMNS and (key == "properties" or value not in (None, "", {}, []))
    }
    body["type"] = rt.canonical_type(row.get("type")) or row.get("type")
    return body
