"""The ARM resource types the collector reads: their api-versions and how each is listed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from azure.mgmt.containerregistry import ContainerRegistryManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.storage import StorageManagementClient

from auditor.arm import name_of, resource_group_of, subscription_of
from auditor.collect.clients import Clients

Json = dict[str, Any]

WORKSPACES = "Microsoft.MachineLearningServices/workspaces"
COMPUTES = f"{WORKSPACES}/computes"
DATASTORES = f"{WORKSPACES}/datastores"
ONLINE_ENDPOINTS = f"{WORKSPACES}/onlineEndpoints"
DEPLOYMENTS = f"{ONLINE_ENDPOINTS}/deployments"
OUTBOUND_RULES = f"{WORKSPACES}/outboundRules"
MANAGED_NETWORKS = f"{WORKSPACES}/managedNetworks"
LABELING_JOBS = f"{WORKSPACES}/labelingJobs"
DATA_VERSIONS = f"{WORKSPACES}/data/versions"
STORAGE_ACCOUNTS = "Microsoft.Storage/storageAccounts"
VAULTS = "Microsoft.KeyVault/vaults"
REGISTRIES = "Microsoft.ContainerRegistry/registries"
MANAGED_CLUSTERS = "Microsoft.ContainerService/managedClusters"
COMPONENTS = "Microsoft.Insights/components"
VIRTUAL_NETWORKS = "Microsoft.Network/virtualNetworks"
PRIVATE_ENDPOINTS = "Microsoft.Network/privateEndpoints"
DNS_ZONE_GROUPS = f"{PRIVATE_ENDPOINTS}/privateDnsZoneGroups"
SECURITY_GROUPS = "Microsoft.Network/networkSecurityGroups"
ROUTE_TABLES = "Microsoft.Network/routeTables"
PRIVATE_DNS_ZONES = "Microsoft.Network/privateDnsZones"
ZONE_LINKS = f"{PRIVATE_DNS_ZONES}/virtualNetworkLinks"
BASTION_HOSTS = "Microsoft.Network/bastionHosts"
NETWORK_GATEWAYS = "Microsoft.Network/virtualNetworkGateways"
AZURE_FIREWALLS = "Microsoft.Network/azureFirewalls"
FIREWALL_POLICIES = "Microsoft.Network/firewallPolicies"
RULE_COLLECTION_GROUPS = f"{FIREWALL_POLICIES}/ruleCollectionGroups"
IP_GROUPS = "Microsoft.Network/ipGroups"

# Machine Learning is read as raw JSON, not through azure-mgmt-machinelearningservices: its 1.0.1
# release is pinned to api-version 2020-08-01 and its models silently drop publicNetworkAccess,
# managedNetwork, hubResourceId, kind, enableNodePublicIp and every other field the rules judge.
ML_API_VERSION = "2025-12-01"
# Labelling jobs exist only in preview api-versions; a refusal is recorded, not fatal.
LABELING_API_VERSION = "2024-04-01-preview"
NETWORK_API_VERSION = "2026-03-01"
SUBSCRIPTIONS_API_VERSION = "2022-12-01"
RESOURCE_GRAPH_API_VERSION = "2021-03-01"

# Pinned to the defaults of the SDK releases tested (see fake-arm-notes), so that a snapshot says
# which shape it holds whatever SDK release happens to be installed.
API_VERSIONS: dict[str, str] = {
    WORKSPACES: ML_API_VERSION,
    COMPUTES: ML_API_VERSION,
    DATASTORES: ML_API_VERSION,
    ONLINE_ENDPOINTS: ML_API_VERSION,
    DEPLOYMENTS: ML_API_VERSION,
    OUTBOUND_RULES: ML_API_VERSION,
    MANAGED_NETWORKS: ML_API_VERSION,
    LABELING_JOBS: LABELING_API_VERSION,
    DATA_VERSIONS: ML_API_VERSION,
    STORAGE_ACCOUNTS: "2026-09-01",
    VAULTS: "2026-05-15",
    REGISTRIES: "2025-11-01",
    MANAGED_CLUSTERS: "2026-08-01",
    COMPONENTS: "2020-02-02",
    VIRTUAL_NETWORKS: NETWORK_API_VERSION,
    PRIVATE_ENDPOINTS: NETWORK_API_VERSION,
    DNS_ZONE_GROUPS: NETWORK_API_VERSION,
    SECURITY_GROUPS: NETWORK_API_VERSION,
    ROUTE_TABLES: NETWORK_API_VERSION,
    PRIVATE_DNS_ZONES: "2024-06-01",
    ZONE_LINKS: "2024-06-01",
    BASTION_HOSTS: NETWORK_API_VERSION,
    NETWORK_GATEWAYS: NETWORK_API_VERSION,
    AZURE_FIREWALLS: NETWORK_API_VERSION,
    FIREWALL_POLICIES: NETWORK_API_VERSION,
    RULE_COLLECTION_GROUPS: NETWORK_API_VERSION,
    IP_GROUPS: NETWORK_API_VERSION,
}

_CANONICAL = {t.lower(): t for t in API_VERSIONS}


def canonical_type(resource_type: str | None) -> str | None:
    """The type as spelled above, for any casing of it (ids and Resource Graph lower-case it)."""
    return _CANONICAL.get((resource_type or "").lower())


# A lister reads every resource of one type under a scope: a subscription id, a resource-group id,
# or for child types the parent's id.
Lister = Callable[[Clients, str], list[Json]]


def _as_json(models: Iterable[Any]) -> list[Json]:
    # The TypeSpec models keep unknown fields and as_dict() gives back the camelCase REST JSON.
    return [model.as_dict() for model in models]


def _sub(scope: str) -> str:
    return subscription_of(scope) or ""


def _group(scope: str) -> str:
    return resource_group_of(scope) or ""


def _raw_provider_list(resource_type: str) -> Lister:
    return lambda c, scope: c.rest.list(f"{scope}/providers/{resource_type}", API_VERSIONS[resource_type])


def _raw_child_list(resource_type: str) -> Lister:
    segment = resource_type.rsplit("/", 1)[1]
    return lambda c, parent: c.rest.list(f"{parent}/{segment}", API_VERSIONS[resource_type])


# The api-version is pinned where each SDK takes it: on the client for those with one version per
# client (passing it per call there would leak into the HTTP transport), per call for the network
# client, whose operations each default to their own.
def _storage(c: Clients, scope: str) -> StorageManagementClient:
    return c.sdk(StorageManagementClient, _sub(scope), api_version=API_VERSIONS[STORAGE_ACCOUNTS])


def _keyvault(c: Clients, scope: str) -> KeyVaultManagementClient:
    return c.sdk(KeyVaultManagementClient, _sub(scope), api_version=API_VERSIONS[VAULTS])


def _registry(c: Clients, scope: str) -> ContainerRegistryManagementClient:
    return c.sdk(ContainerRegistryManagementClient, _sub(scope), api_version=API_VERSIONS[REGISTRIES])


def _kubernetes(c: Clients, scope: str) -> ContainerServiceClient:
    return c.sdk(ContainerServiceClient, _sub(scope), api_version=API_VERSIONS[MANAGED_CLUSTERS])


def _private_dns(c: Clients, scope: str) -> PrivateDnsManagementClient:
    return c.sdk(PrivateDnsManagementClient, _sub(scope), api_version=API_VERSIONS[PRIVATE_DNS_ZONES])


def _network(c: Clients, scope: str) -> NetworkManagementClient:
    return c.sdk(NetworkManagementClient, _sub(scope))


# Top-level types listed once per subscription. Virtual network gateways have no such list (only one
# per resource group) and are read by id, from the subnet that names them.
SCOPE_LISTS: dict[str, Lister] = {
    WORKSPACES: _raw_provider_list(WORKSPACES),
    COMPONENTS: _raw_provider_list(COMPONENTS),
    STORAGE_ACCOUNTS: lambda c, s: _as_json(_storage(c, s).storage_accounts.list()),
    # vaults.list() is the generic resources API and returns vaults without properties.
    VAULTS: lambda c, s: _as_json(_keyvault(c, s).vaults.list_by_subscription()),
    REGISTRIES: lambda c, s: _as_json(_registry(c, s).registries.list()),
    MANAGED_CLUSTERS: lambda c, s: _as_json(_kubernetes(c, s).managed_clusters.list()),
    PRIVATE_DNS_ZONES: lambda c, s: _as_json(_private_dns(c, s).private_zones.list()),
    VIRTUAL_NETWORKS: lambda c, s: _as_json(_network(c, s).virtual_networks.list_all(api_version=NETWORK_API_VERSION)),
    PRIVATE_ENDPOINTS: lambda c, s: _as_json(
        _network(c, s).private_endpoints.list_by_subscription(api_version=NETWORK_API_VERSION)
    ),
    SECURITY_GROUPS: lambda c, s: _as_json(
        _network(c, s).network_security_groups.list_all(api_version=NETWORK_API_VERSION)
    ),
    ROUTE_TABLES: lambda c, s: _as_json(_network(c, s).route_tables.list_all(api_version=NETWORK_API_VERSION)),
    BASTION_HOSTS: lambda c, s: _as_json(_network(c, s).bastion_hosts.list(api_version=NETWORK_API_VERSION)),
    # Firewall types are read raw: the network SDK's flattened models drop the keys they do not know
    # (fake-arm-notes §3), and rule collections carry fields that newer api-versions add.
    AZURE_FIREWALLS: _raw_provider_list(AZURE_FIREWALLS),
    FIREWALL_POLICIES: _raw_provider_list(FIREWALL_POLICIES),
    IP_GROUPS: _raw_provider_list(IP_GROUPS),
}

CHILD_LISTS: dict[str, Lister] = {
    COMPUTES: _raw_child_list(COMPUTES),
    DATASTORES: _raw_child_list(DATASTORES),
    ONLINE_ENDPOINTS: _raw_child_list(ONLINE_ENDPOINTS),
    DEPLOYMENTS: _raw_child_list(DEPLOYMENTS),
    OUTBOUND_RULES: _raw_child_list(OUTBOUND_RULES),
    LABELING_JOBS: _raw_child_list(LABELING_JOBS),
    DNS_ZONE_GROUPS: lambda c, pe: _as_json(
        _network(c, pe).private_dns_zone_groups.list(
            private_endpoint_name=name_of(pe), resource_group_name=_group(pe), api_version=NETWORK_API_VERSION
        )
    ),
    RULE_COLLECTION_GROUPS: _raw_child_list(RULE_COLLECTION_GROUPS),
    ZONE_LINKS: lambda c, zone: _as_json(
        _private_dns(c, zone).virtual_network_links.list(_group(zone), name_of(zone))
    ),
}


def get_by_id(clients: Clients, resource_id: str, resource_type: str) -> Json:
    """One resource by id, at the api-version this collector reads its type with."""
    return clients.rest.get(resource_id, API_VERSIONS[resource_type])
