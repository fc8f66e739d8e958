"""The ARM resource types amlaudit reads; a plan's resources of other types are ignored (counted)."""

from __future__ import annotations

READ_TYPES = frozenset(
    t.lower()
    for t in (
        "Microsoft.MachineLearningServices/workspaces",
        "Microsoft.MachineLearningServices/workspaces/computes",
        "Microsoft.MachineLearningServices/workspaces/datastores",
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
        "Microsoft.MachineLearningServices/workspaces/outboundRules",
        "Microsoft.MachineLearningServices/workspaces/managedNetworks",
        "Microsoft.MachineLearningServices/workspaces/labelingJobs",
        "Microsoft.MachineLearningServices/workspaces/data/versions",
        "Microsoft.Storage/storageAccounts",
        "Microsoft.KeyVault/vaults",
        "Microsoft.ContainerRegistry/registries",
        "Microsoft.ContainerService/managedClusters",
        "Microsoft.ContainerService/managedClusters/agentPools",
        "Microsoft.Kubernetes/connectedClusters",
        "Microsoft.Insights/components",
        "Microsoft.Network/virtualNetworks",
        "Microsoft.Network/virtualNetworks/subnets",
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/networkSecurityGroups/securityRules",
        "Microsoft.Network/routeTables",
        "Microsoft.Network/routeTables/routes",
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "Microsoft.Network/bastionHosts",
        "Microsoft.Network/virtualNetworkGateways",
        "Microsoft.Network/azureFirewalls",
        "Microsoft.Network/firewallPolicies",
        "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
        "Microsoft.Network/ipGroups",
        "Microsoft.Network/natGateways",
    )
)

PRIVATE_ENDPOINT = "microsoft.network/privateendpoints"
PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"
VNET = "microsoft.network/virtualnetworks"
SECURITY_RULE = "microsoft.network/networksecuritygroups/securityrules"

# Child lists a parent's body may carry inline: a body that has the list defines all of them (ARM
# replaces the whole list on PUT); a body without it leaves the children as they are.
INLINE_CHILDREN: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "microsoft.network/virtualnetworks": (
        ("subnets", ("properties", "subnets")),
        ("virtualnetworkpeerings", ("properties", "virtualNetworkPeerings")),
    ),
    "microsoft.network/routetables": (("routes", ("properties", "routes")),),
    "microsoft.network/networksecuritygroups": (("securityrules", ("properties", "securityRules")),),
    "microsoft.containerservice/managedclusters": (("agentpools", ("properties", "agentPoolProfiles")),),
}


def is_read(resource_type: str) -> bool:
    return resource_type.lower() in READ_TYPES
