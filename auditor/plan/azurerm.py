"""azurerm resource types as ARM resources: one table, read by `auditor.plan.terraform`.

docs/terraform.md is generated from this table (scripts/gen_terraform_docs.py; a test keeps it current).
"""

from __future__ import annotations

from auditor.plan.mapping import Block, F, Mapping

NET = "Microsoft.Network"
ML = "Microsoft.MachineLearningServices/workspaces"
RG = "{rg}/providers"

_IP_CONFIGURATION = Block(
    "properties.ipConfigurations",
    "ip_configuration",
    (
        F("name", "name"),
        F("properties.subnet", "subnet_id", "ref"),
        F("properties.publicIPAddress", "public_ip_address_id", "ref"),
        F("properties.privateIPAddress", "private_ip_address"),
    ),
)
_SECURITY_RULE_FIELDS: tuple[F | Block, ...] = (
    F("name", "name"),
    F("properties.priority", "priority"),
    F("properties.direction", "direction"),
    F("properties.access", "access"),
    F("properties.protocol", "protocol"),
    F("properties.sourcePortRange", "source_port_range"),
    F("properties.sourcePortRanges", "source_port_ranges"),
    F("properties.destinationPortRange", "destination_port_range"),
    F("properties.destinationPortRanges", "destination_port_ranges"),
    F("properties.sourceAddressPrefix", "source_address_prefix"),
    F("properties.sourceAddressPrefixes", "source_address_prefixes"),
    F("properties.destinationAddressPrefix", "destination_address_prefix"),
    F("properties.destinationAddressPrefixes", "destination_address_prefixes"),
    F("properties.sourceApplicationSecurityGroups", "source_application_security_group_ids", "refs"),
    F("properties.destinationApplicationSecurityGroups", "destination_application_security_group_ids", "refs"),
)
_ROUTE_FIELDS: tuple[F | Block, ...] = (
    F("name", "name"),
    F("properties.addressPrefix", "address_prefix"),
    F("properties.nextHopType", "next_hop_type"),
    F("properties.nextHopIpAddress", "next_hop_in_ip_address"),
)
_PRIVATE_LINK_ACCESS: tuple[F | Block, ...] = (
    F("resourceId", "endpoint_resource_id"),
    F("tenantId", "endpoint_tenant_id"),
)
_STORAGE_ACLS: tuple[F | Block, ...] = (
    F("defaultAction", "default_action"),
    F("bypass", "bypass", "csv"),
    F("ipRules", "ip_rules", "allow_values"),
    F("virtualNetworkRules", "virtual_network_subnet_ids", "allow_ids"),
    Block("resourceAccessRules", "private_link_access", _PRIVATE_LINK_ACCESS),
)
_CONNECTION_FIELDS: tuple[F | Block, ...] = (
    F("name", "name"),
    F("properties.privateLinkServiceId", "private_connection_resource_id"),
    F("properties.groupIds", "subresource_names"),
    F("properties.requestMessage", "request_message"),
)
_FIREWALL_RULE_COLLECTION = (
    F("name", "name"),
    F("priority", "priority"),
    F("action.type", "action"),
)
_OUTBOUND = f"{ML}/outboundRules"

