"""NSG evaluation the Azure way (catalogue AML-CMP-005): priority order, first match, field merging."""

from __future__ import annotations

from arm_builders import nsg, nsg_rule
from hypothesis import given
from hypothesis import strategies as st

from auditor.nsg import inbound_tcp_verdict

SOURCES = {"azuremachinelearning", "azuremachinelearning.westeurope", "*", "internet"}
SUBNET = ["10.0.1.0/24"]


def verdict(rules, **kw):
    return inbound_tcp_verdict(nsg("n", rules, **kw), 44224, SOURCES, SUBNET)


def test_allow_rule_matches() -> None:
    v = verdict([nsg_rule("allow-aml", 100)])
    assert (v.access, v.rule, v.defaults_assumed) == ("Allow", "allow-aml", True)


def test_no_rule_falls_to_default_deny() -> None:
    v = verdict([])
    assert (v.access, v.rule) == ("Deny", "DenyAllInBound")


def test_lower_priority_number_wins() -> None:
    v = verdict([nsg_rule("allow", 200), nsg_rule("deny", 150, access="Deny", sourceAddressPrefix="*")])
    assert (v.access, v.rule) == ("Deny", "deny")


def test_rules_with_application_security_groups_never_match() -> None:
    asg = [{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/applicationSecurityGroups/a"}]
    v = verdict(
        [
            nsg_rule("deny-asg", 100, access="Deny", sourceAddressPrefix="*", destinationApplicationSecurityGroups=asg),
            nsg_rule("allow", 200),
        ]
    )
    assert v.rule == "allow"


def test_plural_fields_and_ranges_merge_with_singular() -> None:
    rule = nsg_rule(
        "allow",
        100,
        sourceAddressPrefix=None,
        sourceAddressPrefixes=["10.1.0.0/16", "AzureMachineLearning"],
        destinationPortRange=None,
        destinationPortRanges=["22", "44000-45000"],
    )
    assert verdict([rule]).access == "Allow"


def test_source_port_must_be_any() -> None:
    assert verdict([nsg_rule("allow", 100, sourcePortRange="1024-65535")]).rule == "DenyAllInBound"


def test_udp_and_outbound_rules_do_not_match() -> None:
    rules = [nsg_rule("udp", 100, protocol="Udp"), nsg_rule("out", 101, direction="Outbound")]
    assert verdict(rules).rule == "DenyAllInBound"


def test_other_source_tags_do_not_match() -> None:
    assert verdict([nsg_rule("vnet", 100, sourceAddressPrefix="VirtualNetwork")]).rule == "DenyAllInBound"


def test_regional_tag_and_internet_match() -> None:
    assert verdict([nsg_rule("r", 100, sourceAddressPrefix="AzureMachineLearning.WestEurope")]).access == "Allow"
    assert verdict([nsg_rule("i", 100, sourceAddressPrefix="Internet")]).access == "Allow"


def test_destination_prefix_must_overlap_the_subnet() -> None:
    assert verdict([nsg_rule("in", 100, destinationAddressPrefix="10.0.0.0/16")]).access == "Allow"
    assert verdict([nsg_rule("out", 100, destinationAddressPrefix="192.168.0.0/24")]).rule == "DenyAllInBound"


def test_explicit_empty_default_rules_mean_implicit_deny() -> None:
    v = verdict([], defaults=True)
    assert (v.access, v.rule, v.defaults_assumed) == ("Deny", None, False)


def test_cidr_destination_with_unknown_subnet_prefix_is_undecided() -> None:
    v = inbound_tcp_verdict(
        nsg("n", [nsg_rule("cidr", 100, destinationAddressPrefix="10.0.0.0/16")]), 44224, SOURCES, []
    )
    assert v.access is None


@given(st.lists(st.sampled_from(["Outbound", "Udp", "VirtualNetwork", "22"]), max_size=6))
def test_non_matching_rules_never_change_the_verdict(kinds: list[str]) -> None:
    noise = []
    for i, kind in enumerate(kinds):
        field = {
            "Outbound": {"direction": "Outbound"},
            "Udp": {"protocol": "Udp"},
            "VirtualNetwork": {"sourceAddressPrefix": "VirtualNetwork"},
            "22": {"destinationPortRange": "22"},
        }[kind]
        noise.append(nsg_rule(f"noise{i}", 100 + i, access="Deny", **field))
    assert verdict([*noise, nsg_rule("allow", 500)]).rule == "allow"
