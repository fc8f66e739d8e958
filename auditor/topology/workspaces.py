"""Questions about workspaces: their managed network, outbound rules and child resources."""

from __future__ import annotations

from typing import Any

from auditor.arm import Resource, name_of, props
from auditor.topology.resources import ResourceIndex
from auditor.topology.types import (
    COMPUTE,
    DATASTORE,
    DEPLOYMENT,
    LABELING_JOB,
    MANAGED_NETWORK,
    ONLINE_ENDPOINT,
    OUTBOUND_RULE,
    WORKSPACE,
)


class WorkspaceQueries(ResourceIndex):
    """Workspace questions, over the resource index."""

    def workspaces(self) -> list[Resource]:
        return self.of_type(WORKSPACE)

    def managed_network_of(self, ws: Resource) -> dict[str, Any]:
        own = props(ws).get("managedNetwork")
        if isinstance(own, dict):
            return own
        for child in self.children(ws["id"], MANAGED_NETWORK):
            network = props(child).get("managedNetwork")
            if isinstance(network, dict):
                return network
        return {}

    def isolation_mode(self, ws: Resource) -> str:
        """`managedNetwork.isolationMode`, absent = `Disabled` (catalogue §1)."""
        mode = self.managed_network_of(ws).get("isolationMode")
        return mode if isinstance(mode, str) and mode else "Disabled"

    def is_managed_network(self, ws: Resource) -> bool:
        mode = self.isolation_mode(ws).lower()
        return mode in ("allowinternetoutbound", "allowonlyapprovedoutbound")

    def outbound_rules(self, workspace_id: str) -> list[Resource]:
        """Managed outbound rules: the map, `managedNetworks/default`, and standalone resources.

        A map entry and a resource of the same name are one rule (the resource wins).
        """
        rules: dict[str, Resource] = {}
        for child in self.children(workspace_id, OUTBOUND_RULE):
            rules[str(child.get("name", name_of(child["id"]))).lower()] = child
        for network in self.children(workspace_id, MANAGED_NETWORK):
            for rule in self.children(network["id"], f"{MANAGED_NETWORK}/outboundRules"):
                rules.setdefault(str(rule.get("name")).lower(), rule)
        return list(rules.values())

    def computes_of(self, workspace_id: str) -> list[Resource]:
        return self.children(workspace_id, COMPUTE)

    def datastores_of(self, workspace_id: str) -> list[Resource]:
        return self.children(workspace_id, DATASTORE)

    def online_endpoints_of(self, workspace_id: str) -> list[Resource]:
        return self.children(workspace_id, ONLINE_ENDPOINT)

    def deployments_of(self, endpoint_id: str) -> list[Resource]:
        return self.children(endpoint_id, DEPLOYMENT)

    def labeling_jobs_of(self, workspace_id: str) -> list[Resource]:
        return self.children(workspace_id, LABELING_JOB)
