"""The crawl: from the workspaces to audit to everything their rules read.

Every mode works the same way: find the workspaces to audit, then follow each one's references
(associated resources, private endpoints, subnets, peerings, DNS zones, computes...) until its
closure is read. How a referenced resource is read depends on the scope:

- auditing whole subscriptions, each top-level type is listed once per subscription and references
  are looked up in those lists, so the requests spent on a workspace do not grow with how many
  workspaces a subscription holds. With Resource Graph, one query reads every type it holds,
  children too (zone links, online endpoints and deployments), and ARM is read only for the rest;
- auditing named workspaces (`--workspace`), references are read one by one, by id, so that their
  cost does not depend on the size of the subscription either. A private-link target names every
  endpoint connected to it, so no list of endpoints is needed to find them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError

from auditor.arm import (
    as_list,
    dig,
    lid,
    parent_of,
    props,
    provider_type_of,
    ref_id,
    subscription_of,
    vnet_of_subnet,
)
from auditor.collect import graph
from auditor.collect import resource_types as rt
from auditor.collect.clients import Clients
from auditor.collect.firewalls import FirewallTrail
from auditor.collect.graph import GRAPH_TYPES
from auditor.collect.index import Index
from auditor.collect.redact import redact
from auditor.collect.scheduler import Scheduler
from auditor.collect.snapshot import error_entry

Json = dict[str, Any]

# Types looked up in their subscription's list (or Resource Graph's answer) rather than fetched one
# by one. Workspaces are always fetched by id, at the ML api-version, whatever found them: their
# properties are the heart of the audit, and Resource Graph's copy may lag behind ARM.
_LISTED_TYPES = set(rt.SCOPE_LISTS) - {rt.WORKSPACES}
_GRAPH_QUERIED = tuple(t for t in GRAPH_TYPES if t != rt.WORKSPACES)  # workspaces: found in discovery
_GRAPH_TYPES = set(_GRAPH_QUERIED)
# How operators reach a private workspace (AML-NET-004).
_OPERATOR_PATHS = {rt.BASTION_HOSTS, rt.NETWORK_GATEWAYS}
_MANAGED_ISOLATION = {"allowinternetoutbound", "allowonlyapprovedoutbound"}
_EMPTY = Index([])


class Crawl:
    """The resources collected so far and the rules for what each one leads to."""

    def __init__(
        self,
        clients: Clients,
        scheduler: Scheduler,
        in_scope: set[str],
        resource_graph: bool,
        whole_subscriptions: bool,
    ) -> None:
        self._clients = clients
        self._scheduler = scheduler
        # Subscriptions audited (lower-case ids); anything elsewhere is always read by id.
        self._in_scope = in_scope
        self._graph = resource_graph
        self._whole_subscriptions = whole_subscriptions
        self.resources: dict[str, Json] = {}
        self.errors: list[Json] = []
        self._wanted: set[str] = set()
        self._core_vnets: set[str] = set()
        self._zones_by_name = False
        self._firewalls = FirewallTrail(self.resources, self.want, self._children)
        self._expanders: dict[str, Callable[[Json], None]] = {
            rt.WORKSPACES: self._expand_workspace,
            rt.STORAGE_ACCOUNTS: self._expand_associated,
            rt.VAULTS: self._expand_associated,
            rt.REGISTRIES: self._expand_associated,
            rt.PRIVATE_ENDPOINTS: self._expand_private_endpoint,
            rt.DNS_ZONE_GROUPS: self._expand_zone_group,
            rt.PRIVATE_DNS_ZONES: lambda zone: self._children(zone["id"], rt.ZONE_LINKS),
            rt.COMPUTES: self._expand_compute,
            rt.MANAGED_CLUSTERS: self._expand_cluster,
            rt.VIRTUAL_NETWORKS: self._expand_vnet,
            rt.ONLINE_ENDPOINTS: lambda endpoint: self._children(endpoint["id"], rt.DEPLOYMENTS),
            rt.LABELING_JOBS: self._expand_labeling_job,
            rt.ROUTE_TABLES: self._firewalls.route_table,
            rt.AZURE_FIREWALLS: self._firewalls.firewall,
            rt.FIREWALL_POLICIES: self._firewalls.policy,
            rt.RULE_COLLECTION_GROUPS: self._firewalls.ip_groups,
        }

    # Fetching -------------------------------------------------------------------------------

    def _recorder(self, scope: str, resource_type: str) -> Callable[[AzureError], None]:
        endpoint = self._clients.settings.endpoint
        return lambda exc: self.errors.append(error_entry(scope, [resource_type], exc, endpoint))

    def _graph_index(self, then: Callable[[dict[tuple[str, str], Index] | None], None]) -> None:
        """Every resource Resource Graph holds in the subscriptions audited, by subscription and type;
        None if the query failed. Queried once, while the workspaces' own ARM reads go on: its pages
        come one after another, and for thousands of workspaces they take minutes."""
        subscriptions = sorted(self._in_scope)
        self._scheduler.fetch(
            ("graph",),
            lambda: graph.indexed(graph.resources(self._clients, subscriptions, _GRAPH_QUERIED)),
            then,
            self._graph_failed,
        )

    def _graph_failed(self, exc: AzureError) -> None:
        for subscription in sorted(self._in_scope):
            scope = f"/subscriptions/{subscription}"
            self.errors.append(error_entry(scope, list(_GRAPH_QUERIED), exc, self._clients.settings.endpoint))

    def index(self, subscription: str, resource_type: str, then: Callable[[Index | None], None]) -> None:
        """Every `resource_type` of a subscription (lower-case id), listed once; None if that failed."""
        if self._graph and subscription in self._in_scope:
            key = (subscription, resource_type)
            self._graph_index(lambda found: then(None if found is None else found.get(key, _EMPTY)))
            return
        scope = f"/subscriptions/{subscription}"
        lister = rt.SCOPE_LISTS[resource_type]
        self._scheduler.fetch(
            ("list", scope, resource_type),
            lambda: Index(lister(self._clients, scope)),
            then,
            self._recorder(scope, resource_type),
        )

    def prefetch(self) -> None:
        """Ask for every subscription list before the workspaces' own requests queue up ahead of
        them: most references wait on these lists, and their pages come one after another."""
        if self._graph:
            self._graph_index(lambda found: None)
            return
        if not self._whole_subscriptions:
            return
        for subscription in sorted(self._in_scope):
            for resource_type in sorted(_LISTED_TYPES):
                self.index(subscription, resource_type, lambda index: None)

    def _looked_up(self, subscription: str, resource_type: str) -> bool:
        """Whether resources of this type and subscription are found in its lists rather than read by id."""
        if subscription not in self._in_scope:
            return False
        if self._graph:
            return resource_type in _GRAPH_TYPES
        return self._whole_subscriptions and resource_type in _LISTED_TYPES

    def want(self, resource_id: str, *, core: bool = False, target: bool = False) -> None:
        """Collect `resource_id`. `core` marks a VNet whose peerings, NSGs and route tables matter;
        `target` a workspace to audit, whose absence is an error rather than a dangling reference."""
        resource_type = rt.canonical_type(provider_type_of(resource_id))
        if resource_type is None:
            return
        key = lid(resource_id)
        if core and key not in self._core_vnets:
            self._core_vnets.add(key)
            if key in self.resources:
                self._expand_core_vnet(self.resources[key])
        if key in self._wanted:
            return
        self._wanted.add(key)
        subscription = (subscription_of(resource_id) or "").lower()
        if self._looked_up(subscription, resource_type):

            def found(index: Index | None) -> None:
                resource = index.get(resource_id) if index else None
                if resource is None:
                    self._get(resource_id, resource_type, target)
                else:
                    self.add(resource, resource_type)

            self.index(subscription, resource_type, found)
        else:
            self._get(resource_id, resource_type, target)

    def _get(self, resource_id: str, resource_type: str, target: bool) -> None:
        def work() -> Json | None:
            try:
                return rt.get_by_id(self._clients, resource_id, resource_type)
            except ResourceNotFoundError:
                if target:
                    raise
                # A dangling reference: the resource is absent, and the rules say what that means.
                return None

        self._scheduler.fetch(
            ("get", lid(resource_id)),
            work,
            lambda body: self._add_all([body] if body else [], resource_type),
            self._recorder(resource_id, resource_type),
        )

    def _children(
        self, parent_id: str, child_type: str, listed: Callable[[list[Json]], None] = lambda items: None
    ) -> None:
        """The children of `parent_id`; `listed` also sees them once the list succeeded."""
        subscription = (subscription_of(parent_id) or "").lower()
        if self._graph and self._looked_up(subscription, child_type):

            def children(found: dict[tuple[str, str], Index] | None) -> None:
                if found is not None:
                    items = found.get((subscription, child_type), _EMPTY).children(parent_id)
                    self._add_all(items, child_type)
                    listed(items)

            self._graph_index(children)
            return
        lister = rt.CHILD_LISTS[child_type]

        def take(items: list[Json] | None) -> None:
            if items is not None:
                self._add_all(items, child_type)
                listed(items)

        self._scheduler.fetch(
            ("children", lid(parent_id), child_type),
            lambda: lister(self._clients, parent_id),
            take,
            self._recorder(parent_id, child_type),
        )

    def _add_all(self, resources: list[Json], resource_type: str) -> None:
        for resource in resources:
            self.add(resource, resource_type)

    def add(self, resource: Json, resource_type: str) -> None:
        resource_id = resource.get("id")
        if not isinstance(resource_id, str) or lid(resource_id) in self.resources:
            return
        key = lid(resource_id)
        # Redacted as it arrives, while the workers wait on ARM, rather than all at the end.
        stored: Json = redact(resource)
        # Some answers omit `type` or shorten it (outbound rules say "workspace/outboundRules").
        if str(stored.get("type", "")).lower() != resource_type.lower():
            stored["type"] = resource_type
        self.resources[key] = stored
        self._wanted.add(key)
        expand = self._expanders.get(resource_type)
        if expand is not None:
            expand(resource)

    # What each resource leads to ---------------------------------------------------------------

    def _privatelink_zones(self) -> None:
        """Every `privatelink.*` zone of the subscriptions in scope, with its links.

        Zones are normally reached through the endpoints' DNS zone groups, which keeps the requests
        per workspace bounded when every team has zones of its own. An endpoint without a zone
        group has its DNS managed by hand: the zone it needs can only be found by name.
        """

        if self._zones_by_name:
            return
        self._zones_by_name = True

        def take(index: Index | None) -> None:
            for zone in index.resources if index else []:
                if str(zone.get("name", "")).lower().startswith("privatelink."):
                    self.add(zone, rt.PRIVATE_DNS_ZONES)

        for subscription in sorted(self._in_scope):
            self.index(subscription, rt.PRIVATE_DNS_ZONES, take)

    def _expand_workspace(self, workspace: Json) -> None:
        properties = props(workspace)
        for key in ("applicationInsights", "hubResourceId"):
            reference = properties.get(key)
            if isinstance(reference, str) and reference:
                self.want(reference)
        for key in ("storageAccount", "keyVault", "containerRegistry"):
            reference = properties.get(key)
            if isinstance(reference, str) and reference:
                self.want(reference)
                # Searched for at once: the endpoints of an associated resource matter (and name
                # their target) even when the resource itself turns out to be absent.
                self._endpoints_targeting(reference)
        self._endpoints_targeting(workspace["id"])
        self._expand_connections(workspace)
        for child_type in (rt.COMPUTES, rt.DATASTORES, rt.ONLINE_ENDPOINTS, rt.LABELING_JOBS):
            self._children(workspace["id"], child_type)
        managed = properties.get("managedNetwork")
        if isinstance(managed, dict) and str(managed.get("isolationMode", "")).lower() in _MANAGED_ISOLATION:
            # The embedded map is not the whole story: rules also live as resources of their own.
            self._children(workspace["id"], rt.OUTBOUND_RULES)
            if str(managed.get("managedNetworkKind", "")).lower() == "v2":
                self.want(f"{workspace['id']}/managedNetworks/default")

    def _expand_associated(self, resource: Json) -> None:
        self._expand_connections(resource)
        for rule in as_list(dig(resource, "properties", "networkAcls", "virtualNetworkRules")):
            subnet = ref_id(rule)
            vnet = vnet_of_subnet(subnet) if subnet else None
            if vnet:
                self.want(vnet)

    def _expand_connections(self, resource: Json) -> None:
        """The endpoints a private-link target names in its own connection list, wherever they are."""
        for connection in as_list(props(resource).get("privateEndpointConnections")):
            endpoint = ref_id(dig(connection, "properties", "privateEndpoint"))
            if endpoint:
                self.want(endpoint)

    def _endpoints_targeting(self, target_id: str) -> None:
        """The endpoints in the listed subscriptions that connect to `target_id`, in case the
        target's own connection list misses one (or the target itself is absent)."""

        def take(index: Index | None) -> None:
            self._add_all(index.targeting(target_id) if index else [], rt.PRIVATE_ENDPOINTS)

        for subscription in sorted(self._in_scope):
            if self._looked_up(subscription, rt.PRIVATE_ENDPOINTS):
                self.index(subscription, rt.PRIVATE_ENDPOINTS, take)

    def _want_subnet_vnet(self, subnet_id: Any) -> None:
        vnet = vnet_of_subnet(subnet_id) if isinstance(subnet_id, str) else None
        if vnet:
            self.want(vnet, core=True)

    def _expand_private_endpoint(self, endpoint: Json) -> None:
        self._want_subnet_vnet(ref_id(dig(endpoint, "properties", "subnet")))

        def listed(groups: list[Json]) -> None:
            if not groups:
                self._privatelink_zones()

        self._children(endpoint["id"], rt.DNS_ZONE_GROUPS, listed)

    def _expand_zone_group(self, group: Json) -> None:
        for config in as_list(dig(group, "properties", "privateDnsZoneConfigs")):
            zone = dig(config, "properties", "privateDnsZoneId")
            if isinstance(zone, str):
                self.want(zone)

    def _expand_compute(self, compute: Json) -> None:
        inner = dig(compute, "properties", "properties")
        if isinstance(inner, dict):
            self._want_subnet_vnet(ref_id(inner.get("subnet")))
            self._want_subnet_vnet(dig(inner, "aksNetworkingConfiguration", "subnetId"))
        # An AKS cluster; other kinds (VMs, Arc clusters) are not types the collector reads.
        cluster = dig(compute, "properties", "resourceId")
        if isinstance(cluster, str):
            self.want(cluster)

    def _expand_cluster(self, cluster: Json) -> None:
        for pool in as_list(dig(cluster, "properties", "agentPoolProfiles")):
            if isinstance(pool, dict):
                self._want_subnet_vnet(pool.get("vnetSubnetID"))
                self._want_subnet_vnet(pool.get("podSubnetID"))

    def _expand_labeling_job(self, job: Json) -> None:
        data = dig(job, "properties", "dataConfiguration", "dataId")
        if isinstance(data, str):
            self.want(data)

    def _expand_vnet(self, vnet: Json) -> None:
        self._operator_paths(vnet)
        self._firewalls.vnet(vnet)
        if lid(vnet["id"]) in self._core_vnets:
            self._expand_core_vnet(vnet)

    def _expand_core_vnet(self, vnet: Json) -> None:
        """A VNet holding endpoints or compute: its peers, and its subnets' NSGs and route tables."""
        for peering in as_list(dig(vnet, "properties", "virtualNetworkPeerings")):
            remote = ref_id(dig(peering, "properties", "remoteVirtualNetwork"))
            if remote:
                self.want(remote)
        for subnet in as_list(dig(vnet, "properties", "subnets")):
            for key in ("networkSecurityGroup", "routeTable"):
                reference = ref_id(dig(subnet, "properties", key))
                if reference:
                    if key == "routeTable":
                        self._firewalls.table_used(reference, vnet["id"])
                    self.want(reference)

    def _operator_paths(self, vnet: Json) -> None:
        """Bastion hosts and virtual network gateways in this VNet, from the back-references ARM keeps
        on each subnet (`ipConfigurations[].id` names the configuration of the resource using it)."""
        for subnet in as_list(dig(vnet, "properties", "subnets")):
            for config in as_list(dig(subnet, "properties", "ipConfigurations")):
                config_id = ref_id(config)
                owner = parent_of(config_id) if config_id else None
                if owner and rt.canonical_type(provider_type_of(owner)) in _OPERATOR_PATHS:
                    self.want(owner)
