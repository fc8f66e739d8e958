"""Generate a synthetic tenant: N clones of the sample tenant's workspace and its whole topology.

Each clone lives in its own resource group `rg-ml-<i>` and suffixes the name of every top-level
resource, so that ids stay unique and every reference inside properties still resolves within its
clone. The rewrite is textual, on the baseline's JSON, because ids also hide inside properties,
host names and node resource groups, in whatever casing the collector gave them.

Every `--vary-every`th clone carries a defect, so that results are not N identical copies: in turn,
a public workspace storage account, then a missing private DNS zone link.

`--workspaces-per-hub K` shares the egress hub (the VNet holding the firewall, the firewall, its
policies and IP groups) among K clones, as a hub-and-spoke landing zone does: the first clone of
each group keeps its hub, peered with every spoke of the group, and the others route through it.
With K = 1 (the default) every clone has a hub of its own.

    python benchmarks/generate_tenant.py --workspaces 2000 --output /tmp/tenant-2000.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.arm import as_list, lid, props, resource_group_of, segments, subscription_of  # noqa: E402
from auditor.inventory import load_inventory  # noqa: E402
from auditor.topology import DNS_LINK, DNS_ZONE, VNET, WORKSPACE  # noqa: E402

SAMPLE_TENANT = ROOT / "fixtures" / "sample-tenant"
COMPACT = (",", ":")
# Private DNS zone names are fixed by Azure (privatelink.*): every clone keeps them, so a big
# tenant holds N zones of each name, as a tenant with per-team zones does.
_KEEP_NAME_TYPES = {DNS_ZONE}
# The zone whose link to the workspace VNet the "missing DNS link" variant drops.
_DROPPED_LINK_ZONE = "privatelink.api.azureml.ms"
_HUB_TYPES = {"microsoft.network/azurefirewalls", "microsoft.network/firewallpolicies", "microsoft.network/ipgroups"}

Resource = dict[str, Any]


def load_baseline(paths: Sequence[str | Path] = (SAMPLE_TENANT,)) -> list[Resource]:
    return load_inventory([str(p) for p in paths]).resources


def _top_level_name(resource: Resource) -> str | None:
    """The name of a resource directly under a provider (not a child), lower-cased."""
    parts = segments(resource["id"])
    lower = [p.lower() for p in parts]
    if "providers" not in lower:
        return None
    after = parts[len(lower) - lower[::-1].index("providers") :]
    return after[2].lower() if len(after) == 3 else None  # namespace / type / name


def _top_level_names(resources: Sequence[Resource]) -> set[str]:
    """Names of resources to suffix in each clone, lower-cased."""
    return {
        name
        for resource in resources
        if (name := _top_level_name(resource)) and str(resource.get("type", "")).lower() not in _KEEP_NAME_TYPES
    }


def _hub_names(resources: Sequence[Resource]) -> set[str]:
    """Names of the egress hub's resources: what a hub-and-spoke landing zone shares among spokes."""
    names = set()
    for resource in resources:
        rtype = str(resource.get("type", "")).lower()
        hosts_firewall = rtype == VNET and any(
            str(subnet.get("name", "")).lower() == "azurefirewallsubnet"
            for subnet in as_list(props(resource).get("subnets"))
        )
        if (rtype in _HUB_TYPES or hosts_firewall) and (name := _top_level_name(resource)):
            names.add(name)
    return names


