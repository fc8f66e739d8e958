"""Matching primitives of the egress path: ports, address overlap, service-tag coverage, FQDN patterns."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from auditor.egress_match import (
    Destination,
    address_overlaps,
    address_span,
    covers,
    fqdn_covers,
    port_spec_includes,
    route_rank,
)

ports = st.integers(min_value=0, max_value=65535)
ipv4 = st.integers(min_value=0, max_value=2**32 - 1)
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
regions = st.sampled_from(["westeurope", "northeurope", "eastus", "westus2", "usgovvirginia"])
tags = st.sampled_from(["Storage", "BatchNodeManagement", "MicrosoftContainerRegistry", "AzureMachineLearning"])


@given(ports, ports, ports)
def test_port_range_includes_exactly_its_span(low: int, high: int, port: int) -> None:
    low, high = min(low, high), max(low, high)
    assert port_spec_includes(f"{low}-{high}", port) == (low <= port <= high)
    assert port_spec_includes(str(port), port)
    assert port_spec_includes("*", port)
    assert port_spec_includes(port, port)  # ARM sometimes gives ints


def test_port_spec_junk_never_matches() -> None:
    assert not port_spec_includes("https", 443)
    assert not port_spec_includes(None, 443)


@given(ipv4, st.integers(min_value=0, max_value=32), ipv4, st.integers(min_value=0, max_value=32))
def test_cidr_overlap_agrees_with_ipaddress(a: int, alen: int, b: int, blen: int) -> None:
    na = ipaddress.ip_network((a, alen), strict=False)
    nb = ipaddress.ip_network((b, blen), strict=False)
    assert address_overlaps(str(na), [str(nb)]) == na.overlaps(nb)


@given(ipv4, ipv4, ipv4, st.integers(min_value=8, max_value=32))
def test_range_overlap_agrees_with_ipaddress(x: int, y: int, net: int, length: int) -> None:
    low, high = min(x, y), max(x, y)
    text = f"{ipaddress.ip_address(low)}-{ipaddress.ip_address(high)}"
    network = ipaddress.ip_network((net, length), strict=False)
    expected = low <= int(network.broadcast_address) and int(network.network_address) <= high
    assert address_overlaps(text, [str(network)]) == expected
    assert address_span(text) == (low, high)


def test_address_forms() -> None:
    assert address_overlaps("10.0.1.7", ["10.0.1.0/24"])
    assert not address_overlaps("10.0.2.7", ["10.0.1.0/24"])
    assert not address_overlaps("10.0.2.7-10.0.1.0", ["10.0.1.0/24"])  # reversed range: not a range
    assert not address_overlaps("AzureCloud", ["10.0.1.0/24"])
    assert not address_overlaps("::/0", ["10.0.1.0/24"])  # another address family


@given(tags, regions, regions)
def test_regional_tag_covers_only_its_region(tag: str, region: str, other: str) -> None:
    wanted = Destination(tag, region, regional=True)
    for dest in ("*", "0.0.0.0/0", "AzureCloud", tag, tag.upper(), f"{tag}.{region}", f"AzureCloud.{region}"):
        assert covers(dest, wanted, nsg=False), dest
    assert covers(f"{tag}.{other}", wanted, nsg=False) == (region == other)
    assert covers(f"AzureCloud.{other}", wanted, nsg=False) == (region == other)
    assert not covers("Internet", wanted, nsg=False)
    assert covers("Internet", wanted, nsg=True)
    for dest in ("VirtualNetwork", "10.0.0.0/8", "AzureMonitor", "/subscriptions/s/ipGroups/g"):
        assert not covers(dest, wanted, nsg=True), dest


def test_non_regional_tag_and_spellings() -> None:
    aml = Destination("AzureMachineLearning", "westeurope")
    assert covers("azuremachinelearning", aml, nsg=False)
    assert not covers("AzureCloud.westeurope", aml, nsg=False)  # only a regional requirement takes regional forms
    first_party = Destination("AzureFrontDoor.FirstParty", "westeurope")
    assert covers("Frontdoor.FirstParty", first_party, nsg=False)
    assert covers("AzureFrontDoor.FirstParty", first_party, nsg=False)
    assert covers("AzureFrontDoor.FrontEnd", Destination("AzureFrontDoor.Frontend"), nsg=False)
    internet = Destination(None)
    assert covers("*", internet, nsg=False) and covers("Internet", internet, nsg=True)
    assert not covers("AzureCloud", internet, nsg=True) and not covers("Internet", internet, nsg=False)


def test_route_specificity_order() -> None:
    storage = Destination("Storage", "westeurope", regional=True)
    ranks = [route_rank(p, storage) for p in ("Storage.WestEurope", "Storage", "AzureCloud.westeurope", "AzureCloud")]
    assert ranks == [0, 1, 2, 3]
    assert route_rank("0.0.0.0/0", storage) == 4
    assert route_rank("10.0.0.0/8", storage) is None
    assert route_rank("Storage.northeurope", storage) is None
    assert route_rank("0.0.0.0/0", Destination(None)) == 4 and route_rank("AzureCloud", Destination(None)) is None


@given(st.lists(labels, min_size=1, max_size=4), st.lists(labels, min_size=1, max_size=3))
def test_fqdn_wildcard_covers_subdomains_not_the_apex(base: list[str], sub: list[str]) -> None:
    apex = ".".join(base)
    child = ".".join([*sub, apex])
    assert fqdn_covers(f"*.{apex}", child)
    assert fqdn_covers(f"*.{apex}", f"*.{child}")
    assert not fqdn_covers(f"*.{apex}", apex)
    assert fqdn_covers("*", child) and fqdn_covers(apex.upper(), apex)
    assert not fqdn_covers(child, apex)
    assert fqdn_covers(f"*.{apex}", f"*.{apex}")
