"""The token credential of a collection: one given, a token already held, or DefaultAzureCredential."""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Any

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import DefaultAzureCredential

from auditor.collect.settings import ConnectionSettings

ACCESS_TOKEN_ENV = "AMLAUDIT_ACCESS_TOKEN"

# Refresh a cached token this long before it expires, as azure-core's bearer policy does.
_REFRESH_MARGIN = 300


class StaticTokenCredential:
    """A bearer token obtained elsewhere (`az account get-access-token`, a pipeline's OIDC step).

    Its real expiry is unknown here; ARM answers 401 once it has passed, and that is recorded.
    """

    def __init__(self, token: str, lifetime: int = 3600) -> None:
        self._token = token
        self._lifetime = lifetime

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + self._lifetime)


class SharedTokenCredential:
    """Fetches a token once for all the clients of a collection, in the chosen tenant.

    Every SDK client has its own bearer policy, hence its own token request; the Azure CLI
    credential answers each one by starting `az`, which takes about a second.
    """

    def __init__(self, inner: TokenCredential, tenant: str | None) -> None:
        self._inner = inner
        self._tenant = tenant
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], AccessToken] = {}

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        if claims:
            # A claims challenge asks for a fresh token; a cached one is what was refused.
            return self._inner.get_token(*scopes, claims=claims, tenant_id=tenant_id or self._tenant, **kwargs)
        with self._lock:
            cached = self._cache.get(scopes)
            if cached is None or cached.expires_on - _REFRESH_MARGIN <= time.time():
                cached = self._inner.get_token(*scopes, tenant_id=tenant_id or self._tenant, **kwargs)
                self._cache[scopes] = cached
            return cached

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


def build_credential(settings: ConnectionSettings) -> TokenCredential:
    """The credential for `settings`; no chain is built, and nothing probed, when a token is given."""
    if settings.credential is not None:
        return settings.credential
    token = os.environ.get(ACCESS_TOKEN_ENV, "").strip()
    if token:
        return StaticTokenCredential(token)
    # The default chain already covers a laptop and CI: environment service principal, workload
    # identity federation, managed identity, Azure CLI / PowerShell / azd; the browser stays excluded.
    chain = DefaultAzureCredential(
        authority=settings.authority,
        additionally_allowed_tenants=[settings.tenant] if settings.tenant else [],
    )
    return SharedTokenCredential(chain, settings.tenant)


# azure-identity's class names, as a user would name the source.
_SOURCES = {
    "EnvironmentCredential": "environment service principal",
    "WorkloadIdentityCredential": "workload identity",
    "ManagedIdentityCredential": "managed identity",
    "SharedTokenCacheCredential": "shared token cache",
    "VisualStudioCodeCredential": "VS Code",
    "AzureCliCredential": "Azure CLI",
    "AzurePowerShellCredential": "Azure PowerShell",
    "AzureDeveloperCliCredential": "Azure Developer CLI",
    "BrokerCredential": "broker",
}
_ATTEMPTED = re.compile(r"^\s+(\w+Credential):", re.MULTILINE)
LOGIN_HINT = (
    "log in with `az login`, set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (a service principal), "
    f"or put a token in {ACCESS_TOKEN_ENV}"
)


def no_token_message(exc: ClientAuthenticationError) -> str:
    """One line for a credential that gave no token: which sources were tried, and how to log in.

    azure-identity's own text (a dozen lines, one per credential of the chain) is for `--verbose`.
    """
    detail = str(exc.message or exc)
    names = _ATTEMPTED.findall(detail)
    if names:
        tried = ", ".join([f"{ACCESS_TOKEN_ENV} (unset)", *(_SOURCES.get(n, n) for n in names)])
        return f"no Azure credentials found (tried {tried}): {LOGIN_HINT}"
    first = next((line.strip() for line in detail.splitlines() if line.strip()), type(exc).__name__)
    return f"no ARM token could be obtained: {first}; {LOGIN_HINT}"
