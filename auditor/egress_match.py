"""Matching primitives of the egress path (catalogue §4, Egress): ports, addresses, service tags and
host name patterns. Pure functions over strings; the path itself is in `auditor.egress`."""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

# Tags whose other spellings appear in Microsoft's own documents (catalogue: "spellings of the R9/R8 tags").
TAG_SPELLINGS: dict[str, tuple[str, ...]] = {
    "azurefrontdoor.frontend": ("azurefrontdoor.frontend",),
    "azurefrontdoor.firstparty": ("azurefrontdoor.firstparty", "frontdoor.firstparty"),
}

# Destinations that cover any public address: everything, the default route, and (NSG only) Internet.
EVERYWHERE = ("*", "0.0.0.0/0")


@dataclass(frozen=True)
class Destination:
    """What a flow goes to: a service tag (optionally in region `region`), or the internet outside Azure
    (`tag` None: covered only by `*`, `0.0.0.0/0` and, in an NSG, `Internet`)."""

    tag: str | None
    region: str | None = None
    regional: bool = False

    def spellings(self) -> tuple[str, ...]:
        if self.tag is None:
            return ()
        key = self.tag.lower()
        return TAG_SPELLINGS.get(key, (key,))

    def label(self) -> str:
        if self.tag is None:
            return "Internet (outside Azure)"
        return f"{self.tag}.{self.region}" if self.regional and self.region else self.tag


# The span of `*`: every port there is (ports are 0 to 65535).
EVERY_PORT = (0, 65535)


def port_span(spec: object) -> tuple[int, int] | None:
    """`*`, a single port or a `low-high` range (NSG and firewall alike) as an inclusive span; None for junk."""
    text = str(spec).strip() if isinstance(spec, str | int) else ""
    if text == "*":
        return EVERY_PORT
    low, _, high = text.partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        return None


def port_spec_includes(spec: object, port: int) -> bool:
    """Whether a port spec (see `port_span`) includes `port`."""
    span = port_span(spec)
    return span is not None and span[0] <= port <= span[1]


# Rules, routes and subnets repeat the same few prefixes across a tenant: parse each string once.
@functools.lru_cache(maxsize=1 << 16)
def address_span(text: str) -> tuple[int, int] | None:
    """An IPv4/IPv6 address, CIDR or `a-b` range as an inclusive integer span; None when it is none of those."""
    value = text.strip()
    try:
        if "-" in value:
            first, _, last = value.partition("-")
            low, high = ipaddress.ip_address(first.strip()), ipaddress.ip_address(last.strip())
            if low.version != high.version or int(low) > int(high):
                return None
            return int(low), int(high)
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    return int(network.network_address), int(network.broadcast_address)


def address_overlaps(text: str, prefixes: list[str]) -> bool:
    """Whether an address, range or CIDR overlaps any of the (subnet) prefixes."""
    span = address_span(text)
    if span is None:
        return False
    for prefix in prefixes:
        other = address_span(prefix)
        if other is not None and span[0] <= other[1] and other[0] <= span[1] and _same_family(text, prefix):
            return True
    return False


def _same_family(a: str, b: str) -> bool:
    return (":" in a) == (":" in b)


def covers(destination: str, wanted: Destination, *, nsg: bool) -> bool:
    """Whether a rule destination (or route prefix) covers the wanted destination (catalogue §4).

    `*`, `0.0.0.0/0`, `Internet` (NSG only), `AzureCloud` or the tag itself cover; for a regional
    requirement also `AzureCloud.<g>` and the tag's form for region g. A regional tag of another
    region, a CIDR, another tag, `VirtualNetwork` or an IP group cover nothing.
    """
    return destination.strip().lower() in covering(wanted, nsg=nsg)


@functools.lru_cache(maxsize=1 << 10)
def covering(wanted: Destination, *, nsg: bool) -> frozenset[str]:
    """Every destination that covers `wanted` (see `covers`), lower-cased: a rule's destinations,
    read once, are compared with one set operation."""
    names: set[str] = {*EVERYWHERE, "internet"} if nsg else set(EVERYWHERE)
    if wanted.tag is not None:
        spellings = wanted.spellings()
        names |= {"azurecloud", *spellings}
        if wanted.regional and wanted.region:
            names |= {f"{name}.{wanted.region}" for name in (*spellings, "azurecloud")}
    return frozenset(names)


@functools.lru_cache(maxsize=1 << 12)
def route_rank(prefix: str, wanted: Destination) -> int | None:
    """Specificity of a route prefix that covers the destination (lower is more specific), else None.

    The catalogue's order: T.g, T, AzureCloud.g, AzureCloud, then any prefix of length 0.
    """
    value = prefix.strip().lower()
    if wanted.tag is not None:
        names = wanted.spellings()
        region = wanted.region
        if region and value in {f"{n}.{region}" for n in names}:
            return 0
        if value in names:
            return 1
        if region and value == f"azurecloud.{region}":
            return 2
        if value == "azurecloud":
            return 3
    span = address_span(value) if "/" in value else None
    if span is not None and ipaddress.ip_network(value, strict=False).prefixlen == 0:
        return 4
    return None


def fqdn_covers(pattern: str, host: str) -> bool:
    """An application rule's target FQDN against a host name (catalogue §4, egress-notes §E7.12).

    `*` covers every host; `*.x` covers `a.x` and `*.a.x` but not `x`; otherwise the names are equal.
    Compared case-insensitively, a trailing dot ignored.
    """
    p = pattern.strip().lower().rstrip(".")
    h = host.strip().lower().rstrip(".")
    if p == "*":
        return True
    if p.startswith("*."):
        suffix = p[1:]  # ".x"
        return h.endswith(suffix) and len(h) > len(suffix)
    return p == h
