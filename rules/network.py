"""Name resolution and network plumbing rules (catalogue §4, "Name resolution and network plumbing")."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.arm import as_list, dig, lid, props
from auditor.model import DOC_CUSTOM_DNS, DOC_OVERVIEW, DOC_PRIVATE_LINK, DOC_WORKSPACE
from auditor.posture import scenario_evidence, scenario_in, scenario_note
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import (
    BASTION_TYPE,
    DNS_LINK_TYPE,
    DNS_ZONE_GROUP,
    DNS_ZONE_TYPE,
    KEY_VAULT_TYPE,
    PEERING_TYPE,
    PRIVATE_ENDPOINT_TYPE,
    REGISTRY_TYPE,
    VNET_GATEWAY_TYPE,
    VNET_TYPE,
    WORKSPACE_TYPE,
    Connection,
    is_managed_vnet,
)

# Zones needed per endpoint group, per cloud (catalogue §4, "Name resolution"). Other groups are not judged.
ZONES_BY_CLOUD: dict[str, dict[str, tuple[str, ...]]] = {
    "azurecloud": {
        "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
        "blob": ("privatelink.blob.core.windows.net",),
        "file": ("privatelink.file.core.windows.net",),
        "vault": ("privatelink.vaultcore.azure.net",),
        "registry": ("privatelink.azurecr.io",),
    },
    "azureusgovernment": {
        "amlworkspace": ("privatelink.api.ml.azure.us", "privatelink.notebooks.usgovcloudapi.net"),
        "blob": ("privatelink.blob.core.usgovcloudapi.net",),
        "file": ("privatelink.file.core.usgovcloudapi.net",),
        "vault": ("privatelink.vaultcore.usgovcloudapi.net",),
        "registry": ("privatelink.azurecr.us",),
    },
    "azurechinacloud": {
        "amlworkspace": ("privatelink.api.ml.azure.cn", "privatelink.notebooks.chinacloudapi.cn"),
        "blob": ("privatelink.blob.core.chinacloudapi.cn",),
        "file": ("privatelink.file.core.chinacloudapi.cn",),
        "vault": ("privatelink.vaultcore.azure.cn",),
        "registry": ("privatelink.azurecr.cn",),
    },
}
ZONES_BY_GROUP = ZONES_BY_CLOUD["azurecloud"]
AZURE_DNS = "168.63.129.16"


def _customer_endpoints_by_vnet(conns: Iterable[Connection]) -> dict[str, list[Connection]]:
    """Approved customer endpoints grouped by the VNet they sit in; unknown VNets add no subject."""
    by_vnet: dict[str, list[Connection]] = {}
    for conn in conns:
        if conn.approved and not conn.managed and conn.vnet_id:
            by_vnet.setdefault(lid(conn.vnet_id), []).append(conn)
    return by_vnet


def _dns_servers(vnet: dict[str, object]) -> list[str]:
    return [str(s) for s in as_list(dig(props(vnet), "dhcpOptions", "dnsServers")) if s]


@rule(
    id="AML-NET-001",
    title="Private DNS zones resolve the private endpoints",
    applies_when="each customer VNet holding an approved endpoint of a judged group of WS or of its storage, "
    "vault or registry, when that VNet uses Azure DNS (no `dhcpOptions.dnsServers`)",
    fails_when="a needed zone exists in the inventory but none of the zones of that name has a "
    "`virtualNetworkLinks` entry to that VNet; a needed zone absent from the inventory altogether: "
    "`unknown` (it may live in a subscription not scanned), unless another needed zone already fails",
    severity=Severity.MEDIUM,
    family="network",
    rationale="Clients in a VNet that uses Azure DNS resolve private endpoints only through private DNS zones "
    "linked to that VNet.",
    remediation="Link each needed private DNS zone to the VNet: `az network private-dns link vnet create -g <rg> "
    "-z <zone> -n <link> -v <vnet id> -e false`.",
    source='"Configure name resolution"',
    help_uri=DOC_PRIVATE_LINK,
    reads=(PRIVATE_ENDPOINT_TYPE, VNET_TYPE, DNS_ZONE_TYPE, DNS_LINK_TYPE),
)
def dns_zones_resolve_endpoints(ctx: WorkspaceContext) -> Iterable[Finding]:
    conns = [
        c
        for rid in (ctx.id, ctx.storage_id, ctx.key_vault_id, ctx.registry_id)
        if rid
        for c in ctx.topo.approved_endpoints(rid)
    ]
    zones_by_group = ZONES_BY_CLOUD.get(ctx.cloud.lower())
    judged = [c for c in conns if c.group and c.group.lower() in ZONES_BY_GROUP]
    for key, vnet_conns in sorted(_customer_endpoints_by_vnet(judged).items()):
        vnet = ctx.topo.vnet(key)
        vnet_id = vnet["id"] if vnet else vnet_conns[0].vnet_id or key
        needed = sorted({z for c in vnet_conns for z in (zones_by_group or ZONES_BY_GROUP)[str(c.group).lower()]})
        evidence: dict[str, object] = {"needed_zones": needed, "endpoints": [c.endpoint_id for c in vnet_conns]}
        if vnet is None:
            reason = ctx.topo.gap(VNET_TYPE, vnet_id) or f"VNet {vnet_id} is absent (its DNS setting cannot be read)"
            yield ctx.finding(UNKNOWN, vnet_id, f"DNS of {vnet_id} unknown: {reason}.", missing=reason, **evidence)
            continue
        servers = _dns_servers(vnet)
        if servers:
            yield ctx.finding(
                NOT_APPLICABLE,
                vnet_id,
                f"VNet {vnet.get('name')} uses custom DNS servers.",
                **{"properties.dhcpOptions.dnsServers": servers},
            )
            continue
        if zones_by_group is None:
            del evidence["needed_zones"]
            yield ctx.finding(
                UNKNOWN, vnet_id, f"Needed zones for cloud {ctx.cloud} are not catalogued.", cloud=ctx.cloud, **evidence
            )
            continue
        evidence["cloud"] = ctx.cloud
        unlinked: list[str] = []
        absent: list[str] = []
        for zone_name in needed:
            zones = ctx.topo.zones_named(zone_name)
            if not zones:
                absent.append(zone_name)
            elif not ctx.topo.zone_name_linked(zone_name, key):
                (absent if ctx.topo.zone_name_gap(zone_name) else unlinked).append(zone_name)
        evidence.update(unlinked_zones=unlinked, zones_absent_from_inventory=absent)
        if unlinked:
            yield ctx.finding(
                FAIL, vnet_id, f"Zones {', '.join(unlinked)} are not linked to VNet {vnet.get('name')}.", **evidence
            )
        elif absent:
            yield ctx.finding(
                UNKNOWN,
                vnet_id,
                f"Zones {', '.join(absent)} are not in the inventory (they may live in a subscription not scanned).",
                **evidence,
            )
        else:
            yield ctx.finding(PASS, vnet_id, f"Every needed zone is linked to VNet {vnet.get('name')}.", **evidence)


def _host_records(ctx: WorkspaceContext, conns: list[Connection]) -> list[dict[str, object]]:
    """FQDN → private IP records from `customDnsConfigs` and the endpoints' DNS zone groups."""
    records: dict[str, list[str]] = {}
    for conn in conns:
        pe = ctx.topo.get(conn.endpoint_id)
        for config in as_list(props(pe).get("customDnsConfigs")):
            if isinstance(config, dict) and config.get("fqdn"):
                records.setdefault(str(config["fqdn"]), []).extend(as_list(config.get("ipAddresses")))
        for group in ctx.topo.children(conn.endpoint_id, DNS_ZONE_GROUP):
            for zone_config in as_list(props(group).get("privateDnsZoneConfigs")):
                for record in as_list(dig(zone_config, "properties", "recordSets")):
                    if isinstance(record, dict) and record.get("fqdn"):
                        records.setdefault(str(record["fqdn"]), []).extend(as_list(record.get("ipAddresses")))
    return [{"fqdn": fqdn, "ip_addresses": sorted(set(map(str, ips)))} for fqdn, ips in sorted(records.items())]


