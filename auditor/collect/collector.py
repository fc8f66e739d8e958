"""Live collection: from a scope to the raw ARM resources that its workspaces' rules read.

Every mode works the same way: find the workspaces to audit, then follow each one's references
(associated resources, private endpoints, subnets, peerings, DNS zones, computes...) until its
closure is read. How a referenced resource is read depends on the scope:

- auditing whole subscriptions, each top-level type is listed once per subscription (from Resource
  Graph at tenant scale) and references are looked up in those lists, so the requests spent on a
  workspace do not grow with how many workspaces a subscription holds;
- auditing named workspaces (`--workspace`), references are read one by one, by id, so that their
  cost does not depend on the size of the subscription either. A private-link target names every
  endpoint connected to it, so no list of endpoints is needed to find them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import AzureError, ClientAuthenticationError, ResourceNotFoundError

from auditor.arm import (
    as_list,
    dig,
    lid,
    name_of,
    parent_of,
    props,
    provider_type_of,
    ref_id,
    resource_group_of,
    subscription_of,
    vnet_of_subnet,
)
from auditor.collect import graph
from auditor.collect import resource_types as rt
from auditor.collect.clients import Clients
from auditor.collect.credentials import build_credential
from auditor.collect.index import Index
from auditor.collect.policies import Deadline
from auditor.collect.redact import redact
from auditor.collect.scheduler import Scheduler
from auditor.collect.scope import Scope
from auditor.collect.settings import ConnectionSettings
from auditor.collect.snapshot import build_snapshot, error_entry

Json = dict[str, Any]

# Types looked up in their subscription's list rather than fetched one by one. Workspaces are always
# fetched by id, at the ML api-version, whatever found them.
_LISTED_TYPES = set(rt.SCOPE_LISTS) - {rt.WORKSPACES}
# How operators reach a private workspace (AML-NET-004).
_OPERATOR_PATHS = {rt.BASTION_HOSTS, rt.NETWORK_GATEWAYS}
_MANAGED_ISOLATION = {"allowinternetoutbound", "allowonlyapprovedoutbound"}
_EMPTY = Index([])


class CollectionError(Exception):
    """The collection cannot start, or cannot find what it was asked to audit."""


class _Crawl:
    """The resources collected so far and the rules for what each one leads to."""

    def __init__(
        self,
        clients: Clients,
        scheduler: Scheduler,
        in_scope: set[str],
        graph_index: dict[tuple[str, str], Index] | None,
        whole_subscriptions: bool,
    ) -> None:
        self._clients = clients
        self._scheduler = scheduler
        # Subscriptions audited (lower-case ids); anything elsewhere is always read by id.
        self._in_scope = in_scope
        self._graph = graph_index
        self._whole_subscriptions = whole_subscriptions
        self.resources: dict[str, Json] = {}
        self.errors: list[Json] = []
        self._wanted: set[str] = set()
        self._core_vnets: set[str] = set()
        self._zones_by_name = False
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
        }

    # Fetching -------------------------------------------------------------------------------

    def _recorder(self, scope: str, resource_type: str) -> Callable[[AzureError], None]:
        return lambda exc: self.errors.append(error_entry(scope, [resource_type], exc))

    def index(self, subscription: str, resource_type: str, then: Callable[[Index | None], None]) -> None:
        """Every `resource_type` of a subscription (lower-case id), listed once; None if that failed."""
        if self._graph is not None and subscription in self._in_scope:
            then(self._graph.get((subscription, resource_type), _EMPTY))
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
        if self._graph is not None or not self._whole_subscriptions:
            return
        for subscription in sorted(self._in_scope):
            for resource_type in sorted(_LISTED_TYPES):
                self.index(subscription, resource_type, lambda index: None)

    def _looked_up(self, subscription: str) -> bool:
        """Whether this subscription's resources are found in its lists rather than read by id."""
        return subscription in self._in_scope and (self._graph is not None or self._whole_subscriptions)

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
        if resource_type in _LISTED_TYPES and self._looked_up(subscription):

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
            if self._looked_up(subscription):
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


