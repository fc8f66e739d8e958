"""Field lists and names the azurerm tables share."""

from __future__ import annotations

from auditor.plan.mapping import Block, F

NET = "Microsoft.Network"
ML = "Microsoft.MachineLearningServices/workspaces"
RG = "{rg}/providers"

IP_CONFIGURATION = Block(
    "properties.ipConfigurations",
    "ip_configuration",
    (
        F("name", "name"),
        F("properties.subnet", "subnet_id", "ref"),
        F("properties.publicIPAddress", "public_ip_address_id", "ref"),
        F("properties.privateIPAddress", "private_ip_address"),
    ),
)
SECURITY_RULE_FIELDS: tuple[F | Block, ...] = (
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
ROUTE_FIELDS: tuple[F | Block, ...] = (
    F("name", "name"),
    F("properties.addressPrefix", "address_prefix"),
    F("properties.nextHopType", "next_hop_type"),
    F("properties.nextHopIpAddress", "next_hop_in_ip_address"),
)
PRIVATE_LINK_ACCESS: tuple[F | Block, ...] = (
    F("resourceId", "endpoint_resource_id"),
    F("tenantId", "endpoint_tenant_id"),
)
STORAGE_ACLS: tuple[F | Block, ...] = (
    F("defaultAction", "default_action"),
    F("bypass", "bypass", "csv"),
    F("ipRules", "ip_rules", "allow_values"),
    F("virtualNetworkRules", "virtual_network_subnet_ids", "allow_ids"),
    Block("resourceAccessRules", "private_link_access", PRIVATE_LINK_ACCESS),
)
CONNECTION_FIELDS: tuple[F | Block, ...] = (
    F("name", "name"),
    F("properties.privateLinkServiceId", "private_connection_resource_id"),
    F("properties.groupIds", "subresource_names"),
    F("properties.requestMessage", "request_message"),
)
FIREWALL_RULE_COLLECTION = (
    F("name", "name"),
    F("priority", "priority"),
    F("action.type", "action"),
)
OUTBOUND = f"{ML}/outboundRules"
