"""azurerm → ARM: Machine Learning, storage, key vault and registry (part of the table in azurerm.py)."""

from __future__ import annotations

from auditor.plan.azurerm_common import ML, OUTBOUND, PRIVATE_LINK_ACCESS, RG, STORAGE_ACLS
from auditor.plan.mapping import Block, F, Mapping


def _datastore(kind: str, storage: str, identity: str, datastore_type: str, is_default: bool = False) -> Mapping:
    """The three azurerm datastore types differ in their attribute names alone."""
    fields = (
        F("properties.accountName", storage, "account"),
        F("properties.serviceDataAccessAuthIdentity", identity),
        *((F("properties.isDefault", "is_default"),) if is_default else ()),
    )
    return Mapping(
        f"azurerm_machine_learning_datastore_{kind}",
        f"{ML}/datastores",
        "{workspace_id}/datastores/{name}",
        fields,
        const=(("properties.datastoreType", datastore_type),),
    )


ML_MAPPINGS: tuple[Mapping, ...] = (
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
        OUTBOUND,
        "{workspace_id}/outboundRules/{name}",
        (F("properties.destination", "destination_fqdn"),),
        const=(("properties.type", "FQDN"), ("properties.category", "UserDefined")),
    ),
    Mapping(
        "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint",
        OUTBOUND,
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
        OUTBOUND,
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
    _datastore("blobstorage", "storage_container_id", "service_data_auth_identity", "AzureBlob", is_default=True),
    _datastore("fileshare", "storage_fileshare_id", "service_data_identity", "AzureFile"),
    _datastore("datalake_gen2", "storage_container_id", "service_data_identity", "AzureDataLakeGen2"),
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
                for f in STORAGE_ACLS
                if isinstance(f, F)
            ),
            Block(
                "properties.networkAcls.resourceAccessRules",
                "network_rules.private_link_access",
                PRIVATE_LINK_ACCESS,
            ),
        ),
    ),
    Mapping(
        "azurerm_storage_account_network_rules",
        "Microsoft.Storage/storageAccounts",
        "{storage_account_id}",
        STORAGE_ACLS,
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
)
