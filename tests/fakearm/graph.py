"""The fake's Resource Graph: `resources` and `resourcecontainers` queries over the store, paged by `$skipToken`.

It understands `<table> | where type in~ (...)` and `type =~ '...'`, which is all the collector
asks. Rows are what Resource Graph returns: the ARM body with its type lower-cased and the
`subscriptionId`, `resourceGroup` (lower-cased) and `tenantId` columns added.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .store import Json, Store

_TABLE = re.compile(r"^\s*(resources|resourcecontainers)\b", re.IGNORECASE)
_TYPE_IN = re.compile(r"\btype\s+in~\s*\(([^)]*)\)", re.IGNORECASE)
_TYPE_EQ = re.compile(r"\btype\s*=~\s*'([^']*)'", re.IGNORECASE)


class InvalidQuery(ValueError):
    """A query the fake does not understand."""


def parse_query(query: str) -> tuple[str, set[str] | None]:
    """The table and the types (lower-case; None: all) a query asks for."""
    table = _TABLE.match(query)
    if table is None:
        raise InvalidQuery("the fake understands `<table> | where type in~ (...)` only")
    if listed := _TYPE_IN.search(query):
        return table.group(1).lower(), {t.strip().strip("'\"").lower() for t in listed.group(1).split(",")}
    if single := _TYPE_EQ.search(query):
        return table.group(1).lower(), {single.group(1).lower()}
    return table.group(1).lower(), None


def rows(
    store: Store,
    request: Json,
    tenant_id: str,
    management_groups: dict[str, list[str]],
    subscription_body: Callable[[str], Json],
    lower_case_ids: bool = False,
) -> list[Json]:
    """Every row a query selects. `management_groups` maps a group to its subscriptions; a group
    not listed holds every subscription. `lower_case_ids` answers ids lower-cased, as Resource Graph
    does for some types."""
    table, types = parse_query(str(request.get("query", "")))
    subscriptions = {s.lower() for s in request.get("subscriptions") or []}
    for group in request.get("managementGroups") or []:
        subscriptions.update(s.lower() for s in management_groups.get(group, store.subscriptions()))
    if table == "resourcecontainers":
        selected = [
            {
                **subscription_body(s),
                "name": s,
                "type": "microsoft.resources/subscriptions",
                "properties": {"state": "Enabled"},
            }
            for s in store.subscriptions()
            if s.lower() in subscriptions
        ]
    else:
        selected = [
            {
                **body,
                "id": body["id"].lower() if lower_case_ids else body["id"],
                "type": parsed.resource_type,
                "subscriptionId": parsed.subscription,
                "resourceGroup": (parsed.resource_group or "").lower(),
                "tenantId": tenant_id,
            }
            for parsed, body in store.graph_resources()
            if (parsed.subscription or "").lower() in subscriptions
        ]
    return [r for r in selected if types is None or str(r["type"]).lower() in types]


def page(selected: list[Json], request: Json, page_size: int) -> Json:
    """The page of `selected` that the request's `$skipToken` and `$top` ask for."""
    options = request.get("options") or {}
    start = int(options.get("$skipToken") or 0)
    end = start + min(int(options.get("$top") or page_size), page_size)
    answer: Json = {
        "totalRecords": len(selected),
        "count": len(selected[start:end]),
        "resultTruncated": "false",
        "data": selected[start:end],
        "facets": [],
    }
    if end < len(selected):
        answer["$skipToken"] = str(end)
    return answer
