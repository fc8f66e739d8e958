"""The collector only reads: GETs (and Resource Graph queries), never a write, a key or a secret."""

from __future__ import annotations

import re
from typing import Any

import pytest
from azure.core.rest import HttpRequest
from azure.mgmt.containerregistry import ContainerRegistryManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.core.policies import ARMAutoResourceProviderRegistrationPolicy
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.storage import StorageManagementClient
from fakearm.harness import fake_settings
from fakearm.server import FakeArm
from fakearm.tenant import SAMPLE_SUBSCRIPTION, cloned_tenant, sample_tenant

from auditor.collect import Scope, collect_snapshot
from auditor.collect import resource_types as rt
from auditor.collect.clients import Clients
from auditor.collect.credentials import StaticTokenCredential
from auditor.collect.policies import Deadline, ForeignHostRefused, ReadOnlyViolation

SECRET_LISTING = re.compile(r"list\w*keys|listsecrets|listcredentials|/keys(/|$)|/secrets(/|$)|regenerate", re.I)
GRAPH = "/providers/microsoft.resourcegraph/resources"


def assert_read_only(fake: FakeArm) -> None:
    assert fake.requests
    for request in fake.requests:
        allowed = request.method == "GET" or (request.method == "POST" and request.path.lower() == GRAPH)
        assert allowed, f"{request.method} {request.path}"
        assert not SECRET_LISTING.search(request.path), request.path


def collect(fake: FakeArm, scope: Scope, **settings: Any) -> dict[str, Any]:
    return collect_snapshot(scope, fake_settings(fake, **settings), progress=False)


def test_whole_collections_only_read(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(2))
    collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)))
    collect(fake_arm, Scope(all_subscriptions=True))
    assert_read_only(fake_arm)
    assert any(r.method == "POST" for r in fake_arm.requests)


def test_missing_registration_is_recorded_not_registered(fake_arm: FakeArm) -> None:
    fake_arm.load(sample_tenant())
    # With ARM's message, which names the namespace, the stock ARM pipeline would POST .../register.
    fake_arm.fault(r"/providers/Microsoft\.Network/privateEndpoints$", 409)

    snapshot = collect(fake_arm, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)))

    assert_read_only(fake_arm)
    assert not [r for r in fake_arm.requests if r.path.lower().endswith("/register")]
    [error] = snapshot["errors"]
    assert (error["status"], error["code"]) == (409, "MissingSubscriptionRegistration")
    assert "namespace 'Microsoft.Network'" in error["message"]
    assert error["resource_types"] == [rt.PRIVATE_ENDPOINTS]
    assert any(r["type"] == rt.WORKSPACES for r in snapshot["resources"])


def test_sdk_pipelines_leave_out_provider_registration(fake_arm: FakeArm) -> None:
    settings = fake_settings(fake_arm)
    clients = Clients(settings, StaticTokenCredential("t"), Deadline(None))
    try:
        sdk_clients: list[Any] = [
            clients.sdk(cls, SAMPLE_SUBSCRIPTION)
            for cls in (
                NetworkManagementClient,
                StorageManagementClient,
                KeyVaultManagementClient,
                ContainerRegistryManagementClient,
                ContainerServiceClient,
                PrivateDnsManagementClient,
            )
        ]
        pipelines = [c._client._pipeline for c in sdk_clients] + [clients.rest._client._pipeline]
        for pipeline in pipelines:
            policies = [getattr(p, "_policy", p) for p in pipeline._impl_policies]
            assert not [p for p in policies if isinstance(p, ARMAutoResourceProviderRegistrationPolicy)]
    finally:
        clients.close()


@pytest.mark.parametrize(
    ("method", "url", "refusal"),
    [
        ("PUT", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st", ReadOnlyViolation),
        (
            "POST",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st/listKeys",
            ReadOnlyViolation,
        ),
        ("POST", "/subscriptions/s/providers/Microsoft.Network/register", ReadOnlyViolation),
        # A foreign host is a read error to record, not a bug that stops the collection.
        ("GET", "https://attacker.example/subscriptions/s", ForeignHostRefused),
        ("GET", "https://127.0.0.1:1/subscriptions/s", ForeignHostRefused),  # same host, another port
    ],
)
def test_writes_and_foreign_hosts_are_refused_before_sending(
    fake_arm: FakeArm, method: str, url: str, refusal: type[Exception]
) -> None:
    clients = Clients(fake_settings(fake_arm), StaticTokenCredential("t"), Deadline(None))
    try:
        with pytest.raises(refusal):
            clients.rest._client.send_request(HttpRequest(method, clients.rest._client.format_url(url)))
    finally:
        clients.close()
    assert fake_arm.requests == []
