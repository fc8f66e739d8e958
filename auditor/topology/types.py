"""Resource types in ARM's casing (for declarations and messages) and lower-cased (for lookups), and
the key of the one network that has no ARM id: a managed network workspace's VNet."""

from __future__ import annotations

WORKSPACE_TYPE = "Microsoft.MachineLearningServices/workspaces"
COMPUTE_TYPE = "Microsoft.MachineLearningServices/workspaces/computes"
DATASTORE_TYPE = "Microsoft.MachineLearningServices/workspaces/datastores"
ONLINE_ENDPOINT_TYPE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
DEPLOYMENT_TYPE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
LABELING_JOB_TYPE = "Microsoft.MachineLearningServices/workspaces/labelingJobs"
DATA_VERSION_TYPE = "Microsoft.MachineLearningServices/workspaces/data/versions"
OUTBOUND_RULE_TYPE = "Microsoft.MachineLearningServices/workspaces/outboundRules"
MANAGED_NETWORK_TYPE = "Microsoft.MachineLearningServices/workspaces/managedNetworks"
PRIVATE_ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints"
DNS_ZONE_GROUP_TYPE = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
PEERING_TYPE = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
NSG_TYPE = "Microsoft.Network/networkSecurityGroups"
ROUTE_TABLE_TYPE = "Microsoft.Network/routeTables"
ROUTE_TYPE = "Microsoft.Network/routeTables/routes"
DNS_ZONE_TYPE = "Microsoft.Network/privateDnsZones"
DNS_LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
BASTION_TYPE = "Microsoft.Network/bastionHosts"
VNET_GATEWAY_TYPE = "Microsoft.Network/virtualNetworkGateways"
STORAGE_TYPE = "Microsoft.Storage/storageAccounts"
KEY_VAULT_TYPE = "Microsoft.KeyVault/vaults"
REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
AKS_TYPE = "Microsoft.ContainerService/managedClusters"
AGENT_POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools"
ARC_CLUSTER_TYPE = "Microsoft.Kubernetes/connectedClusters"

WORKSPACE = WORKSPACE_TYPE.lower()
COMPUTE = COMPUTE_TYPE.lower()
DATASTORE = DATASTORE_TYPE.lower()
ONLINE_ENDPOINT = ONLINE_ENDPOINT_TYPE.lower()
DEPLOYMENT = DEPLOYMENT_TYPE.lower()
LABELING_JOB = LABELING_JOB_TYPE.lower()
DATA_VERSION = DATA_VERSION_TYPE.lower()
OUTBOUND_RULE = OUTBOUND_RULE_TYPE.lower()
MANAGED_NETWORK = MANAGED_NETWORK_TYPE.lower()
PRIVATE_ENDPOINT = PRIVATE_ENDPOINT_TYPE.lower()
DNS_ZONE_GROUP = DNS_ZONE_GROUP_TYPE.lower()
VNET = VNET_TYPE.lower()
SUBNET = SUBNET_TYPE.lower()
PEERING = PEERING_TYPE.lower()
NSG = NSG_TYPE.lower()
ROUTE_TABLE = ROUTE_TABLE_TYPE.lower()
ROUTE = ROUTE_TYPE.lower()
DNS_ZONE = DNS_ZONE_TYPE.lower()
DNS_LINK = DNS_LINK_TYPE.lower()
BASTION = BASTION_TYPE.lower()
VNET_GATEWAY = VNET_GATEWAY_TYPE.lower()
STORAGE = STORAGE_TYPE.lower()
KEY_VAULT = KEY_VAULT_TYPE.lower()
REGISTRY = REGISTRY_TYPE.lower()
AKS = AKS_TYPE.lower()
AGENT_POOL = AGENT_POOL_TYPE.lower()
ARC_CLUSTER = ARC_CLUSTER_TYPE.lower()


def managed_vnet_key(workspace_id: str) -> str:
    """The managed VNet of a managed network workspace, as named in evidence (catalogue §1)."""
    return f"managed-vnet:{workspace_id}"


def is_managed_vnet(vnet_key: str) -> bool:
    return vnet_key.startswith("managed-vnet:")
