"""Credentials and connection settings: a token already held, the default chain, clouds, the network guard."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from fakearm.harness import fake_settings
from fakearm.server import FakeArm
from fakearm.tenant import SAMPLE_SUBSCRIPTION, sample_tenant

from auditor.collect import CollectionError, ConnectionSettings, Scope, collect_snapshot
from auditor.collect import credentials as credentials_module
from auditor.collect.credentials import ACCESS_TOKEN_ENV, SharedTokenCredential, StaticTokenCredential

SCOPE = Scope(subscriptions=(SAMPLE_SUBSCRIPTION,))


class RecordingChain:
    """Stands in for DefaultAzureCredential: records how it was built, never touches the network."""

    built: list[dict[str, Any]] = []

    def __init__(self, **kwargs: Any) -> None:
        RecordingChain.built.append(kwargs)


def refuse_chain(**kwargs: Any) -> None:
    raise AssertionError("no credential chain may be built when a token is given")


def test_access_token_from_the_environment(fake_arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_arm.load(sample_tenant())
    fake_arm.expected_token = "token-from-the-pipeline"
    monkeypatch.setenv(ACCESS_TOKEN_ENV, "token-from-the-pipeline")
    monkeypatch.setattr(credentials_module, "DefaultAzureCredential", refuse_chain)

    snapshot = collect_snapshot(SCOPE, fake_settings(fake_arm, credential=None), progress=False)

    assert snapshot["errors"] == []
    assert snapshot["resources"]
    assert all(r.headers.get("Authorization") == "<present>" for r in fake_arm.requests)


def test_rejected_token_is_recorded(fake_arm: FakeArm) -> None:
    fake_arm.load(sample_tenant())
    fake_arm.expected_token = "the-right-one"

    snapshot = collect_snapshot(SCOPE, fake_settings(fake_arm), progress=False)

    assert {(e["status"], e["code"]) for e in snapshot["errors"]} == {(401, "InvalidAuthenticationToken")}


def test_no_token_at_all_stops_before_any_request(fake_arm: FakeArm) -> None:
    class Failing:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")

    with pytest.raises(CollectionError, match="no ARM token"):
        collect_snapshot(SCOPE, fake_settings(fake_arm, credential=Failing()), progress=False)
    assert fake_arm.requests == []


def test_default_chain_is_built_for_the_cloud_and_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ACCESS_TOKEN_ENV, raising=False)
    monkeypatch.setattr(credentials_module, "DefaultAzureCredential", RecordingChain)
    RecordingChain.built.clear()

    credential = credentials_module.build_credential(ConnectionSettings(cloud="AzureUSGovernment", tenant="t-1"))

    assert isinstance(credential, SharedTokenCredential)
    [kwargs] = RecordingChain.built
    assert kwargs == {"authority": "login.microsoftonline.us", "additionally_allowed_tenants": ["t-1"]}


def test_shared_credential_asks_once_in_the_tenant() -> None:
    calls: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    class Counting:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            calls.append((scopes, kwargs))
            return AccessToken(f"token-{len(calls)}", int(time.time()) + 3600)

    shared = SharedTokenCredential(Counting(), "t-1")
    first = shared.get_token("https://management.azure.com/.default")
    again = shared.get_token("https://management.azure.com/.default")

    assert first is again
    assert [kwargs["tenant_id"] for _, kwargs in calls] == ["t-1"]
    shared.get_token("https://management.azure.com/.default", claims='{"access_token": {}}')
    assert len(calls) == 2  # a claims challenge is never answered from the cache


def test_static_credential_returns_the_token() -> None:
    token = StaticTokenCredential("abc").get_token("scope")
    assert token.token == "abc" and token.expires_on > time.time()


@pytest.mark.parametrize(
    ("settings", "endpoint", "scope", "authority"),
    [
        (ConnectionSettings(), "https://management.azure.com", "https://management.azure.com/.default",
         "login.microsoftonline.com"),
        (ConnectionSettings(cloud="AzureUSGovernment"), "https://management.usgovcloudapi.net",
         "https://management.usgovcloudapi.net/.default", "login.microsoftonline.us"),
        (ConnectionSettings(cloud="AzureChinaCloud"), "https://management.chinacloudapi.cn",
         "https://management.chinacloudapi.cn/.default", "login.chinacloudapi.cn"),
        (ConnectionSettings(arm_endpoint="https://arm-proxy.corp/"), "https://arm-proxy.corp",
         "https://management.azure.com/.default", "login.microsoftonline.com"),
        (ConnectionSettings(token_scope="api://arm/.default"), "https://management.azure.com", "api://arm/.default",
         "login.microsoftonline.com"),
    ],
)
def test_cloud_settings(settings: ConnectionSettings, endpoint: str, scope: str, authority: str) -> None:
    assert (settings.endpoint, settings.scope, settings.authority) == (endpoint, scope, authority)


@pytest.mark.parametrize("kwargs", [{"cloud": "AzureMoon"}, {"concurrency": 0}, {"timeout": 0}])
def test_settings_refuse_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ConnectionSettings(**kwargs)


def test_network_guard_refuses_anything_but_loopback() -> None:
    for address in ("169.254.169.254", "192.0.2.1"):
        with pytest.raises(RuntimeError, match="only connect to loopback"):
            socket.create_connection((address, 80), timeout=0.1)
