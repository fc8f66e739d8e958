"""azurerm → ARM: networking, DNS, AKS, Bastion, gateways, firewalls, NAT (part of the table in azurerm.py)."""

from __future__ import annotations

from auditor.plan.azurerm_common import (
    CONNECTION_FIELDS,
    FIREWALL_RULE_COLLECTION,
    IP_CONFIGURATION,
    NET,
    RG,
    ROUTE_FIELDS,
    SECURITY_RULE_FIELDS,
)
from auditor.plan.mapping import Block, F, Mapping


def _subnet_association(kind: str, attribute: str, arm_property: str) -> Mapping:
    """`azurerm_subnet_<kind>_association`: sets one reference of the subnet."""
    return Mapping(
        f"azurerm_subnet_{kind}_association",
        f"{NET}/virtualNetworks/subnets",
        "{subnet_id}",
        (F("id", attribute),),
        patch=(f"properties.{arm_property}", "set"),
    )


NETWORK_MAPPINGS: tuple[Mapping, ...] = (
    Mapping(
        "azurerm_private_endpoint",
        f"{NET}/privateEndpoints",
        f"{RG}/{NET}/privateEndpoints/{{name}}",
        (
            F("location", "location"),
            F("properties.subnet.id", "subnet_id"),
            Block(
                "properties.privateLinkServiceConnections",
                "private_service_connection",
                CONNECTION_FIELDS,
                where=("is_manual_connection", False),
            ),
            Block(
                "properties.manualPrivateLinkServiceConnections",
                "private_service_connection",
                CONNECTION_FIELDS,
                where=("is_manual_connection", True),
            ),
            Block(
                "privateDnsZoneGroups",
                "private_dns_zone_group",
                (F("name", "name"), F("properties.privateDnsZoneConfigs", "private_dns_zone_ids", "zone_configs")),
            ),
        ),
        about="The `private_dns_zone_group` block is the endpoint's `privateDnsZoneGroups` child.",
    ),
    Mapping(
        "azurerm_virtual_network",
        f"{NET}/virtualNetworks",
        f"{RG}/{NET}/virtualNetworks/{{name}}",
        (
            F("location", "location"),
            F("properties.addressSpace.addressPrefixes", "address_space"),
            F("properties.dhcpOptions.dnsServers", "dns_servers"),
            Block(
                "properties.subnets",
                "subnet",
                (
                    F("name", "name"),
                    F("properties.addressPrefixes", "address_prefixes"),
                    F("properties.addressPrefix", "address_prefix"),
                    F("properties.networkSecurityGroup", "security_group", "ref"),
                    F("properties.routeTable", "route_table_id", "ref"),
                ),
                children_elsewhere=True,
            ),
        ),
        about="Inline `subnet` blocks are the VNet's `subnets`; without them, standalone subnets stay as they are.",
    ),
    Mapping(
        "azurerm_subnet",
        f"{NET}/virtualNetworks/subnets",
        f"{RG}/{NET}/virtualNetworks/{{virtual_network_name}}/subnets/{{name}}",
        (
            F("properties.addressPrefixes", "address_prefixes"),
            F("properties.serviceEndpoints", "service_endpoints", "services"),
            Block(
                "properties.delegations",
                "delegation",
                (F("name", "name"), F("properties.serviceName", "service_delegation.name")),
            ),
        ),
    ),
    _subnet_association("network_security_group", "network_security_group_id", "networkSecurityGroup"),
    _subnet_association("route_table", "route_table_id", "routeTable"),
    _subnet_association("nat_gateway", "nat_gateway_id", "natGateway"),
    Mapping(
        "azurerm_virtual_network_peering",
        f"{NET}/virtualNetworks/virtualNetworkPeerings",
        f"{RG}/{NET}/virtualNetworks/{{virtual_network_name}}/virtualNetworkPeerings/{{name}}",
        (
            F("properties.remoteVirtualNetwork.id", "remote_virtual_network_id"),
            F("properties.allowVirtualNetworkAccess", "allow_virtual_network_access"),
            F("properties.allowForwardedTraffic", "allow_forwarded_traffic"),
            F("properties.allowGatewayTransit", "allow_gateway_transit"),
            F("properties.useRemoteGateways", "use_remote_gateways"),
        ),
        about="`peeringState` is read-only: `Connected` when the planned state holds the reverse peering, "
        "else `Initiated`.",
    ),
    Mapping(
        "azurerm_network_security_group",
        f"{NET}/networkSecurityGroups",
        f"{RG}/{NET}/networkSecurityGroups/{{name}}",
        (
            F("location", "location"),
            Block("properties.securityRules", "security_rule", SECURITY_RULE_FIELDS, children_elsewhere=True),
        ),
    ),
    Mapping(
        "azurerm_network_security_rule",
        f"{NET}/networkSecurityGroups",
        f"{RG}/{NET}/networkSecurityGroups/{{network_security_group_name}}",
        SECURITY_RULE_FIELDS,
        patch=("properties.securityRules", "append"),
    ),
    Mapping(
        "azurerm_route_table",
        f"{NET}/routeTables",
        f"{RG}/{NET}/routeTables/{{name}}",
        (
            F("location", "location"),
            F("properties.disableBgpRoutePropagation", "bgp_route_propagation_enabled", "not"),
            Block("properties.routes", "route", ROUTE_FIELDS, children_elsewhere=True),
        ),
    ),
    Mapping(
        "azurerm_route",
        f"{NET}/routeTables/routes",
        f"{RG}/{NET}/routeTables/{{route_table_name}}/routes/{{name}}",
        ROUTE_FIELDS[1:],
    ),
    Mapping(
        "azurerm_private_dns_zone",
        f"{NET}/privateDnsZones",
        f"{RG}/{NET}/privateDnsZones/{{name}}",
        const=(("location", "global"),),
    ),
    Mapping(
        "azurerm_private_dns_zone_virtual_network_link",
        f"{NET}/privateDnsZones/virtualNetworkLinks",
        f"{RG}/{NET}/privateDnsZones/{{private_dns_zone_name}}/virtualNetworkLinks/{{name}}",
        (
            F("properties.virtualNetwork.id", "virtual_network_id"),
            F("properties.registrationEnabled", "registration_enabled"),
        ),
        const=(("location", "global"),),
    ),
    Mapping(
        "azurerm_kubernetes_cluster",
        "Microsoft.ContainerService/managedClusters",
        f"{RG}/Microsoft.ContainerService/managedClusters/{{name}}",
        (
            F("location", "location"),
            F("properties.apiServerAccessProfile.enablePrivateCluster", "private_cluster_enabled"),
            F("properties.apiServerAccessProfile.authorizedIPRanges", "api_server_access_profile.authorized_ip_ranges"),
            F("properties.networkProfile.networkPlugin", "network_profile.network_plugin"),
            F("properties.networkProfile.outboundType", "network_profile.outbound_type"),
            F("properties.networkProfile.loadBalancerSku", "network_profile.load_balancer_sku"),
            Block(
                "properties.agentPoolProfiles",
                "default_node_pool",
                (F("name", "name"), F("vnetSubnetID", "vnet_subnet_id"), F("vmSize", "vm_size")),
                const=(("mode", "System"),),
            ),
        ),
    ),
    Mapping(
        "azurerm_kubernetes_cluster_node_pool",
        "Microsoft.ContainerService/managedClusters/agentPools",
        "{kubernetes_cluster_id}/agentPools/{name}",
        (
            F("properties.vnetSubnetID", "vnet_subnet_id"),
            F("properties.vmSize", "vm_size"),
            F("properties.mode", "mode"),
        ),
    ),
    Mapping(
        "azurerm_bastion_host",
        f"{NET}/bastionHosts",
        f"{RG}/{NET}/bastionHosts/{{name}}",
        (F("location", "location"), F("sku.name", "sku"), IP_CONFIGURATION),
    ),
    Mapping(
        "azurerm_virtual_network_gateway",
        f"{NET}/virtualNetworkGateways",
        f"{RG}/{NET}/virtualNetworkGateways/{{name}}",
        (
            F("location", "location"),
            F("properties.gatewayType", "type"),
            F("properties.vpnType", "vpn_type"),
            IP_CONFIGURATION,
        ),
    ),
    Mapping(
        "azurerm_firewall",
        f"{NET}/azureFirewalls",
        f"{RG}/{NET}/azureFirewalls/{{name}}",
        (
            F("location", "location"),
            F("properties.sku.name", "sku_name"),
            F("properties.sku.tier", "sku_tier"),
            F("properties.threatIntelMode", "threat_intel_mode"),
            F("properties.firewallPolicy", "firewall_policy_id", "ref"),
            IP_CONFIGURATION,
        ),
    ),
    Mapping(
        "azurerm_firewall_policy",
        f"{NET}/firewallPolicies",
        f"{RG}/{NET}/firewallPolicies/{{name}}",
        (
            F("location", "location"),
            F("properties.sku.tier", "sku"),
            F("properties.basePolicy", "base_policy_id", "ref"),
            F("properties.threatIntelMode", "threat_intelligence_mode"),
            F("properties.dnsSettings.enableProxy", "dns.proxy_enabled"),
            F("properties.dnsSettings.servers", "dns.servers"),
        ),
    ),
    Mapping(
        "azurerm_firewall_policy_rule_collection_group",
        f"{NET}/firewallPolicies/ruleCollectionGroups",
        "{firewall_policy_id}/ruleCollectionGroups/{name}",
        (
            F("properties.priority", "priority"),
            Block(
                "properties.ruleCollections",
                "application_rule_collection",
                (
                    *FIREWALL_RULE_COLLECTION,
                    Block(
                        "rules",
                        "rule",
                        (
                            F("name", "name"),
                            F("sourceAddresses", "source_addresses"),
                            F("sourceIpGroups", "source_ip_groups"),
                            F("targetFqdns", "destination_fqdns"),
                            F("fqdnTags", "destination_fqdn_tags"),
                            F("targetUrls", "destination_urls"),
                            F("webCategories", "web_categories"),
                            F("protocols", "protocols", "protocols"),
                        ),
                        const=(("ruleType", "ApplicationRule"),),
                    ),
                ),
                const=(("ruleCollectionType", "FirewallPolicyFilterRuleCollection"),),
            ),
            Block(
                "properties.ruleCollections",
                "network_rule_collection",
                (
                    *FIREWALL_RULE_COLLECTION,
                    Block(
                        "rules",
                        "rule",
                        (
                            F("name", "name"),
                            F("ipProtocols", "protocols"),
                            F("sourceAddresses", "source_addresses"),
                            F("sourceIpGroups", "source_ip_groups"),
                            F("destinationAddresses", "destination_addresses"),
                            F("destinationIpGroups", "destination_ip_groups"),
                            F("destinationFqdns", "destination_fqdns"),
                            F("destinationPorts", "destination_ports"),
                        ),
                        const=(("ruleType", "NetworkRule"),),
                    ),
                ),
                const=(("ruleCollectionType", "FirewallPolicyFilterRuleCollection"),),
            ),
        ),
    ),
    Mapping(
        "azurerm_ip_group",
        f"{NET}/ipGroups",
        f"{RG}/{NET}/ipGroups/{{name}}",
        (F("location", "location"), F("properties.ipAddresses", "cidrs")),
    ),
    Mapping(
        "azurerm_nat_gateway",
        f"{NET}/natGateways",
        f"{RG}/{NET}/natGateways/{{name}}",
        (F("location", "location"), F("sku.name", "sku_name")),
    ),
    Mapping(
        "azurerm_nat_gateway_public_ip_association",
        f"{NET}/natGateways",
        "{nat_gateway_id}",
        (F("id", "public_ip_address_id"),),
        patch=("properties.publicIpAddresses", "append"),
    ),
    Mapping(
        "azurerm_application_insights",
        "Microsoft.Insights/components",
        f"{RG}/Microsoft.Insights/components/{{name}}",
        (F("location", "location"), F("kind", "application_type")),
    ),
)