@rule(
    id="AML-NET-002",
    title="Custom DNS holds the workspace host records",
    applies_when="each customer VNet holding an approved private endpoint of WS, when that VNet has custom "
    "`dhcpOptions.dnsServers`",
    fails_when="always: the tool cannot read that server, so this is an attestation — it fails until a waiver "
    "records that the records exist. Evidence lists every FQDN → private IP record the server must "
    "hold (from `customDnsConfigs` and DNS zone groups) and the forwarder to 168.63.129.16",
    severity=Severity.MEDIUM,
    family="network",
    rationale="With custom DNS servers, the workspace's private endpoint names resolve only if the server holds "
    "their records or forwards to Azure DNS (168.63.129.16). The tool cannot read that server: this is an "
    "attestation that fails until a waiver records that the records exist.",
    remediation="Add the listed host records (or a conditional forwarder of the privatelink zones to "
    "168.63.129.16) to the custom DNS server, then record it with a waiver for this result.",
    source='"Custom DNS: add host records for the workspace"',
    help_uri=DOC_CUSTOM_DNS,
    reads=(PRIVATE_ENDPOINT_TYPE, VNET_TYPE),
    tags=("attestation",),
)
def custom_dns_holds_records(ctx: WorkspaceContext) -> Iterable[Finding]:
    for key, conns in sorted(_customer_endpoints_by_vnet(ctx.approved_endpoints).items()):
        vnet = ctx.topo.vnet(key)
        vnet_id = vnet["id"] if vnet else conns[0].vnet_id or key
        if vnet is None:
            reason = ctx.topo.gap(VNET_TYPE, vnet_id) or f"VNet {vnet_id} is absent (its DNS setting cannot be read)"
            yield ctx.finding(UNKNOWN, vnet_id, f"DNS of {vnet_id} unknown: {reason}.", missing=reason)
            continue
        servers = _dns_servers(vnet)
        if not servers:
            yield ctx.finding(NOT_APPLICABLE, vnet_id, f"VNet {vnet.get('name')} uses Azure DNS.")
            continue
        yield ctx.finding(
            FAIL,
            vnet_id,
            f"VNet {vnet.get('name')} uses custom DNS {', '.join(servers)}: attest that it holds the host records "
            f"of {ctx.name} (waive this result once done).",
            **{
                "properties.dhcpOptions.dnsServers": servers,
                "required_records": _host_records(ctx, conns),
                "forwarder": AZURE_DNS,
            },
        )
    # Unlike NET-001, NET-002 is about all of the workspace's own endpoints (catalogue §2).
    unplaced = [c.endpoint_id for c in ctx.approved_endpoints if not c.managed and c.vnet_id is None]
    if unplaced:
        yield ctx.finding(
            UNKNOWN,
            ctx.id,
            f"The VNet of {len(unplaced)} approved private endpoint(s) of {ctx.name} is unknown (endpoint resource "
            "absent), so its DNS setting cannot be read.",
            endpoints_without_vnet=unplaced,
        )


