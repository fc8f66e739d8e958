"""How the collector reaches ARM: cloud, endpoint, token scope, TLS trust, time and concurrency budgets."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import click

if TYPE_CHECKING:
    # Typing only: offline commands read these options and never import the Azure SDKs.
    from azure.core.credentials import TokenCredential

from auditor.collect.urls import origin

T = TypeVar("T")

# ARM's read bucket per subscription and principal: its burst, and its refill in reads a second.
ARM_READ_BURST = 250
ARM_READ_REFILL = 25.0
# A compliance job must end even when ARM (or a proxy) stops answering: the whole collection gets
# half an hour beyond its waits for ARM's read quota, each request a minute to connect and to
# deliver each read, with two more tries.
DEFAULT_TIMEOUT = 1800.0
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_READ_RETRIES = 2


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
    timeout: float | None = DEFAULT_TIMEOUT
    # Whether `timeout` leaves out the time reads wait for ARM's read quota (see policies.Deadline).
    timeout_beyond_quota: bool = True
    read_timeout: float = DEFAULT_READ_TIMEOUT
    concurrency: int = 8
    retry_total: int = 10
    retry_read: int = DEFAULT_READ_RETRIES
    retry_backoff_factor: float = 0.8
    retry_backoff_max: float = 60.0
    # The read bucket the collector paces itself to (see pacing).
    read_burst: int = ARM_READ_BURST
    read_refill: float = ARM_READ_REFILL
    credential: TokenCredential | None = field(default=None, compare=False, repr=False)
    # Called with one line per HTTP attempt (`--verbose`): method, path, status, time; never a header.
    diagnostics: Callable[[str], None] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Refuses, before any request, settings that could only fail: ValueError says why."""
        if self.cloud not in CLOUDS:
            raise ValueError(f"unknown cloud {self.cloud!r}; expected one of {', '.join(CLOUDS)}")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if self.read_burst < 1 or self.read_refill <= 0:
            raise ValueError("the read bucket needs a burst of at least 1 and a positive refill")
        if self.read_timeout <= 0:
            raise ValueError("read timeout must be positive")
        if self.arm_endpoint is not None:
            check_endpoint(self.arm_endpoint)
        if self.ca_bundle is not None:
            check_ca_bundle(self.ca_bundle)

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

    @property
    def cloud_endpoint(self) -> str:
        """The cloud's own ARM, which a proxy given as `--arm-endpoint` stands in front of."""
        return CLOUDS[self.cloud].arm_endpoint

    @property
    def proxied(self) -> bool:
        """Whether ARM is reached through another endpoint than the cloud's own."""
        return origin(self.endpoint) != origin(self.cloud_endpoint)


def check_endpoint(endpoint: str) -> None:
    """ValueError unless `endpoint` is an https URL of a host, with at most a path."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"malformed --arm-endpoint {endpoint!r}: {exc}") from None
    if parts.scheme.lower() == "http":
        raise ValueError(
            f"--arm-endpoint {endpoint!r} is plain http: amlaudit sends its bearer token over https only, "
            "where no one on the way can read it"
        )
    if parts.scheme.lower() != "https" or not parts.hostname or port == 0:
        raise ValueError(f"malformed --arm-endpoint {endpoint!r}: expected https://HOST[:PORT][/PATH]")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(
            f"malformed --arm-endpoint {endpoint!r}: no user, query or fragment, only https://HOST[:PORT][/PATH]"
        )


def check_ca_bundle(path: str) -> None:
    """ValueError unless `path` is a readable PEM file holding at least one certificate."""
    try:
        ssl.create_default_context(cafile=path)
    except OSError as exc:  # ssl.SSLError is an OSError too
        reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
        raise ValueError(f"--ca-bundle {path}: not a readable PEM file of CA certificates ({reason})") from None


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
        metavar="SECONDS",
        help=(
            "Budget for the whole collection, waits included; what is unread when it runs out is recorded as "
            f"read errors.  [default: {DEFAULT_TIMEOUT:g} beyond the waits for ARM's read quota]"
        ),
    ),
    "read-timeout": click.option(
        "--read-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_READ_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help=f"Per request: longest wait to connect and for each read; retried {DEFAULT_READ_RETRIES} more times.",
    ),
    "concurrency": click.option(
        "--concurrency",
        type=click.IntRange(1, 64),
        default=8,
        show_default=True,
        help="ARM requests in flight at once.",
    ),
}


# The keyword arguments the connection options give a command.
_CONNECTION_PARAMETERS = tuple(name.replace("-", "_") for name in CONNECTION_OPTIONS)


def settings_from_options(
    *,
    cloud: str,
    tenant: str | None,
    arm_endpoint: str | None,
    token_scope: str | None,
    ca_bundle: str | None,
    timeout: float | None,
    read_timeout: float,
    concurrency: int,
) -> ConnectionSettings:
    """The settings the connection options ask for. A `--timeout` given caps the whole collection;
    without one the default budget counts beyond the waits for ARM's read quota. ValueError says
    what is wrong with them."""
    return ConnectionSettings(
        cloud=cloud,
        tenant=tenant,
        arm_endpoint=arm_endpoint,
        token_scope=token_scope,
        ca_bundle=ca_bundle,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        timeout_beyond_quota=timeout is None,
        read_timeout=read_timeout,
        concurrency=concurrency,
    )


def connection_options(command: Callable[..., T]) -> Callable[..., T]:
    """Adds the connection options to a click command, which then receives `connection: ConnectionSettings`."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            connection = settings_from_options(**{name: kwargs.pop(name) for name in _CONNECTION_PARAMETERS})
        except ValueError as err:
            raise click.UsageError(str(err)) from None
        return command(*args, connection=connection, **kwargs)

    decorated: Callable[..., T] = wrapper
    for option in reversed(list(CONNECTION_OPTIONS.values())):
        decorated = option(decorated)
    return decorated
