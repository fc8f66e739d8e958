"""Secrets never reach a snapshot: secret-named properties, SAS signatures, connection-string keys."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from fakearm.harness import fake_settings
from fakearm.server import FakeArm
from fakearm.tenant import SAMPLE_SUBSCRIPTION, sample_tenant

from auditor.collect import Scope, collect_snapshot, write_snapshot
from auditor.collect import resource_types as rt
from auditor.collect.redact import REDACTED, redact

SAS = "sv=2024-11-04&ss=b&srt=co&sp=rl&se=2027-01-01T00:00:00Z&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D"
ACCOUNT_KEY = "bXktc3RvcmFnZS1hY2NvdW50LWtleQ=="


def test_secret_named_properties_are_replaced() -> None:
    body = {
        "properties": {
            "keyVault": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
            "keyVaultProperties": {"keyIdentifier": "https://kv.vault.azure.net/keys/k/1"},
            "allowSharedKeyAccess": False,
            "credentials": {"credentialsType": "AccountKey", "secrets": {"secretsType": "AccountKey", "key": "k"}},
            "userAccountCredentials": {"adminUserName": "azureuser", "adminUserPassword": "p@ss"},
            "servicePrincipalProfile": {"clientId": "msi", "secret": "s"},
            "sasToken": "t",
            "primaryKeys": ["a", "b"],
            "ConnectionString": "InstrumentationKey=00000000;IngestionEndpoint=https://x",
        }
    }

    p = redact(body)["properties"]

    assert p["keyVault"] == body["properties"]["keyVault"]
    assert p["keyVaultProperties"] == body["properties"]["keyVaultProperties"]
    assert p["allowSharedKeyAccess"] is False
    assert p["credentials"] == {"credentialsType": "AccountKey", "secrets": {"secretsType": REDACTED, "key": REDACTED}}
    assert p["userAccountCredentials"] == {"adminUserName": "azureuser", "adminUserPassword": REDACTED}
    assert p["servicePrincipalProfile"] == {"clientId": "msi", "secret": REDACTED}
    assert (p["sasToken"], p["primaryKeys"], p["ConnectionString"]) == (REDACTED, [REDACTED, REDACTED], REDACTED)


def test_secret_looking_values_are_cut_out() -> None:
    body = {
        "dataUri": f"https://acct.blob.core.windows.net/data/train?{SAS}",
        "description": f"AccountName=acct;AccountKey={ACCOUNT_KEY};EndpointSuffix=core.windows.net",
        "note": "signature stays, designer=x",
    }

    out = redact(body)

    assert out["dataUri"].startswith("https://acct.blob.core.windows.net/data/train?sv=2024-11-04&")
    assert "c2VjcmV0" not in out["dataUri"] and f"sig={REDACTED}" in out["dataUri"]
    assert out["description"] == f"AccountName=acct;AccountKey={REDACTED};EndpointSuffix=core.windows.net"
    assert out["note"] == body["note"]


def test_name_keyed_maps_are_not_mistaken_for_secrets() -> None:
    body = {
        "properties": {"managedNetwork": {"outboundRules": {"pypi-token": {"type": "FQDN", "destination": "x"}}}},
        "identity": {"userAssignedIdentities": {"/subscriptions/s/id/mykey": {"clientId": "c"}}},
    }
    assert redact(body) == body


def test_original_is_left_alone() -> None:
    body = {"properties": {"password": "p"}}
    before = copy.deepcopy(body)
    redact(body)
    assert body == before


def test_collected_snapshot_holds_no_secret(fake_arm: FakeArm, tmp_path: Path) -> None:
    resources = sample_tenant()
    datastore = next(r for r in resources if r["type"] == rt.DATASTORES)
    datastore["properties"]["credentials"] = {
        "credentialsType": "AccountKey",
        "secrets": {"secretsType": "AccountKey", "key": ACCOUNT_KEY},
    }
    data = next(r for r in resources if r["type"] == rt.DATA_VERSIONS)
    data["properties"]["dataUri"] = f"https://stlabeldatawe01.blob.core.windows.net/images?{SAS}"
    compute = next(r for r in resources if r["type"] == rt.COMPUTES)
    compute["properties"]["properties"]["adminUserPassword"] = "Sup3r-S3cret!"
    fake_arm.load(resources)

    snapshot = collect_snapshot(Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)), fake_settings(fake_arm), progress=False)
    path = tmp_path / "snapshot.json"
    write_snapshot(snapshot, path)

    text = path.read_text()
    for secret in (ACCOUNT_KEY, "c2VjcmV0LXNpZ25hdHVyZQ", "Sup3r-S3cret!"):
        assert secret not in text
    collected: dict[str, Any] = {r["id"]: r for r in snapshot["resources"]}
    assert collected[data["id"]]["properties"]["dataUri"].startswith("https://stlabeldatawe01.blob.core.windows.net/")