@rule(
    id="AML-NET-003",
    title="Peerings to the vault and registry connect both ways",
    applies_when="each VNet E that is not a workspace VNet, holds an approved endpoint of the vault or registry, "
    "and has a peering entry (on either side) with a workspace VNet",
    fails_when="E is not peered (§1) with every workspace VNet it has a peering entry with; evidence names the pairs",
    severity=Severity.MEDIUM,
    family="network",
    rationale="A vault or registry reached through a peered VNet is reachable only when the peering is connected "
    "on both sides.",
    remediation="Create the missing peering side and check both are Connected: `az network vnet peering create "
    "-g <rg> --vnet-name <vnet> -n <name> --remote-vnet <id> --allow-vnet-access`.",
    source="related",
    help_uri=DOC_WORKSPACE,
    reads=(PRIVATE_ENDPOINT_TYPE, VNET_TYPE, PEERING_TYPE, KEY_VAULT_TYPE, REGISTRY_TYPE),
)
def peerings_connect_both_ways(ctx: WorkspaceContext) -> Iterable[Finding]:
    ws_vnets = ctx.workspace_vnets
    conns = [c for rid in (ctx.key_vault_id, ctx.registry_id) if rid for c in ctx.topo.approved_endpoints(rid)]
    if ws_vnets.present is None:
        # Which VNets are the workspace's is unknown; a subject is still impossible when no VNet
        # holding a vault or registry endpoint has any peering at all (order of judgement, step 1).
        if any(ctx.topo.peering_partners(key) for key in _customer_endpoints_by_vnet(conns)):
            yield ctx.finding(
                UNKNOWN,
                ctx.id,
                f"Workspace VNets of {ctx.name} are unknown: {'; '.join(ws_vnets.gaps)}.",
                missing=ws_vnets.gaps,
            )
        else:
            yield ctx.finding(
                NOT_APPLICABLE, ctx.id, "No VNet holding an endpoint of the vault or registry has a peering."
            )
        return
    for key, _ in sorted(_customer_endpoints_by_vnet(conns).items()):
        if key in ws_vnets:
            continue
        partners = {p: rid for p, rid in ctx.topo.peering_partners(key).items() if p in ws_vnets}
        if not partners:
            continue
        vnet_id = ctx.vnet_display(key)
        states = {rid: ctx.topo.peered(key, p) for p, rid in sorted(partners.items())}
        broken = [rid for rid, ok in states.items() if ok is False]
        unconfirmed = [rid for rid, ok in states.items() if ok is None]
        evidence = {"peered_with": {rid: ok for rid, ok in states.items()}}
        if broken:
            yield ctx.finding(
                FAIL,
                vnet_id,
                f"VNet {vnet_id} is not peered both ways (Connected) with {', '.join(broken)}.",
                not_connected=[[vnet_id, b] for b in broken],
                **evidence,
            )
        elif unconfirmed:
            yield ctx.finding(
                UNKNOWN,
                vnet_id,
                f"Peering of {vnet_id} with {', '.join(unconfirmed)} cannot be confirmed (a VNet is absent).",
                **evidence,
            )
        else:
            yield ctx.finding(
                PASS, vnet_id, f"VNet {vnet_id} is peered both ways with the workspace VNets.", **evidence
            )


