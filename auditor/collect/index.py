"""The resources of one type under one scope, looked up by id, by parent or by private-link target."""

from __future__ import annotations

from typing import Any

from auditor.arm import as_list, dig, lid, parent_of

Json = dict[str, Any]


class Index:
    def __init__(self, resources: list[Json]) -> None:
        self.resources = resources
        self._by_id = {lid(r["id"]): r for r in resources if isinstance(r.get("id"), str)}
        self._by_target: dict[str, list[Json]] | None = None
        self._by_parent: dict[str, list[Json]] | None = None

    def get(self, resource_id: str) -> Json | None:
        return self._by_id.get(lid(resource_id))

    def children(self, parent_id: str) -> list[Json]:
        """The resources (of a child type) under `parent_id`."""
        if self._by_parent is None:
            self._by_parent = {}
            for resource_id, resource in self._by_id.items():
                self._by_parent.setdefault(parent_of(resource_id), []).append(resource)
        return self._by_parent.get(lid(parent_id), [])

    def targeting(self, resource_id: str) -> list[Json]:
        """Private endpoints with a connection (automatic or manual) to `resource_id`, in any state."""
        if self._by_target is None:
            self._by_target = {}
            for endpoint in self.resources:
                targets = {
                    lid(target)
                    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections")
                    for connection in as_list(dig(endpoint, "properties", key))
                    if isinstance(target := dig(connection, "properties", "privateLinkServiceId"), str)
                }
                for target in targets:
                    self._by_target.setdefault(target, []).append(endpoint)
        return self._by_target.get(lid(resource_id), [])
