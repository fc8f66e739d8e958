"""azurerm resource types as ARM resources: one table (in two parts), read by `auditor.plan.terraform`.

docs/terraform.md is generated from this table (`python -m auditor.plan.docs`; a test keeps it current).
"""

from __future__ import annotations

from auditor.plan.azurerm_common import NET, RG
from auditor.plan.azurerm_ml import ML_MAPPINGS
from auditor.plan.azurerm_network import NETWORK_MAPPINGS
from auditor.plan.mapping import Mapping

MAPPINGS: tuple[Mapping, ...] = (*ML_MAPPINGS, *NETWORK_MAPPINGS)

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