MAPPINGS: tuple[Mapping, ...] = (
    Mapping(
        "azurerm_machine_learning_workspace",
        ML,
        f"{RG}/{ML}/{{name}}",
        (
            F("location", "location"),
            F("kind", "kind"),
            F("identity.type", "identity.type"),
            F("sku.name", "sku_name"),
            F("properties.publicNetworkAccess", "public_network_access_enabled", "enabled"),
            F("properties.imageBuildCompute", "image_build_compute_name"),
            F("properties.storageAccount", "storage_account_id"),
            F("properties.keyVault", "key_vault_id"),
            F("properties.containerRegistry", "container_registry_id"),
            F("properties.applicationInsights", "application_insights_id"),
            F("properties.v1LegacyMode", "v1_legacy_mode_enabled"),
            F("properties.hbiWorkspace", "high_business_impact"),
            F("properties.managedNetwork.isolationMode", "managed_network.isolation_mode"),
            F("properties.serverlessComputeSettings.serverlessComputeCustomSubnet", "serverless_compute.subnet_id"),
            F(
                "properties.serverlessComputeSettings.serverlessComputeNoPublicIP",
                "serverless_compute.public_ip_enabled",
                "not",
            ),
        ),
    ),
    Mapping(
        "azurerm_machine_learning_workspace_network_outbound_rule_fqdn",
        _OUTBOUND,
        "{workspace_id}/outboundRules/{name}",
        (F("properties.destination", "destination_fqdn"),),
        const=(("properties.type", "FQDN"), ("properties.category", "UserDefined")),
    ),
    Mapping(
        "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint",
        _OUTBOUND,
        "{workspace_id}/outboundRules/{name}",
        (
            F("properties.destination.serviceResourceId", "service_resource_id"),
            F("properties.destination.subresourceTarget", "sub_resource_target"),
            F("properties.destination.sparkEnabled", "spark_enabled"),
        ),
        const=(("properties.type", "PrivateEndpoint"), ("properties.category", "UserDefined")),
    ),
    Mapping(
        "azurerm_machine_learning_workspace_network_outbound_rule_service_tag",
        _OUTBOUND,
        "{workspace_id}/outboundRules/{name}",
        (
            F("properties.destination.serviceTag", "service_tag"),
            F("properties.destination.protocol", "protocol"),
            F("properties.destination.portRanges", "port_ranges"),
        ),
        const=(("properties.type", "ServiceTag"), ("properties.category", "UserDefined")),
    ),
    Mapping(
        "azurerm_machine_learning_compute_instance",
        f"{ML}/computes",
        "{machine_learning_workspace_id}/computes/{name}",
        (
            F("location", "location"),
            F("properties.computeLocation", "location"),
            F("properties.disableLocalAuth", "local_auth_enabled", "not"),
            F("properties.properties.vmSize", "virtual_machine_size"),
            F("properties.properties.subnet.id", "subnet_resource_id"),
            F("properties.properties.enableNodePublicIp", "node_public_ip_enabled"),
            F("properties.properties.sshSettings.sshPublicAccess", "ssh", "present"),
            F("properties.properties.sshSettings.adminPublicKey", "ssh.public_key"),
        ),
        const=(("properties.computeType", "ComputeInstance"),),
    ),
    Mapping(
        "azurerm_machine_learning_compute_cluster",
        f"{ML}/computes",
        "{machine_learning_workspace_id}/computes/{name}",
        (
            F("location", "location"),
            F("properties.computeLocation", "location"),
            F("properties.disableLocalAuth", "local_auth_enabled", "not"),
            F("properties.properties.vmSize", "vm_size"),
            F("properties.properties.vmPriority", "vm_priority"),
            F("properties.properties.subnet.id", "subnet_resource_id"),
            F("properties.properties.enableNodePublicIp", "node_public_ip_enabled"),
            F("properties.properties.remoteLoginPortPublicAccess", "ssh_public_access_enabled", "enabled"),
            F("properties.properties.scaleSettings.minNodeCount", "scale_settings.min_node_count"),
            F("properties.properties.scaleSettings.maxNodeCount", "scale_settings.max_node_count"),
        ),
        const=(("properties.computeType", "AmlCompute"),),
    ),
    Mapping(
        "azurerm_machine_learning_inference_cluster",
        f"{ML}/computes",
        "{machine_learning_workspace_id}/computes/{name}",
        (
            F("location", "location"),
            F("properties.computeLocation", "location"),
            F("properties.resourceId", "kubernetes_cluster_id"),
            F("properties.properties.clusterPurpose", "cluster_purpose"),
        ),
        const=(("properties.computeType", "AKS"),),
    ),
    Mapping(
        "azurerm_machine_learning_datastore_blobstorage",
        f"{ML}/datastores",
        "{workspace_id}/datastores/{name}",
        (
            F("properties.accountName", "storage_container_id", "account"),
            F("properties.serviceDataAccessAuthIdentity", "service_data_auth_identity"),
            F("properties.isDefault", "is_default"),
        ),
        const=(("properties.datastoreType", "AzureBlob"),),
    ),
    Mapping(
        "azurerm_machine_learning_datastore_fileshare",
        f"{ML}/datastores",
        "{workspace_id}/datastores/{name}",
        (
            F("properties.accountName", "storage_fileshare_id", "account"),
            F("properties.serviceDataAccessAuthIdentity", "service_data_identity"),
        ),
        const=(("properties.datastoreType", "AzureFile"),),
    ),
    Mapping(
        "azurerm_machine_learning_datastore_datalake_gen2",
        f"{ML}/datastores",
        "{workspace_id}/datastores/{name}",
        (
            F("properties.accountName", "storage_container_id", "account"),
            F("properties.serviceDataAccessAuthIdentity", "service_data_identity"),
        ),
        const=(("properties.datastoreType", "AzureDataLakeGen2"),),
    ),
    Mapping(
        "azurerm_storage_account",
        "Microsoft.Storage/storageAccounts",
        f"{RG}/Microsoft.Storage/storageAccounts/{{name}}",
        (
            F("location", "location"),
            F("kind", "account_kind"),
            F("properties.publicNetworkAccess", "public_network_access_enabled", "enabled"),
            F("properties.isHnsEnabled", "is_hns_enabled"),
            *(
                F(f"properties.networkAcls.{f.arm}", f"network_rules.{f.tf}", f.conv)
                for f in _STORAGE_ACLS
                if isinstance(f, F)
            ),
            Block(
                "properties.networkAcls.resourceAccessRules",
                "network_rules.private_link_access",
                _PRIVATE_LINK_ACCESS,
            ),
        ),
    ),
    Mapping(
        "azurerm_storage_account_network_rules",
        "Microsoft.Storage/storageAccounts",
        "{storage_account_id}",
        _STORAGE_ACLS,
        patch=("properties.networkAcls", "set"),
    ),
    Mapping(
        "azurerm_key_vault",
        "Microsoft.KeyVault/vaults",
        f"{RG}/Microsoft.KeyVault/vaults/{{name}}",
        (
            F("location", "location"),
            F("properties.tenantId", "tenant_id"),
            F("properties.sku.name", "sku_name"),
            F("properties.publicNetworkAccess", "public_network_access_enabled", "enabled"),
            F("properties.networkAcls.defaultAction", "network_acls.default_action"),
            F("properties.networkAcls.bypass", "network_acls.bypass"),
            F("properties.networkAcls.ipRules", "network_acls.ip_rules", "values"),
            F("properties.networkAcls.virtualNetworkRules", "network_acls.virtual_network_subnet_ids", "refs"),
        ),
    ),
    Mapping(
        "azurerm_container_registry",
        "Microsoft.ContainerRegistry/registries",
        f"{RG}/Microsoft.ContainerRegistry/registries/{{name}}",
        (
            F("location", "location"),
            F("sku.name", "sku"),
            F("properties.adminUserEnabled", "admin_enabled"),
            F("properties.publicNetworkAccess", "public_network_access_enabled", "enabled"),
            F("properties.networkRuleBypassOptions", "network_rule_bypass_option"),
            F("properties.networkRuleSet.defaultAction", "network_rule_set.default_action"),
            Block(
                "properties.networkRuleSet.ipRules",
                "network_rule_set.ip_rule",
                (F("action", "action"), F("value", "ip_range")),
            ),
        ),
    ),
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
                _CONNECTION_FIELDS,
                where=("is_manual_connection", False),
            ),
            Block(
                "properties.manualPrivateLinkServiceConnections",
                "private_service_connection",
                _CONNECTION_FIELDS,
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
    Mapping(
        "azurerm_subnet_network_security_group_association",
        f"{NET}/virtualNetworks/subnets",
        "{subnet_id}",
        (F("id", "network_security_group_id"),),
        patch=("properties.networkSecurityGroup", "set"),
    ),
    Mapping(
        "azurerm_subnet_route_table_association",
        f"{NET}/virtualNetworks/subnets",
        "{subnet_id}",
        (F("id", "route_table_id"),),
        patch=("properties.routeTable", "set"),
    ),
    Mapping(
        "azurerm_subnet_nat_gateway_association",
        f"{NET}/virtualNetworks/subnets",
        "{subnet_id}",
        (F("id", "nat_gateway_id"),),
        patch=("properties.natGateway", "set"),
    ),
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
            Block("properties.securityRules", "security_rule", _SECURITY_RULE_FIELDS, children_elsewhere=True),
        ),
    ),
    Mapping(
        "azurerm_network_security_rule",
        f"{NET}/networkSecurityGroups",
        f"{RG}/{NET}/networkSecurityGroups/{{network_security_group_name}}",
        _SECURITY_RULE_FIELDS,
        patch=("properties.securityRules", "append"),
    ),
    Mapping(
        "azurerm_route_table",
        f"{NET}/routeTables",
        f"{RG}/{NET}/routeTables/{{name}}",
        (
            F("location", "location"),
            F("properties.disableBgpRoutePropagation", "bgp_route_propagation_enabled", "not"),
            Block("properties.routes", "route", _ROUTE_FIELDS, children_elsewhere=True),
        ),
    ),
    Mapping(
        "azurerm_route",
        f"{NET}/routeTables/routes",
        f"{RG}/{NET}/routeTables/{{route_table_name}}/routes/{{name}}",
        _ROUTE_FIELDS[1:],
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
        (F("location", "location"), F("sku.name", "sku"), _IP_CONFIGURATION),
    ),
    Mapping(
        "azurerm_virtual_network_gateway",
        f"{NET}/virtualNetworkGateways",
        f"{RG}/{NET}/virtualNetworkGateways/{{name}}",
        (
            F("location", "location"),
            F("properties.gatewayType", "type"),
            F("properties.vpnType", "vpn_type"),
            Block(
                "properties.ipConfigurations",
                "ip_configuration",
                (
                    F("name", "name"),
                    F("properties.subnet", "subnet_id", "ref"),
                    F("properties.publicIPAddress", "public_ip_address_id", "ref"),
                ),
            ),
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
            _IP_CONFIGURATION,
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
                    *_FIREWALL_RULE_COLLECTION,
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
                    *_FIREWALL_RULE_COLLECTION,
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

# Types amlaudit does not read, mapped for their ids alone: other resources name them.
ID_ONLY: tuple[Mapping, ...] = (
    Mapping(
        "azurerm_resource_group",
        "Microsoft.Resources/resourceGroups",
        "/subscriptions/{subscription}/resourceGroups/{name}",
    ),
    Mapping("azurerm_public_ip", f"{NET}/publicIPAddresses", f"{RG}/{NET}/publicIPAddresses/{{name}}"),
)

BY_TYPE = {m.tf_type: m for m in (*MAPPINGS, *ID_ONLY)}