class CloneWriter:
    """Rewrites the baseline's JSON text into clone i; compiled once for all clones."""

    def __init__(self, baseline: Sequence[Resource]) -> None:
        groups = {g.lower() for r in baseline if (g := resource_group_of(r["id"]))}
        if len(groups) != 1:
            raise ValueError(f"the baseline must sit in exactly one resource group, found {sorted(groups)}")
        self.group = groups.pop()
        subscriptions = {s.lower() for r in baseline if (s := subscription_of(r["id"]))}
        self.subscription = subscriptions.pop() if len(subscriptions) == 1 else None
        self.names = _top_level_names(baseline)
        self.hub_names = _hub_names(baseline)
        self.size = len(baseline)
        tokens = sorted({self.group, *self.names}, key=lambda t: (-len(t), t))
        hubs = "|".join(re.escape(t) for t in sorted(self.hub_names, key=lambda t: (-len(t), t))) or "(?!)"
        # Longest first so that "pe-mlw-prod" wins over its substring "mlw-prod"; the look-arounds
        # keep a token from matching inside a longer word. The first branch is the resource group of
        # a hub resource's id, which belongs to the hub's clone rather than to the spoke's.
        alternation = "|".join(re.escape(t) for t in tokens)
        self._pattern = re.compile(
            rf"(?<![A-Za-z0-9])(?:(?P<hub_group>{re.escape(self.group)})(?=/providers/[^/\"]+/[^/\"]+/(?:{hubs})"
            rf"(?![A-Za-z0-9]))|{alternation})(?![A-Za-z0-9])",
            re.IGNORECASE,
        )
        self._text = json.dumps(list(baseline), separators=COMPACT, ensure_ascii=False)

    def clone_text(self, index: int, hub: int | None = None) -> str:
        """Clone `index` as the compact JSON array text of its resources, its hub references naming
        clone `hub`'s hub (its own by default)."""
        number = f"{index:04d}"
        hub_number = number if hub is None else f"{hub:04d}"

        def rename(match: re.Match[str]) -> str:
            token = match.group(0)
            if match.group("hub_group"):
                return f"rg-ml-{hub_number}"
            if token.lower() == self.group:
                return f"rg-ml-{number}"
            suffix = hub_number if token.lower() in self.hub_names else number
            # Storage and registry names allow no hyphen: suffix in the name's own style.
            return f"{token}-{suffix}" if "-" in token else f"{token}{suffix}"

        return self._pattern.sub(rename, self._text)

    def clone(self, index: int, hub: int | None = None) -> list[Resource]:
        resources: list[Resource] = json.loads(self.clone_text(index, hub))
        return resources

    def spoke(self, index: int, hub: int, hub_vnets: dict[str, Resource]) -> list[Resource]:
        """Clone `index` without a hub of its own, routed through clone `hub`'s, whose VNets (by
        lower-cased id) gain their peering back to this spoke, renamed to stay unique."""
        spoke: list[Resource] = []
        hub_group = f"rg-ml-{hub:04d}"
        for resource in self.clone(index, hub):
            if (resource_group_of(resource["id"]) or "").lower() != hub_group:
                spoke.append(resource)
            elif str(resource.get("type", "")).lower() == VNET:
                peerings = props(hub_vnets[lid(resource["id"])]).setdefault("virtualNetworkPeerings", [])
                for peering in as_list(props(resource).get("virtualNetworkPeerings")):
                    suffix = f"-{index:04d}"
                    peerings.append({**peering, "name": peering["name"] + suffix, "id": peering["id"] + suffix})
        return spoke


def public_storage(resources: list[Resource]) -> list[Resource]:
    """The workspace's default storage account opens to the internet."""
    for ws in _workspaces(resources):
        target = lid(str(props(ws).get("storageAccount") or ""))
        for resource in resources:
            if lid(resource["id"]) == target:
                p = resource.setdefault("properties", {})
                p["publicNetworkAccess"] = "Enabled"
                p.setdefault("networkAcls", {})["defaultAction"] = "Allow"
    return resources


def missing_dns_link(resources: list[Resource]) -> list[Resource]:
    """The workspace zone (privatelink.api.azureml.ms) loses its VNet links."""
    zones = {
        lid(r["id"])
        for r in resources
        if str(r.get("type", "")).lower() == DNS_ZONE and str(r.get("name", "")).lower() == _DROPPED_LINK_ZONE
    }
    kept = []
    for resource in resources:
        rtype = str(resource.get("type", "")).lower()
        if rtype == DNS_LINK and lid(resource["id"]).rsplit("/virtualnetworklinks/", 1)[0] in zones:
            continue
        if lid(resource["id"]) in zones:
            for holder in (resource, props(resource)):
                holder.pop("virtualNetworkLinks", None)
        kept.append(resource)
    return kept


def _workspaces(resources: list[Resource]) -> list[Resource]:
    return [r for r in resources if str(r.get("type", "")).lower() == WORKSPACE]


