"""Small builders of raw ARM resources for unit tests of the topology, NSG evaluation and engine.

They produce the shapes ARM returns (see shared/reference/rest-examples), nothing more.
"""

from __future__ import annotations

from typing import Any

SUB = "0b5e1c7a-1111-4a2b-9c3d-5e6f7a8b9c0d"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-unit"
NET = f"{RG}/providers/Microsoft.Network"
ML = f"{RG}/providers/Microsoft.MachineLearningServices"


def workspace(name: str = "ws", **props: Any) -> dict[str, Any]:
    base = {
        "storageAccount": f"{RG}/providers/Microsoft.Storage/storageAccounts/st{name}",
        "keyVault": f"{RG}/providers/Microsoft.KeyVault/vaults/kv{name}",
        "publicNetworkAccess": "Disabled",
    }
    base.update(props)
    return {
        "id": f"{ML}/workspaces/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces",
        "location": "westeurope",
        "kind": "Default",
        "properties": {k: v for k, v in base.items() if v is not None},
    }


def storage(name: str, **props: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny"}}
    base.update(props)
    return {
        "id": f"{RG}/providers/Microsoft.Storage/storageAccounts/{name}",
        "name": name,
        "type": "Microsoft.Storage/storageAccounts",
        "location": "westeurope",
        "properties": base,
    }


def vault(name: str, **props: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}}
    base.update(props)
    return {
        "id": f"{RG}/providers/Microsoft.KeyVault/vaults/{name}",
        "name": name,
        "type": "Microsoft.KeyVault/vaults",
        "location": "westeurope",
        "properties": base,
    }


def vnet(name: str, subnets: dict[str, dict[str, Any]] | None = None, **props: Any) -> dict[str, Any]:
    vnet_id = f"{NET}/virtualNetworks/{name}"
    embedded = [
        {"name": sn, "id": f"{vnet_id}/subnets/{sn}", "properties": {"addressPrefix": "10.0.0.0/24", **sp}}
        for sn, sp in (subnets or {"default": {}}).items()
    ]
    return {
        "id": vnet_id,
        "name": name,
        "type": "Microsoft.Network/virtualNetworks",
        "location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": embedded, **props},
    }


def subnet_id(vnet_name: str, subnet: str = "default") -> str:
    return f"{NET}/virtualNetworks/{vnet_name}/subnets/{subnet}"


def peering(owner: str, remote: str, state: str = "Connected") -> dict[str, Any]:
    return {
        "name": f"to-{remote}",
        "properties": {"remoteVirtualNetwork": {"id": f"{NET}/virtualNetworks/{remote}"}, "peeringState": state},
    }


def private_endpoint(
    name: str, target: str, group: str, subnet: str, status: str = "Approved", manual: bool = False
) -> dict[str, Any]:
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    return {
        "id": f"{NET}/privateEndpoints/{name}",
        "name": name,
        "type": "Microsoft.Network/privateEndpoints",
        "location": "westeurope",
        "properties": {
            "subnet": {"id": subnet},
            key: [
                {
                    "name": name,
                    "properties": {
                        "privateLinkServiceId": target,
                        "groupIds": [group],
                        "privateLinkServiceConnectionState": {"status": status},
                    },
                }
            ],
        },
    }


def nsg(name: str, rules: list[dict[str, Any]], defaults: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"securityRules": rules}
    if defaults:
        body["defaultSecurityRules"] = []
    return {
        "id": f"{NET}/networkSecurityGroups/{name}",
        "name": name,
        "type": "Microsoft.Network/networkSecurityGroups",
        "location": "westeurope",
        "properties": body,
    }


def nsg_rule(name: str, priority: int, access: str = "Allow", **fields: Any) -> dict[str, Any]:
    body = {
        "priority": priority,
        "access": access,
        "direction": "Inbound",
        "protocol": "Tcp",
        "sourceAddressPrefix": "AzureMachineLearning",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "VirtualNetwork",
        "destinationPortRange": "44224",
    }
    body.update(fields)
    return {"name": name, "properties": {k: v for k, v in body.items() if v is not None}}


def compute(ws: str, name: str, compute_type: str = "AmlCompute", **inner: Any) -> dict[str, Any]:
    return {
        "id": f"{ML}/workspaces/{ws}/computes/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "location": "westeurope",
        "properties": {"computeType": compute_type, "properties": {k: v for k, v in inner.items() if v is not None}},
    }