@rule(
    id="AML-NET-004",
    title="Operators have a path into the private workspace",
    applies_when="scenario is `private-workspace`",
    fails_when="no customer VNet holding a workspace endpoint, nor a VNet peered with one, contains a "
    "`Microsoft.Network/bastionHosts` or `Microsoft.Network/virtualNetworkGateways` (both: "
    "`properties.ipConfigurations[].properties.subnet.id`)",
    severity=Severity.INFO,
    family="network",
    rationale="A private workspace is reachable only from its network: operators need a jump host, Azure Bastion "
    "or a VPN/ExpressRoute gateway in a workspace VNet or a VNet peered with one.",
    remediation="Deploy Azure Bastion (`az network bastion create ...`) with a jump box, or a virtual network "
    "gateway, in the workspace VNet or a peered VNet.",
    source='"Microsoft Sentinel: jump box + Azure Bastion", generalised to any operator path',
    help_uri=DOC_OVERVIEW,
    reads=(WORKSPACE_TYPE, PRIVATE_ENDPOINT_TYPE, VNET_TYPE, PEERING_TYPE, BASTION_TYPE, VNET_GATEWAY_TYPE),
)
def operators_have_path(ctx: WorkspaceContext) -> Iterable[Finding]:
    applies = scenario_in(ctx, "private-workspace")
    if applies is None:
        yield ctx.finding(UNKNOWN, ctx.id, f"Scenario of {ctx.name} is unknown.", **scenario_evidence(ctx))
        return
    if not applies:
        yield ctx.finding(
            NOT_APPLICABLE,
            ctx.id,
            f"{ctx.name} is not a private workspace ({scenario_note(ctx)}).",
            **scenario_evidence(ctx),
        )
        return
    ws_vnets = sorted(k for k in _customer_endpoints_by_vnet(ctx.approved_endpoints) if not is_managed_vnet(k))
    candidates: dict[str, str] = {}
    unconfirmed = [
        f"VNet of endpoint {c.endpoint_id} is unknown"
        for c in ctx.approved_endpoints
        if not c.managed and c.vnet_id is None
    ]
    for key in ws_vnets:
        candidates[key] = "workspace VNet"
        for partner in ctx.topo.peering_partners(key):
            peered = ctx.topo.peered(key, partner)
            if peered:
                candidates.setdefault(partner, f"peered with {ctx.vnet_display(key)}")
            elif peered is None:
                unconfirmed.append(f"peering {ctx.vnet_display(key)} ↔ {ctx.vnet_display(partner)} unconfirmed")
    hosts = {key: [h["id"] for h in ctx.topo.operator_hosts_in(key)] for key in sorted(candidates)}
    found = {ctx.vnet_display(k): v for k, v in hosts.items() if v}
    evidence = {
        "searched_vnets": {ctx.vnet_display(k): why for k, why in sorted(candidates.items())},
        "operator_hosts": found,
    }
    unconfirmed += [g for t in (BASTION_TYPE, VNET_GATEWAY_TYPE) if (g := ctx.topo.gap(t, ctx.id, *candidates))]
    if found:
        yield ctx.finding(
            PASS, ctx.id, f"Operators reach {ctx.name} through {next(iter(found.values()))[0]}.", **evidence
        )
    elif unconfirmed:
        yield ctx.finding(
            UNKNOWN,
            ctx.id,
            f"Operator path into {ctx.name} undecided: {'; '.join(unconfirmed)}.",
            missing=unconfirmed,
            **evidence,
        )
    else:
        yield ctx.finding(
            FAIL,
            ctx.id,
            f"No Bastion host or VNet gateway sits in a workspace VNet of {ctx.name} or a VNet peered with one.",
            **evidence,
        )