Variant = Callable[[list[Resource]], list[Resource]]
# Taken in turn by the varied clones: every Kth is varied, the first with a public storage, the
# next with a missing DNS link, and so on.
VARIANTS: tuple[Variant, ...] = (public_storage, missing_dns_link)


def variant_of(index: int, vary_every: int) -> Variant | None:
    if vary_every <= 0 or (index + 1) % vary_every:
        return None
    return VARIANTS[(index // vary_every) % len(VARIANTS)]


def clone_groups(workspaces: int, subscriptions: int = 1, per_hub: int = 1) -> Iterator[list[int]]:
    """The clones, dealt round-robin over `subscriptions` (clone i in subscription i % S), grouped by
    the hub they share: up to `per_hub` clones of one subscription, the first of them holding the hub."""
    for first in range(min(subscriptions, workspaces)):
        mine = range(first, workspaces, subscriptions)
        for start in range(0, len(mine), per_hub):
            yield list(mine[start : start + per_hub])


def tenant_chunks(
    writer: CloneWriter,
    workspaces: int,
    *,
    vary_every: int = 10,
    subscriptions: Sequence[str] = (),
    per_hub: int = 1,
) -> Iterator[tuple[str, int]]:
    """The tenant's resources as JSON array texts without brackets, one per hub group, and their count.

    With `subscriptions`, clone i moves from the baseline's subscription to subscriptions[i % S]."""
    for group in clone_groups(workspaces, len(subscriptions) or 1, max(per_hub, 1)):
        hub = group[0]
        plain = len(group) == 1 and variant_of(hub, vary_every) is None
        if plain:
            text, count = writer.clone_text(hub), writer.size
        else:
            hub_clone = writer.clone(hub)
            # The spokes add their peerings to these VNets, which the variants keep (they edit in place).
            hub_vnets = {lid(r["id"]): r for r in hub_clone if str(r.get("type", "")).lower() == VNET}
            resources: list[Resource] = []
            for index in group:
                clone = hub_clone if index == hub else writer.spoke(index, hub, hub_vnets)
                variant = variant_of(index, vary_every)
                resources.extend(variant(clone) if variant else clone)
            text, count = json.dumps(resources, separators=COMPACT, ensure_ascii=False), len(resources)
        if subscriptions and writer.subscription:
            text = re.sub(re.escape(writer.subscription), subscriptions[hub % len(subscriptions)], text, flags=re.I)
        yield text[1:-1], count


def write_tenant(
    out: TextIO,
    workspaces: int,
    vary_every: int = 10,
    baseline: Sequence[Resource] | None = None,
    *,
    subscriptions: Sequence[str] = (),
    per_hub: int = 1,
) -> int:
    """Write `{"resources": [...]}` for `workspaces` clones; return the number of resources."""
    writer = CloneWriter(baseline if baseline is not None else load_baseline())
    out.write('{"resources":[')
    count = 0
    # Streamed group by group, so that generating thousands of workspaces never holds them all.
    for position, (text, size) in enumerate(
        tenant_chunks(writer, workspaces, vary_every=vary_every, subscriptions=subscriptions, per_hub=per_hub)
    ):
        out.write(("," if position else "") + text)
        count += size
    out.write("]}")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workspaces", type=int, required=True, metavar="N", help="number of workspace clones")
    parser.add_argument("--output", type=Path, required=True, metavar="PATH", help="JSON file to write")
    parser.add_argument(
        "--vary-every", type=int, default=10, metavar="K", help="give every Kth clones a defect (0: none; default 10)"
    )
    parser.add_argument(
        "--workspaces-per-hub", type=int, default=1, metavar="K", help="clones sharing one egress hub (default 1)"
    )
    parser.add_argument(
        "--baseline", type=Path, action="append", metavar="PATH", help="baseline inventory (default: the sample tenant)"
    )
    args = parser.parse_args(argv)
    if args.workspaces < 1:
        parser.error("--workspaces must be at least 1")
    baseline = load_baseline(args.baseline or (SAMPLE_TENANT,))
    with open(args.output, "w", encoding="utf-8") as out:
        count = write_tenant(out, args.workspaces, args.vary_every, baseline, per_hub=args.workspaces_per_hub)
    size = args.output.stat().st_size
    print(f"{args.output}: {args.workspaces} workspaces, {count} resources, {size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
