"""How the collector reaches ARM: cloud, endpoint, token scope, TLS trust, time and concurrency budgets."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    # Typing only: offline commands read these options and never import the Azure SDKs.
    from azure.core.credentials import TokenCredential

T = TypeVar("T")

# ARM's read bucket per subscription and principal: its burst, and its refill in reads a second.
ARM_READ_BURST = 250
ARM_READ_REFILL = 25.0


@dataclass(frozen=True)
class Cloud:
    name: str
    arm_endpoint: str
    authority: str  # azure.identity's AzureAuthorityHosts, spelt out (tests/test_startup.py checks)
    token_scope: str


CLOUDS: dict[str, Cloud] = {
    cloud.name: cloud
    for cloud in (
        Cloud(
            "AzureCloud",
            "https://management.azure.com",
            "login.microsoftonline.com",
            "https://management.azure.com/.default",
        ),
        Cloud(
            "AzureUSGovernment",
            "https://management.usgovcloudapi.net",
            "login.microsoftonline.us",
            "https://management.usgovcloudapi.net/.default",
        ),
        Cloud(
            "AzureChinaCloud",
            "https://management.chinacloudapi.cn",
            "login.chinacloudapi.cn",
            "https://management.chinacloudapi.cn/.default",
        ),
    )
}


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything about the connection; none of it changes what is collected.

    `credential` is for embedding and tests: when it is None the collector uses the token in
    `AMLAUDIT_ACCESS_TOKEN`, else `DefaultAzureCredential`.
    """

    cloud: str = "AzureCloud"
    tenant: str | None = None
    arm_endpoint: str | None = None
    token_scope: str | None = None
    ca_bundle: str | None = None
    timeout: float | None = None
    concurrency: int = 8
    retry_total: int = 10
    retry_backoff_factor: float = 0.8
    retry_backoff_max: float = 60.0
    # The read bucket the collector paces itself to (see pacing).
    read_burst: int = ARM_READ_BURST
    read_refill: float = ARM_READ_REFILL
    credential: TokenCredential | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.cloud not in CLOUDS:
            raise ValueError(f"unknown cloud {self.cloud!r}; expected one of {', '.join(CLOUDS)}")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if self.read_burst < 1 or self.read_refill <= 0:
            raise ValueError("the read bucket needs a burst of at least 1 and a positive refill")

    @property
    def endpoint(self) -> str:
        return (self.arm_endpoint or CLOUDS[self.cloud].arm_endpoint).rstrip("/")

    @property
    def scope(self) -> str:
        """The token scope. `--arm-endpoint` alone keeps the cloud's audience: a proxy in front of
        ARM still wants ARM tokens."""
        return self.token_scope or CLOUDS[self.cloud].token_scope

    @property
    def authority(self) -> str:
        return CLOUDS[self.cloud].authority


# By option name, so that `amlaudit scan` can share them.
CONNECTION_OPTIONS: dict[str, Callable[[Any], Any]] = {
    "tenant": click.option("--tenant", default=None, help="Entra tenant to request tokens from."),
    "cloud": click.option(
        "--cloud",
        type=click.Choice(list(CLOUDS)),
        default="AzureCloud",
        show_default=True,
        help="Sets the ARM endpoint, the authority and the token scope (and the DNS zones NET-001 expects).",
    ),
    "arm-endpoint": click.option("--arm-endpoint", default=None, help="ARM base URL, overriding the cloud's."),
    "token-scope": click.option("--token-scope", default=None, help="Token scope, overriding the cloud's."),
    "ca-bundle": click.option(
        "--ca-bundle",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="PEM file of the CAs to trust for ARM (TLS-inspecting proxies).",
    ),
    "timeout": click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        help="Overall collection budget in seconds.",
    ),
    "concurrency": click.option(
        "--concurrency",
        type=click.IntRange(1, 64),
        default=8,
        show_default=True,
        help="ARM requests in flight at once.",
    ),
}


def connection_options(command: Callable[..., T]) -> Callable[..., T]:
    """Adds the connection options to a click command, which then receives `connection: ConnectionSettings`."""

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        tenant: str | None,
        cloud: str,
        arm_endpoint: str | None,
        token_scope: str | None,
        ca_bundle: str | None,
        timeout: float | None,
        concurrency: int,
        **kwargs: Any,
    ) -> T:
        connection = ConnectionSettings(
            cloud=cloud,
            tenant=tenant,
            arm_endpoint=arm_endpoint,
            token_scope=token_scope,
            ca_bundle=ca_bundle,
            timeout=timeout,
            concurrency=concurrency,
        )
        return command(*args, connection=connection, **kwargs)

    decorated: Callable[..., T] = wrapper
    for option in reversed(list(CONNECTION_OPTIONS.values())):
        decorated = option(decorated)
    return decorated