class _Progress:
    """A live line on stderr while collecting; nothing when disabled."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._update: Callable[[str], None] = lambda text: None

    @contextlib.contextmanager
    def shown(self) -> Iterator[None]:
        if not self._enabled:
            yield
            return
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn

        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), console=Console(stderr=True), transient=True
        ) as progress:
            task = progress.add_task("Connecting to ARM")
            self._update = lambda text: progress.update(task, description=text)
            yield

    def report(self, done: int, pending: int, resources: int) -> None:
        self._update(f"Collecting: {done} requests answered, {pending} in flight, {resources} resources")


def collect_snapshot(scope: Scope, settings: ConnectionSettings, progress: bool = True) -> Json:
    """Read the workspaces of `scope` and everything their rules need from ARM, read-only.

    Failed reads become `errors` entries and collection goes on. Raises CollectionError when no
    token can be had, the subscriptions of a tenant or management group cannot be listed, or a
    workspace named in `scope` does not exist.
    """
    credential = build_credential(settings)
    try:
        credential.get_token(settings.scope, tenant_id=settings.tenant)
    except ClientAuthenticationError as exc:
        raise CollectionError(f"no ARM token could be obtained: {exc.message}") from exc

    deadline = Deadline(settings.timeout)
    clients = Clients(settings, credential, deadline)
    executor = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="amlaudit-collect")
    view = _Progress(progress)
    crawl: _Crawl | None = None
    try:
        with view.shown():
            scheduler = Scheduler(
                executor,
                deadline,
                lambda done, pending: view.report(done, pending, len(crawl.resources) if crawl else 0),
            )
            discovery = _discover(scope, clients, scheduler)
            crawl = _Crawl(
                clients,
                scheduler,
                {s.lower() for s in discovery.subscriptions},
                discovery.graph_index,
                whole_subscriptions=not scope.workspaces,
            )
            crawl.errors.extend(discovery.errors)
            targets = _select_workspaces(scope, discovery)
            if targets:
                crawl.prefetch()
            for workspace_id in targets:
                crawl.want(workspace_id, target=True)
            scheduler.run()
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
        clients.close()
        close = getattr(credential, "close", None)
        if settings.credential is None and callable(close):
            close()

    assert crawl is not None  # set before anything could fail silently
    tenants = discovery.tenants
    return build_snapshot(
        cloud=settings.cloud,
        tenant=settings.tenant or (next(iter(tenants)) if len(tenants) == 1 else None),
        subscriptions=sorted(discovery.subscriptions, key=str.lower),
        api_versions=dict(rt.API_VERSIONS),
        resources=[crawl.resources[key] for key in sorted(crawl.resources)],
        errors=sorted(crawl.errors, key=lambda e: (e["scope"].lower(), e["resource_types"])),
    )


@dataclass
class _Discovery:
    """What is known before the crawl: the subscriptions audited, their tenants, the Resource Graph
    index (tenant scale only), the workspaces found by listing (None when the scope names
    workspaces by id only) and the listings that failed."""

    subscriptions: list[str]
    tenants: set[str] = field(default_factory=set)
    graph_index: dict[tuple[str, str], Index] | None = None
    found: list[str] | None = None
    errors: list[Json] = field(default_factory=list)


def _discover(scope: Scope, clients: Clients, scheduler: Scheduler) -> _Discovery:
    if scope.uses_resource_graph:
        try:
            if scope.management_group:
                subscriptions = graph.management_group_subscriptions(clients, scope.management_group)
            else:
                subscriptions = graph.tenant_subscriptions(clients)
            ids = [s.subscription_id for s in subscriptions]
            rows = graph.top_level_resources(clients, ids)
        except AzureError as exc:
            raise CollectionError(f"Resource Graph could not be read: {str(exc).splitlines()[0]}") from exc
        return _Discovery(
            subscriptions=ids,
            tenants={s.tenant_id for s in subscriptions if s.tenant_id},
            graph_index=_graph_index(rows),
            found=[r["id"] for r in rows if r.get("type") == rt.WORKSPACES and isinstance(r.get("id"), str)],
        )

    named = [*scope.subscriptions, *(subscription_of(w) or "" for w in scope.workspace_ids)]
    discovery = _Discovery(subscriptions=list(dict.fromkeys(named)))
    if scope.workspaces and not scope.workspace_names:
        return discovery
    found: list[str] = []
    discovery.found = found
    for subscription in scope.subscriptions:
        where = f"/subscriptions/{subscription}"
        if scope.resource_group:
            where += f"/resourceGroups/{scope.resource_group}"
        _list_workspaces(clients, scheduler, where, discovery)
    scheduler.run()
    return discovery


def _list_workspaces(clients: Clients, scheduler: Scheduler, scope: str, discovery: _Discovery) -> None:
    def take(items: list[Json] | None) -> None:
        assert discovery.found is not None
        discovery.found.extend(i["id"] for i in items or [] if isinstance(i.get("id"), str))

    def failed(exc: AzureError) -> None:
        discovery.errors.append(error_entry(scope, [rt.WORKSPACES], exc))

    scheduler.fetch(("discover", scope.lower()), lambda: rt.SCOPE_LISTS[rt.WORKSPACES](clients, scope), take, failed)


def _graph_index(rows: list[Json]) -> dict[tuple[str, str], Index]:
    grouped: dict[tuple[str, str], list[Json]] = {}
    for row in rows:
        subscription = subscription_of(str(row.get("id", "")))
        if subscription and isinstance(row.get("type"), str):
            grouped.setdefault((subscription.lower(), row["type"]), []).append(row)
    return {key: Index(resources) for key, resources in grouped.items()}


def _select_workspaces(scope: Scope, discovery: _Discovery) -> list[str]:
    """The workspace ids to audit: those given by id, those named, or every one found."""
    targets = list(scope.workspace_ids)
    if discovery.found is None:
        return targets
    group = (scope.resource_group or "").lower()
    found = [w for w in discovery.found if not group or (resource_group_of(w) or "").lower() == group]
    if not scope.workspaces:
        return found
    missing = []
    for name in scope.workspace_names:
        matches = [w for w in found if name_of(w).lower() == name.lower()]
        if not matches:
            missing.append(name)
        targets.extend(matches)
    if missing:
        failed = "; ".join(f"{e['scope']}: {e['code']}" for e in discovery.errors)
        raise CollectionError(
            f"no workspace named {', '.join(missing)} in scope" + (f" (listing failed: {failed})" if failed else "")
        )
    return targets
